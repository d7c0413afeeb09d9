"""What a brand tells triage about itself: its own terms, exclusion terms, homonyms and categories.

Stored as `brands.triage_settings` (JSON), validated here. `terms` are the brand's names and
products (the brand name is always one); a mention naming an exclusion term or a homonym is noise
unless it is addressed to the brand. `categories` are the brand's own case categories, each with a
few example messages: a case gets the one whose examples are nearest to its opening message.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from cauce.errors import InvalidInput

MAX_TERMS = 50
MAX_TERM_CHARS = 100
MAX_CATEGORIES = 30
MIN_EXAMPLES = 2
MAX_EXAMPLES = 40
MAX_EXAMPLE_CHARS = 500
_CATEGORY_NAME = re.compile(r"^[\wáéíóúüñÁÉÍÓÚÜÑ][\w áéíóúüñÁÉÍÓÚÜÑ/&.\-]{0,59}$")


def _clean_terms(values: list[str], what: str) -> list[str]:
    out = list(dict.fromkeys(" ".join(v.split()) for v in values if v and v.strip()))
    if len(out) > MAX_TERMS:
        raise ValueError(f"{what}: como máximo {MAX_TERMS}")
    long = [v for v in out if len(v) > MAX_TERM_CHARS]
    if long:
        raise ValueError(f"{what}: «{long[0][:40]}…» pasa de {MAX_TERM_CHARS} caracteres")
    return out


class BrandCategory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    examples: list[str]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not _CATEGORY_NAME.match(value):
            raise ValueError(f"nombre de categoría inválido {value[:60]!r} (letras, números, espacios; hasta 60)")
        return value

    @field_validator("examples")
    @classmethod
    def _examples(cls, values: list[str]) -> list[str]:
        out = list(dict.fromkeys(" ".join(v.split()) for v in values if isinstance(v, str) and v.strip()))
        if len(out) < MIN_EXAMPLES:
            raise ValueError(f"cada categoría necesita al menos {MIN_EXAMPLES} mensajes de ejemplo distintos")
        if len(out) > MAX_EXAMPLES:
            raise ValueError(f"como máximo {MAX_EXAMPLES} ejemplos por categoría")
        if any(len(v) > MAX_EXAMPLE_CHARS for v in out):
            raise ValueError(f"cada ejemplo puede tener hasta {MAX_EXAMPLE_CHARS} caracteres")
        return out


# The label each term list is named by in its error messages.
TERM_LISTS = {"terms": "Términos", "exclusion_terms": "Términos de exclusión", "homonyms": "Homónimos"}


class TriageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: list[str] = Field(default_factory=list)
    exclusion_terms: list[str] = Field(default_factory=list)
    homonyms: list[str] = Field(default_factory=list)
    categories: list[BrandCategory] = Field(default_factory=list)

    @field_validator(*TERM_LISTS)
    @classmethod
    def _term_list(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return _clean_terms(values, TERM_LISTS[info.field_name or ""])

    @field_validator("categories")
    @classmethod
    def _categories(cls, values: list[BrandCategory]) -> list[BrandCategory]:
        if len(values) > MAX_CATEGORIES:
            raise ValueError(f"como máximo {MAX_CATEGORIES} categorías")
        names = [c.name.casefold() for c in values]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"la categoría «{repeated[0]}» está repetida")
        if len(values) == 1:
            raise ValueError("defina al menos dos categorías (con una sola no hay nada que elegir)")
        return values


def load(raw: dict[str, Any] | None) -> TriageSettings:
    """The stored settings, validated (an old or empty object gives empty lists)."""
    try:
        return TriageSettings.model_validate(raw or {})
    except ValidationError as exc:
        raise invalid(exc) from None


def invalid(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    return InvalidInput(f"Relevancia y categorías: {message}" + (f" ({where})." if where else "."))


def categories_from_mapping(raw: Any) -> list[dict[str, Any]]:
    """`{nombre: [ejemplo, ...]}` (what the settings form's YAML holds) -> the stored list."""
    if raw in (None, "", {}):
        return []
    if not isinstance(raw, dict):
        raise InvalidInput("Categorías: escriba «nombre:» y debajo sus ejemplos, uno por línea con «- ».")
    out = []
    for name, examples in raw.items():
        if not isinstance(examples, list) or not all(isinstance(e, str | int | float) for e in examples):
            raise InvalidInput(f"Categorías: «{str(name)[:60]}» necesita una lista de mensajes de ejemplo.")
        out.append({"name": str(name), "examples": [str(e) for e in examples]})
    return out
