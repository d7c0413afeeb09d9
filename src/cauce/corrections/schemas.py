"""API shapes of corrections and the learning curve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cauce.apimodel import StrictOut


class CorrectionIn(BaseModel):
    """The fields to correct, by name (see `GET` of a mention's fields in the case view); others stay."""

    model_config = ConfigDict(extra="forbid")

    relevant: bool | None = Field(default=None, description="About or addressed to this brand (false: noise)")
    is_complaint: bool | None = None
    pqr_type: str | None = Field(default=None, max_length=20)
    category: str | None = Field(default=None, max_length=20)
    sentiment: str | None = Field(default=None, max_length=20)
    abusive: bool | None = None
    threat: bool | None = None
    legal_risk: bool | None = None
    author_role: str | None = Field(default=None, max_length=20, description="Supervisors only")
    reason: str | None = Field(default=None, max_length=2000)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"reason"}).items() if v is not None}


class FieldChangeOut(StrictOut):
    field: str
    old: Any
    new: Any


class CorrectionOut(StrictOut):
    mention_id: int
    case_id: int | None
    changed: list[FieldChangeOut]
    examples: int = Field(description="Labelled examples stored by this correction")
    case_changes: dict[str, Any]
    current: dict[str, Any] = Field(description="The mention's triage fields after the correction")


class AdapterRunOut(StrictOut):
    version: int
    created_at: datetime
    examples_used: int
    accepted: bool
    reason: str | None
    trigger: str
    base_model_version: str
    heldout_precision_base: float | None
    heldout_recall_base: float | None
    heldout_precision: float | None
    heldout_recall: float | None
    heldout_n: int
    metrics: dict[str, Any]


class LearningCurveOut(StrictOut):
    organisation_id: int
    examples: int
    active_version: int | None
    runs: list[AdapterRunOut]
