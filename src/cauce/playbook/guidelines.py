"""Community guidelines per brand: written, versioned, published, cited by every moderation action."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record
from cauce.brands.models import Brand
from cauce.errors import InvalidInput
from cauce.htmldoc import csp_for, style_markup
from cauce.playbook.models import GuidelineVersion

DEFAULTS_FILE = Path(__file__).with_name("guidelines_default.yaml")
MODERATION_ACTIONS = ("warn", "hide", "block", "mute", "label_troll")
_CLAUSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    text: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guidelines:
    brand_id: int
    version: int  # 0: the shipped defaults, never edited
    title: str
    intro: str
    clauses: tuple[Clause, ...]
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {"brand_id": self.brand_id, "version": self.version, "title": self.title, "intro": self.intro,
                "clauses": [c.__dict__ | {"actions": list(c.actions)} for c in self.clauses],
                "created_at": self.created_at.isoformat() if self.created_at else None}


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def validate_clauses(raw: Any) -> tuple[Clause, ...]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("Las normas necesitan al menos una cláusula.")
    seen: set[str] = set()
    out: list[Clause] = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise InvalidInput(f"La cláusula {i} debe ser un objeto con id, title, text y actions.")
        cid = str(item.get("id", "")).strip()
        title = " ".join(str(item.get("title", "")).split())
        text = " ".join(str(item.get("text", "")).split())
        actions = item.get("actions") or []
        if not _CLAUSE_ID.match(cid):
            raise InvalidInput(f"Identificador inválido en la cláusula {i}: use minúsculas, números y guiones.")
        if cid in seen:
            raise InvalidInput(f"La cláusula «{cid}» está repetida.")
        if not 3 <= len(title) <= 200 or not 10 <= len(text) <= 4000:
            raise InvalidInput(f"La cláusula «{cid}» necesita un título (3-200) y un texto (10-4000 caracteres).")
        if not isinstance(actions, list) or any(a not in MODERATION_ACTIONS for a in actions):
            raise InvalidInput(f"Acciones inválidas en «{cid}»; use: {', '.join(MODERATION_ACTIONS)}.")
        seen.add(cid)
        out.append(Clause(cid, title, text, tuple(actions)))
    return tuple(out)


def default_guidelines(brand_id: int) -> Guidelines:
    d = _defaults()
    return Guidelines(brand_id, 0, d["title"], d["intro"], validate_clauses(d["clauses"]))


def current(session: Session, *, brand_id: int) -> Guidelines:
    row = session.scalar(select(GuidelineVersion).where(GuidelineVersion.brand_id == brand_id)
                         .order_by(GuidelineVersion.version.desc()).limit(1))
    if row is None:
        return default_guidelines(brand_id)
    return _of(row)


def _of(row: GuidelineVersion) -> Guidelines:
    return Guidelines(row.brand_id, row.version, row.title, row.intro, validate_clauses(row.clauses),
                      row.created_at)


def versions(session: Session, *, brand_id: int) -> list[Guidelines]:
    rows = session.scalars(select(GuidelineVersion).where(GuidelineVersion.brand_id == brand_id)
                           .order_by(GuidelineVersion.version))
    return [_of(r) for r in rows]


def publish(session: Session, *, brand_id: int, clauses: list[Any], actor: Actor, title: str | None = None,
            intro: str | None = None, user_id: int | None = None) -> Guidelines:
    """Save a new version (old versions stay: actions keep citing the text that applied then)."""
    if session.get(Brand, brand_id) is None:
        raise InvalidInput(f"No existe la marca {brand_id}.")
    valid = validate_clauses(clauses)
    previous = current(session, brand_id=brand_id)
    number = (session.scalar(select(func.max(GuidelineVersion.version))
                             .where(GuidelineVersion.brand_id == brand_id)) or 0) + 1
    row = GuidelineVersion(brand_id=brand_id, version=number, title=(title or previous.title).strip()[:200],
                           intro=(intro if intro is not None else previous.intro).strip(),
                           clauses=[c.__dict__ | {"actions": list(c.actions)} for c in valid],
                           author_user_id=user_id)
    session.add(row)
    session.flush()
    record(session, actor=actor, action="playbook.guidelines_published", entity_type="guidelines",
           entity_id=row.id, brand_id=brand_id, before={"version": previous.version},
           after={"version": number, "clauses": [c.id for c in valid]})
    return _of(row)


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_PAGE = _env.from_string("""<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ g.title }} — {{ brand }}</title>
<style>{{ css }}</style></head>
<body><h1>{{ g.title }} — {{ brand }}</h1><p>{{ g.intro }}</p>
{% for c in g.clauses %}<section id="{{ c.id }}"><h2>{{ loop.index }}. {{ c.title }}</h2><p>{{ c.text }}</p>
<small>Norma «{{ c.id }}»</small></section>{% endfor %}
<p><small>Versión {{ g.version }}{% if g.created_at %}, publicada el {{ g.created_at.date().isoformat() }}{% endif %}.
Cada acción de moderación cita la norma aplicada y puede apelarse.</small></p></body></html>""")


CSS = ("body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
       "h2{font-size:1.1rem;margin-top:1.5rem}small{color:#555}")
# Serve `html` with this policy: it allows exactly the inline stylesheet above (see cauce.htmldoc).
CSP = csp_for(CSS)


def html(guidelines: Guidelines, *, brand_name: str) -> str:
    return _PAGE.render(g=guidelines, brand=brand_name, css=style_markup(CSS))
