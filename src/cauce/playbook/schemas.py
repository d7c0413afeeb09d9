"""API response shapes of the playbook: next actions, checklist, evidence, moderation proposals,
guidelines, policy, crisis state and root causes (every one forbids undeclared keys)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from cauce.apimodel import StrictOut
from cauce.playbook.policy import PlaybookPolicy


class NextActionOut(StrictOut):
    id: str
    rule_id: str
    rule_text: str
    title: str
    due_at: str | None
    visibility: str = Field(description="public | private | offline | internal | moderation")
    intent: str | None
    done: bool
    blocking: bool
    kind: str = Field(description="task | constraint")
    detail: str | None


class ChecklistItemOut(StrictOut):
    rule_id: str
    title: str
    text: str
    state: str = Field(description="pending | done | not_applicable")
    note: str | None
    by: str | None
    at: str | None
    optional: bool


class ChecklistOut(StrictOut):
    outcome: str | None
    items: list[ChecklistItemOut]
    customer_confirmed: bool
    no_answer_after_follow_up: bool
    can_close: bool


class NextActionsOut(StrictOut):
    case_id: int
    generated_at: str
    actions: list[NextActionOut]
    checklist: ChecklistOut


class EvidenceSnapshotOut(StrictOut):
    id: int
    case_id: int
    mention_id: int | None
    url: str | None
    text: str
    metrics: dict[str, Any]
    reach: dict[str, Any]
    content_hash: str
    posted_at: str
    captured_at: str


class CsatOut(StrictOut):
    id: int
    score: int
    case_status: str


class FollowUpDoneOut(StrictOut):
    id: int
    kind: str
    done_at: str | None


class TrollProposalOut(StrictOut):
    person_id: int
    brand_id: int
    display_name: str | None
    handles: list[str]
    confidence: float
    case_ids: list[int]
    evidence: list[dict[str, Any]] = Field(description="each quotes one of the person's own messages and its rule")
    strikes: int


class RoleDecisionOut(StrictOut):
    person_id: int
    confirmed_role: str | None
    strikes: int


class ClauseOut(StrictOut):
    id: str
    title: str
    text: str
    actions: list[str]


class GuidelinesOut(StrictOut):
    brand_id: int
    version: int = Field(description="0: the shipped defaults, never edited")
    title: str
    intro: str
    clauses: list[ClauseOut]
    created_at: str | None


class PolicyOut(StrictOut):
    effective: PlaybookPolicy
    overrides: dict[str, Any] = Field(description="What the brand changed over the defaults")


class _CrisisFields(StrictOut):
    """What a crisis and its report both say about it."""

    brand_id: int
    title: str
    kind: str
    category: str | None
    status: str
    started_at: str
    detected_at: str
    watch_until: str | None
    ended_at: str | None
    signals: list[Any]
    alerts: list[dict[str, Any]]


class CrisisOut(_CrisisFields):
    id: int
    last_signal_at: str


class CrisisCasesOut(StrictOut):
    linked: int
    open: int
    answered: int
    median_first_response_minutes: float | None
    breached: int


class CrisisReportOut(_CrisisFields):
    crisis_id: int
    detection_delay_minutes: float
    peak: int | None
    complaints_per_hour: dict[str, int]
    complaints_by_category: dict[str, int]
    complaints_during_watch: int
    cases: CrisisCasesOut


class CrisisSweepOut(StrictOut):
    checked_brands: int
    opened: list[int]
    reactivated: list[int]
    calmed: list[int]
    ended: list[int]
    linked_cases: int


class RootCauseOut(StrictOut):
    id: int
    brand_id: int
    category: str | None
    label: str
    terms: list[str]
    status: str
    case_ids: list[int]
    examples: list[str]
    actions: list[dict[str, Any]]


class RootCauseStatusOut(StrictOut):
    id: int
    status: str
    label: str | None = None


class ImprovementActionOut(StrictOut):
    id: int
    status: str
    title: str


class ImprovementDoneOut(StrictOut):
    id: int
    status: str
    follow_ups: list[int] = Field(description="ids of the follow-ups created (one per person)")
