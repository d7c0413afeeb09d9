"""Replies the brand sends: written to an outbox first, sent once by a worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class Reply(Base):
    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_state", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    in_reply_to_mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"))
    channel: Mapped[str] = mapped_column(String(40))
    channel_account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id"))
    visibility: Mapped[str] = mapped_column(String(10))  # public | private
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(40))
    # queued -> sending -> sent | failed; "recorded" = sent outside Cauce and logged here.
    state: Mapped[str] = mapped_column(String(20), default="queued")
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(512))
    external_url: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    guard: Mapped[dict[str, Any]] = mapped_column(default=dict)  # tone-guard verdict at send time
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
