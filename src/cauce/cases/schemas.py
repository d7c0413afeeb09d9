"""API shapes for cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cauce.apimodel import StrictOut
from cauce.app_deps.openapi import BodyId, CleanStr
from cauce.cases import lifecycle, sla
from cauce.cases.models import Case


class ClockOut(StrictOut):
    name: str
    label: str
    due: str
    done_at: str | None
    state: str = Field(description="ok | warning | breached | met | met_late")
    seconds_left: int


class CaseOut(StrictOut):
    id: int
    brand_id: int
    person_id: int  # the customer the case serves
    related_case_id: int | None = None  # a third party's case: the customer's case whose thread it is in
    channel: str
    title: str
    pqr_type: str
    category: str | None
    brand_category: str | None = None  # the brand's own category (brands.triage_settings)
    status: str
    status_label: str
    priority: int
    priority_reasons: list[str]
    author_role: str | None
    role_confidence: float
    flags: list[str]
    assigned_user_id: int | None
    area_id: int | None
    outcome: str | None
    mention_count: int
    unanswered_count: int
    opened_at: datetime
    first_response_at: datetime | None
    sla_state: str
    clocks: list[ClockOut]
    escalated: bool
    supervisor_flagged: bool

    @classmethod
    def of(cls, case: Case, *, now: datetime) -> CaseOut:
        return cls(
            id=case.id, brand_id=case.brand_id, person_id=case.person_id, related_case_id=case.related_case_id,
            channel=case.channel, title=case.title,
            pqr_type=case.pqr_type, category=case.category, brand_category=case.brand_category, status=case.status,
            status_label=lifecycle.STATES.get(case.status, case.status), priority=case.priority,
            priority_reasons=list(case.priority_reasons), author_role=case.author_role,
            role_confidence=case.role_confidence, flags=list(case.flags), assigned_user_id=case.assigned_user_id,
            area_id=case.area_id, outcome=case.outcome, mention_count=case.mention_count,
            unanswered_count=case.unanswered_count, opened_at=case.opened_at,
            first_response_at=case.first_response_at, sla_state=sla.sla_state(case, now=now),
            clocks=[ClockOut.model_validate(c.as_dict()) for c in sla.clocks(case, now=now)],
            escalated=case.escalated,
            supervisor_flagged=case.supervisor_flagged,
        )


class TransitionIn(BaseModel):
    to: str = Field(description="Target state: " + ", ".join(lifecycle.STATES))
    reason: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, description="at_fault | not_at_fault | not_applicable")


class AssignIn(BaseModel):
    user_id: BodyId | None = None
    area_id: BodyId | None = None
    unassign: bool = False
    reason: str | None = Field(default=None, max_length=2000)


class NoteIn(BaseModel):
    text: CleanStr = Field(min_length=1, max_length=20_000)


class LegalExtensionIn(BaseModel):
    notice: str = Field(min_length=20, max_length=5000)


class SatisfactionIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=5000)
    channel: str | None = None


class NoteOut(StrictOut):
    id: int
    case_id: int
    text: str
    created_at: str


class SatisfactionOut(StrictOut):
    id: int
    score: int


class CaseMentionOut(StrictOut):
    id: int
    external_id: str
    channel: str
    text: str
    author: str
    created_at: str
    assessment: dict[str, Any] | None
    third_party: bool = Field(description="someone else's message in the customer's thread")


# --- the case document (GET /cases/{id}, the JSON export) -------------------------------------------

class DocumentCase(StrictOut):
    id: int
    brand: str | None
    title: str
    status: str
    status_label: str | None
    pqr_type: str
    category: str | None
    priority: int
    priority_reasons: list[Any]
    author_role: str | None
    flags: list[Any]
    outcome: str | None
    opened_at: str | None
    first_response_at: str | None
    closed_at: str | None
    legal_due: str | None
    legal_extension_notice: str | None
    resolution_checklist: dict[str, Any] | None
    customer_confirmed: bool
    related_case_id: int | None


class DocumentHandle(StrictOut):
    channel: str
    handle: str
    followers: int


class DocumentPerson(StrictOut):
    id: int
    name: str | None
    handles: list[DocumentHandle]


class DocumentMention(StrictOut):
    id: int
    channel: str
    external_id: str
    url: str | None
    author: str
    created_at: str | None
    text: str
    private: bool
    third_party: bool
    assessment: dict[str, Any] | None


class DocumentReply(StrictOut):
    id: int
    visibility: str
    channel: str | None
    state: str
    text: str
    created_at: str | None
    sent_at: str | None
    external_id: str | None
    error: str | None


class DocumentNote(StrictOut):
    id: int
    author_user_id: int | None
    created_at: str | None
    text: str


class DocumentAuditEvent(StrictOut):
    id: int
    at: str | None
    actor: str | None
    actor_type: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    hash: str | None


class CaseDocumentOut(StrictOut):
    """Everything about a case: the printable/JSON export (`/cases/{id}/export`)."""

    case: DocumentCase
    clocks: list[ClockOut]
    person: DocumentPerson
    mentions: list[DocumentMention]
    replies: list[DocumentReply]
    notes: list[DocumentNote]
    audit: list[DocumentAuditEvent]
    generated_at: str


class CaseDetailOut(CaseDocumentOut):
    summary: CaseOut


class BulkIn(BaseModel):
    action: str = Field(description="assign | tag | close | area")
    case_ids: list[BodyId] = Field(min_length=1, max_length=200)
    user_id: BodyId | None = None
    area_id: BodyId | None = None
    tag: str | None = Field(default=None, max_length=40)
    outcome: str | None = Field(default=None, description="For close: at_fault | not_at_fault | not_applicable")
    reason: str | None = Field(default=None, max_length=2000)


class BulkRefusalOut(StrictOut):
    case_id: int
    message: str


class BulkOut(StrictOut):
    action: str
    done: list[int]
    refused: list[BulkRefusalOut] = Field(description="Cases left unchanged, each with why (another brand's "
                                                      "or a missing case: not found)")
