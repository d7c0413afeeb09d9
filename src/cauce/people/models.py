"""A Person is one human across networks; Handles are their accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(500))
    labels: Mapped[list[Any]] = mapped_column(default=list)  # lists/topics, e.g. ["vip", "prensa"]
    # Confirmed role (by a supervisor); triage only proposes.
    confirmed_role: Mapped[str | None] = mapped_column(String(20))
    strikes: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Erased on the person's request (habeas data / GDPR): a tombstone keeps the id for the audit.
    anonymised_at: Mapped[datetime | None] = mapped_column(default=None)


class Handle(Base):
    __tablename__ = "handles"
    __table_args__ = (
        UniqueConstraint("organisation_id", "channel", "handle"),
        Index("ix_handles_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(300))  # normalised: lower case, no leading @
    display_name: Mapped[str | None] = mapped_column(String(500))
    followers: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
