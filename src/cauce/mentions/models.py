"""Mentions as they arrived, and their engagement over time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        # Dedupe key: the same post reaching us by webhook and by poll is one row.
        UniqueConstraint("brand_id", "channel", "external_id"),
        Index("ix_mentions_conversation", "brand_id", "channel", "conversation_id"),
        Index("ix_mentions_person_time", "person_id", "created_at"),
        Index("ix_mentions_case", "case_id"),
        Index("ix_mentions_noise", "brand_id", "relevant", "created_at"),  # the noise view, per brand
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    channel: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(512))
    url: Mapped[str | None] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    author_handle: Mapped[str] = mapped_column(String(300))
    author_name: Mapped[str | None] = mapped_column(String(500))
    author_followers: Mapped[int] = mapped_column(default=0)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    in_reply_to: Mapped[str | None] = mapped_column(String(512))
    conversation_id: Mapped[str] = mapped_column(String(512))
    private: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(40), default="api")  # api, file, connector:<id>, demo
    # Triage outcome (the full Assessment as JSON) and the columns the queue filters on.
    assessment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_complaint: Mapped[bool] = mapped_column(default=False)
    pqr_type: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    author_role: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(default=0)
    abusive: Mapped[bool] = mapped_column(default=False)
    threat: Mapped[bool] = mapped_column(default=False)
    legal_risk: Mapped[bool] = mapped_column(default=False)
    # Relevance comes first: an irrelevant mention (not about or addressed to the brand's products,
    # service or people) is stored, counted and searchable, but opens no case until someone brings it in.
    relevant: Mapped[bool] = mapped_column(default=True, server_default=true())
    relevance: Mapped[float | None] = mapped_column(default=None)
    relevance_reasons: Mapped[list[Any] | None] = mapped_column(default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Someone else's message in the case's thread (a bystander, a troll, the brand's own account):
    # shown in the thread with its own assessment, never read as the customer's.
    third_party: Mapped[bool] = mapped_column(default=False)
    answered: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)  # unknown input fields, verbatim


class MetricSnapshot(Base):
    __tablename__ = "metric_snapshots"
    __table_args__ = (Index("ix_metric_snapshots_mention", "mention_id", "observed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
    likes: Mapped[int] = mapped_column(default=0)
    reposts: Mapped[int] = mapped_column(default=0)
    replies: Mapped[int] = mapped_column(default=0)
    followers: Mapped[int] = mapped_column(default=0)
