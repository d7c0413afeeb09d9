"""Playbook tables: per-brand policy overrides, guidelines, evidence, crises and root causes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class PlaybookOverride(Base):
    """A brand's changes to the default playbook policy (validated by `playbook.policy`)."""

    __tablename__ = "playbook_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuidelineVersion(Base):
    """One published version of a brand's community guidelines; the highest version is current."""

    __tablename__ = "guideline_versions"
    __table_args__ = (UniqueConstraint("brand_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    clauses: Mapped[list[Any]] = mapped_column(default=list)  # [{id, title, text, actions}]
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceSnapshot(Base):
    """What a threatening or defamatory post looked like when we saw it (§8)."""

    __tablename__ = "evidence_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    channel: Mapped[str] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    author_handle: Mapped[str] = mapped_column(String(300))
    author_name: Mapped[str | None] = mapped_column(String(500))
    followers: Mapped[int] = mapped_column(default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reach: Mapped[dict[str, Any]] = mapped_column(default=dict)
    posted_at: Mapped[datetime]
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    captured_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Crisis(Base):
    """A brand in crisis mode: the parent incident of the cases it links (§5 of the issue)."""

    __tablename__ = "crises"
    __table_args__ = (Index("ix_crises_brand_status", "brand_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    category: Mapped[str | None] = mapped_column(String(20))  # None: all categories
    kind: Mapped[str] = mapped_column(String(20))  # spike | campaign
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | watch | ended
    title: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime]  # first complaint of the excess
    detected_at: Mapped[datetime]
    last_signal_at: Mapped[datetime]
    watch_until: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    alerts: Mapped[list[Any]] = mapped_column(default=list)  # [{channel, target, ok, error, at}]


class CrisisCase(Base):
    __tablename__ = "crisis_cases"
    __table_args__ = (UniqueConstraint("crisis_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class RootCause(Base):
    """A group of complaints with one cause: proposed by clustering, confirmed by an agent (§9)."""

    __tablename__ = "root_causes"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    terms: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed|confirmed|dismissed
    examples: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class RootCauseCase(Base):
    __tablename__ = "root_cause_cases"
    __table_args__ = (UniqueConstraint("root_cause_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root_cause_id: Mapped[int] = mapped_column(ForeignKey("root_causes.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)


class ImprovementAction(Base):
    __tablename__ = "improvement_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    root_cause_id: Mapped[int] = mapped_column(ForeignKey("root_causes.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done
    notice_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


class SatisfactionSurvey(Base):
    """A survey link sent to the customer (§9): answered once, without logging in, until it expires."""

    __tablename__ = "satisfaction_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # Unguessable capability in the link (secrets.token_urlsafe); whoever holds it may answer once.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered | superseded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    satisfaction_id: Mapped[int | None] = mapped_column(ForeignKey("satisfaction_results.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
