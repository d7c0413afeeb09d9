"""A user's notifications and their per-kind preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    # `key` names the event (e.g. "crisis:12"): one notification per user and event, however many
    # times the service or the sweep that causes it runs.
    __table_args__ = (UniqueConstraint("user_id", "key"), Index("ix_notifications_user_read", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    case_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    in_app: Mapped[bool] = mapped_column(default=True)
    # E-mail: pending until the delivery sweep sends it (never inside the transaction that caused it).
    email_pending: Mapped[bool] = mapped_column(default=False, index=True)
    emailed_at: Mapped[datetime | None] = mapped_column(default=None)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(String(300), default=None)


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
