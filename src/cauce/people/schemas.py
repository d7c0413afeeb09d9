"""API shapes for people: the contact history and identity resolution (proposals, merges, splits)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cauce.apimodel import StrictOut


class HandleOut(StrictOut):
    id: int
    channel: str
    handle: str
    display_name: str | None
    followers: int


class EvidenceOut(StrictOut):
    kind: str = Field(description="same_handle | cross_link | same_email | same_phone")
    values: list[str]
    message_ids: list[int] = Field(description="the messages it comes from (only those the caller may see)")
    score: float


class PersonBrief(StrictOut):
    id: int
    name: str | None
    handles: list[HandleOut]


class MergeProposalOut(StrictOut):
    id: int
    status: str
    score: float
    person_a_id: int = Field(description="the older person: the one that survives a merge")
    person_b_id: int
    other: PersonBrief = Field(description="the other person of the pair, seen from the one asked about")
    evidence: list[EvidenceOut]
    created_at: datetime


class DecisionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class MergeOut(StrictOut):
    merge_id: int
    survivor_id: int
    merged_id: int
    moved: dict[str, list[int]] = Field(description="ids of the handles, mentions, cases, moderation actions, "
                                                    "contact points that moved")


class SplitOut(StrictOut):
    person_id: int = Field(description="the person the handle now belongs to")
    from_person_id: int
    handle_id: int


class SweepOut(StrictOut):
    organisations: int
    handles_read: int
    messages_read: int
    contact_points: int
    proposed: int
    updated: int


class HistoryCase(StrictOut):
    id: int
    brand_id: int
    brand: str
    channel: str
    title: str
    status: str
    pqr_type: str
    outcome: str | None
    opened_at: datetime


class HistoryMention(StrictOut):
    id: int
    brand_id: int
    brand: str
    channel: str
    author_handle: str
    text: str
    private: bool
    created_at: datetime
    case_id: int | None
    url: str | None


class HistoryAction(StrictOut):
    id: int
    brand_id: int
    action: str
    rule: str
    status: str
    created_at: datetime


class PersonHistoryOut(StrictOut):
    id: int = Field(description="the person asked for, or the one they were merged into")
    name: str | None
    confirmed_role: str | None
    strikes: int
    blocked: bool
    handles: list[HandleOut]
    channels: list[str]
    cases: list[HistoryCase]
    mentions: list[HistoryMention]
    moderation: list[HistoryAction]
