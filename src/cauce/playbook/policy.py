"""The playbook as data: defaults shipped in `defaults.yaml`, overridable per brand (audited)."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record
from cauce.brands.models import Brand
from cauce.db import utcnow
from cauce.errors import InvalidInput
from cauce.playbook.models import PlaybookOverride

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Times(_Strict):
    ask_data_private_minutes: int = Field(ge=1, le=7 * 24 * 60)
    investigation_open_minutes: int = Field(ge=1, le=7 * 24 * 60)
    hostile_offline_contact_hours: int = Field(ge=1, le=30 * 24)
    hostile_answer_minutes: int = Field(ge=1, le=24 * 60)
    evidence_minutes: int = Field(ge=1, le=24 * 60)
    follow_up_days: int = Field(ge=1, le=365)
    satisfaction_survey_hours: int = Field(ge=1, le=30 * 24)
    low_score_threshold: int = Field(ge=1, le=4)


class Moderation(_Strict):
    troll_proposal_min_confidence: float = Field(ge=0, le=1)
    heated_anger: float = Field(ge=0, le=1)
    heated_messages: int = Field(ge=1, le=100)


class CrisisPolicy(_Strict):
    window_minutes: int = Field(ge=5, le=24 * 60)
    short_window_minutes: int = Field(ge=1, le=24 * 60)
    baseline_hours: int = Field(ge=1, le=7 * 24)
    min_count: int = Field(ge=1)
    p_value: float = Field(gt=0, lt=1)
    min_ratio: float = Field(ge=1)
    seasonal_weeks: int = Field(ge=1, le=52)
    campaign_window_minutes: int = Field(ge=1, le=24 * 60)
    campaign_min_accounts: int = Field(ge=2)
    campaign_similarity: float = Field(ge=50, le=100)
    calm_minutes: int = Field(ge=1)
    watch_hours: int = Field(ge=1, le=60 * 24)
    first_response_minutes: int = Field(ge=1, le=24 * 60)
    webhook_url: str | None = None
    email_to: list[str] = Field(default_factory=list)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("la URL del webhook debe empezar por http:// o https://")
        return value or None


class RuleText(_Strict):
    title: str = Field(min_length=3, max_length=200)
    text: str = Field(min_length=10, max_length=2000)


class PlaybookPolicy(_Strict):
    times: Times
    moderation: Moderation
    redirect: dict[str, str] = Field(default_factory=dict)  # category -> where to go instead
    crisis: CrisisPolicy
    rules: dict[str, RuleText]

    def rule(self, rule_id: str) -> RuleText:
        return self.rules[rule_id]


@lru_cache(maxsize=1)
def _defaults_raw() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def defaults() -> PlaybookPolicy:
    return _validated(copy.deepcopy(_defaults_raw()))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _validated(raw: dict[str, Any]) -> PlaybookPolicy:
    try:
        return PlaybookPolicy.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"Política del playbook inválida: {problems}") from exc


def _check_rule_ids(override: dict[str, Any]) -> None:
    known = set(_defaults_raw()["rules"])
    unknown = sorted(set(override.get("rules", {}) or {}) - known)
    if unknown:
        raise InvalidInput(f"Reglas desconocidas: {', '.join(unknown)}. Solo se puede cambiar el texto de "
                           "las reglas existentes.")


def overrides_of(session: Session, *, brand_id: int) -> dict[str, Any]:
    row = session.scalar(select(PlaybookOverride).where(PlaybookOverride.brand_id == brand_id))
    return dict(row.data) if row is not None else {}


def effective_policy(session: Session, *, brand_id: int) -> PlaybookPolicy:
    """Defaults deep-merged with the brand's overrides (cached per session: policies change rarely)."""
    cache: dict[int, PlaybookPolicy] = session.info.setdefault("playbook_policy", {})
    if brand_id not in cache:
        cache[brand_id] = _validated(deep_merge(copy.deepcopy(_defaults_raw()),
                                                overrides_of(session, brand_id=brand_id)))
    return cache[brand_id]


def update_overrides(session: Session, *, brand_id: int, changes: dict[str, Any], actor: Actor,
                     replace: bool = False) -> PlaybookPolicy:
    """Merge `changes` into the brand's overrides (or replace them), validate, audit."""
    if session.get(Brand, brand_id) is None:
        raise InvalidInput(f"No existe la marca {brand_id}.")
    if not isinstance(changes, dict):
        raise InvalidInput("Los cambios de política deben ser un objeto.")
    row = session.scalar(select(PlaybookOverride).where(PlaybookOverride.brand_id == brand_id))
    before = dict(row.data) if row is not None else {}
    new = dict(changes) if replace else deep_merge(before, changes)
    _check_rule_ids(new)
    policy = _validated(deep_merge(copy.deepcopy(_defaults_raw()), new))
    if row is None:
        row = PlaybookOverride(brand_id=brand_id, data=new, updated_at=utcnow())
        session.add(row)
    else:
        row.data = new
        row.updated_at = utcnow()
    session.flush()
    record(session, actor=actor, action="playbook.policy_updated", entity_type="brand", entity_id=brand_id,
           before=before, after=new, brand_id=brand_id)
    session.info.setdefault("playbook_policy", {}).pop(brand_id, None)
    return policy
