"""PQR cases and what hangs off them: areas, notes, follow-ups, satisfaction, moderation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cauce.db import Base, utcnow


class Area(Base):
    """A responsible area of a brand (billing, logistics, legal…) with its investigation time."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("brand_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    investigation_hours: Mapped[int] = mapped_column(default=48)  # business hours
    # Complaint categories this area handles by default (routing hint).
    categories: Mapped[list[Any]] = mapped_column(default=list)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "brand_id", "is_open", "priority"),
        Index("ix_cases_open_priority", "is_open", "priority", "id"),
        Index("ix_cases_person", "person_id", "brand_id", "is_open"),
        Index("ix_cases_conversation", "brand_id", "conversation_key"),
        Index("ix_cases_brand_opened", "brand_id", "opened_at"),  # reports by period
        Index("ix_cases_related", "related_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))  # the customer the case serves
    # A third party's own case in another customer's thread points at that customer's case.
    related_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Set by routing so a link to a case opened in the same batch gets its id at flush; read the column.
    related_case: Mapped[Case | None] = relationship(remote_side="Case.id", lazy="raise")
    channel: Mapped[str] = mapped_column(String(40))
    conversation_key: Mapped[str] = mapped_column(String(600))
    title: Mapped[str] = mapped_column(String(300))
    pqr_type: Mapped[str] = mapped_column(String(20), default="otro")
    category: Mapped[str | None] = mapped_column(String(20))
    # The brand's own category (brands.triage_settings["categories"]), nearest to the opening message.
    brand_category: Mapped[str | None] = mapped_column(String(60), default=None)
    status: Mapped[str] = mapped_column(String(30), default="nuevo")
    is_open: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[int] = mapped_column(default=0)
    priority_reasons: Mapped[list[Any]] = mapped_column(default=list)
    author_role: Mapped[str | None] = mapped_column(String(20))
    role_confidence: Mapped[float] = mapped_column(default=0.0)
    flags: Mapped[list[Any]] = mapped_column(default=list)  # abusive, threat, legal_risk
    # The team's own labels (bulk actions, the case page): short lowercase words, sorted.
    tags: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))  # at_fault, not_at_fault, not_applicable
    resolution_checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)
    customer_confirmed: Mapped[bool] = mapped_column(default=False)
    unanswered_count: Mapped[int] = mapped_column(default=0)
    mention_count: Mapped[int] = mapped_column(default=0)
    # Clocks (UTC). Due times come from the brand's SLA policy and business calendar.
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_inbound_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    last_response_at: Mapped[datetime | None]
    first_response_due: Mapped[datetime | None]
    next_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    area_assigned_at: Mapped[datetime | None]
    area_due: Mapped[datetime | None]
    legal_kind: Mapped[str | None] = mapped_column(String(20))  # general | documentos | consulta
    legal_due: Mapped[datetime | None]
    legal_extended_at: Mapped[datetime | None]
    legal_extension_notice: Mapped[str | None] = mapped_column(Text)
    breaches: Mapped[list[Any]] = mapped_column(default=list)  # names of clocks breached
    escalated: Mapped[bool] = mapped_column(default=False)
    supervisor_flagged: Mapped[bool] = mapped_column(default=False)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Personal data erased (a person's request, or the brand's retention period after closing).
    anonymised_at: Mapped[datetime | None] = mapped_column(default=None)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # follow_up, satisfaction_survey, improvement_notice
    due_at: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Satisfaction(Base):
    __tablename__ = "satisfaction_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    score: Mapped[int]  # CSAT 1..5
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModerationAction(Base):
    """A warn/hide/block/... applied under a published guideline clause."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    action: Mapped[str] = mapped_column(String(20))  # warn, hide, block, mute, label_troll
    rule: Mapped[str] = mapped_column(String(100))  # guideline clause id
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # proposed, applied, appealed, reversed
    # Carrying the action out on the network (block, hide…) goes through the outbox.
    channel_account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id"))
    delivery_state: Mapped[str] = mapped_column(String(20), default="not_needed")  # not_needed|queued|done|failed
    delivery_error: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A user's own named inbox filters (the query string of /inbox); only its owner sees it."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
