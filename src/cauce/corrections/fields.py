"""The triage fields an agent may correct: one entry each in `FIELDS`.

An entry says how the value is spelled (a yes/no flag or one of a vocabulary), where it lives on the
mention (a column the queue filters on and/or the assessment JSON), who may correct it, whether the
organisation's adapter learns it from the text, and an optional `after` hook for side effects beyond
the mention (e.g. bringing a mention into the queue). Adding a field is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from cauce.audit.service import Actor
from cauce.mentions.models import Mention
from cauce.triage.schemas import AUTHOR_ROLES, CATEGORIES, PQR_TYPES

SENTIMENTS: tuple[str, ...] = ("negativo", "neutro", "positivo")
COMPLAINT_TYPES: frozenset[str] = frozenset({"queja", "reclamo"})
BOOL_VALUES: tuple[str, ...] = ("true", "false")


class Kind(StrEnum):
    FLAG = "flag"  # true / false
    CHOICE = "choice"  # one of `choices`


class Access(StrEnum):
    AGENT = "agent"  # anyone who works the brand's cases
    SUPERVISOR = "supervisor"  # roles are a supervisor's decision (PLAYBOOK §7, playbook.moderation.decide_role)


# (session, mention, old value, new value, actor) -> None, run after the mention is updated.
AfterHook = Callable[[Session, Mention, Any, Any, Actor], None]


@dataclass(frozen=True)
class Field:
    name: str  # as in the API body and the examples table
    label: str  # Spanish msgid; the English text is in the catalogue
    kind: Kind
    choices: tuple[str, ...] = BOOL_VALUES
    column: str | None = None  # the mention column mirroring it (None: only in the assessment JSON)
    assessment_key: str | None = None  # its key in `Mention.assessment` (defaults to `name`)
    access: Access = Access.AGENT
    learned: bool = True  # the organisation's adapter learns it from the text
    after: AfterHook | None = None

    @property
    def key(self) -> str:
        return self.assessment_key or self.name

    def parse(self, value: Any) -> Any:
        """The stored value for an input (bool for flags, a vocabulary word for choices), or ValueError."""
        if self.kind is Kind.FLAG:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "si", "sí", "yes"):
                return True
            if text in ("false", "0", "no"):
                return False
            raise ValueError(value)
        text = str(value).strip().lower()
        if text not in self.choices:
            raise ValueError(value)
        return text

    def current(self, mention: Mention) -> Any:
        if self.column is not None:
            return getattr(mention, self.column)
        return (mention.assessment or {}).get(self.key)


def as_text(value: Any) -> str | None:
    """How a value is stored in the examples table."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _relevance_changed(session: Session, mention: Mention, old: Any, new: Any, actor: Actor) -> None:
    """Relevant now: the mention enters the queue as ingest would have routed it; noise now: it leaves
    the queue (its case is discarded when it holds only this mention, else a 409 names the case)."""
    from cauce.mentions import service as mentions

    if new and not old:
        mentions.bring_into_queue(session, mention_id=mention.id, actor=actor, reason="corrección de triaje")
    elif old and not new:
        mentions.mark_as_noise(session, mention_id=mention.id, actor=actor, reason="corrección de triaje")


FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("is_complaint", "Queja o reclamo", Kind.FLAG, column="is_complaint"),
    Field("pqr_type", "Tipo de PQR", Kind.CHOICE, PQR_TYPES, column="pqr_type"),
    Field("category", "Categoría", Kind.CHOICE, CATEGORIES, column="category"),
    Field("sentiment", "Sentimiento", Kind.CHOICE, SENTIMENTS),
    Field("abusive", "Insulto o abuso", Kind.FLAG, column="abusive"),
    Field("threat", "Amenaza", Kind.FLAG, column="threat"),
    Field("legal_risk", "Riesgo legal", Kind.FLAG, column="legal_risk"),
    Field("author_role", "Rol del autor", Kind.CHOICE, AUTHOR_ROLES, column="author_role",
          access=Access.SUPERVISOR, learned=False),
    # Last in the dialog: the keyboard path opens on the complaint decision, the most frequent fix.
    Field("relevant", "Relevante para la marca", Kind.FLAG, column="relevant", after=_relevance_changed),
)}

FLAG_FIELDS: tuple[str, ...] = ("abusive", "threat", "legal_risk")


def implied(name: str, value: Any, mention: Mention) -> dict[str, Any]:
    """What else a correction decides: a complaint's PQR type is queja or reclamo, and only a complaint's."""
    if name == "pqr_type":
        return {"is_complaint": value in COMPLAINT_TYPES}
    if name == "is_complaint":
        pqr = mention.pqr_type or "otro"
        if value and pqr not in COMPLAINT_TYPES:
            return {"pqr_type": "queja"}
        if not value and pqr in COMPLAINT_TYPES:
            return {"pqr_type": "otro"}
    return {}
