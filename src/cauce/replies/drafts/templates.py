"""The template library: defaults shipped as YAML, with per-brand overrides merged on top."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cauce.errors import InvalidInput
from cauce.replies.drafts.schemas import INTENTS

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Variant:
    id: str
    # (alternative wordings of one sentence, optional); the drafter picks one wording.
    body: tuple[tuple[tuple[str, ...], bool], ...]


@dataclass(frozen=True)
class IntentTemplates:
    visibility: str
    variants: tuple[Variant, ...]
    # Wording for when the message goes in the private channel although the intent is public
    # (the DM that a public «let's continue in private» announced): it must not announce itself.
    private_variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Library:
    language: str
    intents: Mapping[str, IntentTemplates]
    greetings: tuple[str, ...] = ()
    closings: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    # Crisis variants per intent ("crisis:" section), used while the brand is in crisis mode.
    crisis: Mapping[str, IntentTemplates] = field(default_factory=dict)


def _parse_variant(raw: Any, intent: str) -> Variant:
    if not isinstance(raw, Mapping) or not raw.get("id") or not isinstance(raw.get("body"), list):
        raise InvalidInput(f"Plantilla inválida en «{intent}»: cada variante necesita «id» y «body» (lista).")
    body: list[tuple[tuple[str, ...], bool]] = []
    for sentence in raw["body"]:
        wordings = sentence if isinstance(sentence, list) else [sentence]
        if not wordings or not all(isinstance(w, str) and w.strip() for w in wordings):
            raise InvalidInput(f"Plantilla «{raw['id']}»: cada frase debe ser un texto (o lista de textos) no vacío.")
        optional = wordings[0].startswith("? ")
        body.append((tuple(w[2:] if w.startswith("? ") else w for w in wordings), optional))
    if all(optional for _, optional in body):
        raise InvalidInput(f"Plantilla «{raw['id']}»: necesita al menos una frase obligatoria.")
    return Variant(str(raw["id"]), tuple(body))


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of mappings; lists (variants, greetings) are replaced, not concatenated."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _parse_intents(intents_raw: Mapping[str, Any], *, prefix: str = "") -> dict[str, IntentTemplates]:
    unknown = set(intents_raw) - set(INTENTS)
    if unknown:
        raise InvalidInput(f"Intención desconocida en plantillas: {', '.join(sorted(unknown))}.")
    intents: dict[str, IntentTemplates] = {}
    for intent, spec in intents_raw.items():
        if not isinstance(spec, Mapping) or not spec.get("variants"):
            raise InvalidInput(f"La intención «{intent}» necesita al menos una variante.")
        visibility = spec.get("visibility", "public")
        if visibility not in ("public", "private"):
            raise InvalidInput(f"Visibilidad inválida en «{intent}»: {visibility!r}.")
        variants = tuple(_parse_variant(v, intent) for v in spec["variants"])
        if prefix:  # crisis variants always say so in their id (Draft.template_id)
            variants = tuple(v if v.id.startswith(prefix) else Variant(prefix + v.id, v.body) for v in variants)
        private_raw = spec.get("private_variants") or []
        if not isinstance(private_raw, list):
            raise InvalidInput(f"«private_variants» de «{intent}» debe ser una lista de variantes.")
        private = tuple(_parse_variant(v, intent) for v in private_raw)
        intents[intent] = IntentTemplates(visibility, variants, private)
    return intents


def build_library(raw: Mapping[str, Any]) -> Library:
    intents_raw = raw.get("intents")
    if not isinstance(intents_raw, Mapping):
        raise InvalidInput("Las plantillas necesitan una sección «intents».")
    crisis_raw = raw.get("crisis") or {}
    if not isinstance(crisis_raw, Mapping):
        raise InvalidInput("La sección «crisis» de las plantillas debe ser un mapa de intenciones.")
    return Library(
        language=str(raw.get("language", "es")),
        intents=_parse_intents(intents_raw),
        crisis=_parse_intents(crisis_raw, prefix="crisis."),
        greetings=tuple(raw.get("greetings") or ()),
        closings=tuple(raw.get("closings") or ()),
        signatures=tuple(raw.get("signatures") or ()),
    )


@lru_cache(maxsize=8)
def _default_raw(language: str) -> dict[str, Any]:
    path = TEMPLATES_DIR / f"{language}.yaml"
    if not path.exists():
        raise InvalidInput(f"No hay plantillas para el idioma «{language}».")
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name} no es un mapa YAML.")
    return data


def load_overrides(directory: Path, language: str) -> dict[str, Any]:
    """A brand's override file (<directory>/<language>.yaml), or {} when it has none."""
    path = directory / f"{language}.yaml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} no es YAML válido: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} debe ser un mapa YAML.")
    return data


def library_for(language: str, overrides: Mapping[str, Any] | None = None) -> Library:
    raw = _default_raw(language)
    if overrides:
        raw = _merge(raw, overrides)
    return build_library(raw)
