"""Labelled examples from agents' corrections, and the adapter training runs built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class TriageExample(Base):
    """One corrected field of one mention: what triage said, what the agent says, the text it said it of."""

    __tablename__ = "triage_examples"
    __table_args__ = (Index("ix_triage_examples_org", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(40))
    new_value: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)  # the mention's text when it was corrected
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    actor_label: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdapterRun(Base):
    """One training of an organisation's adapter, accepted or refused by the guard (with the reason)."""

    __tablename__ = "triage_adapter_runs"
    __table_args__ = (Index("ix_triage_adapter_runs_org", "organisation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column()  # 1, 2, ... per organisation
    examples_used: Mapped[int] = mapped_column(default=0)
    last_example_id: Mapped[int] = mapped_column(default=0)  # the adapter is fitted on ids <= this
    base_model_version: Mapped[str] = mapped_column(String(200))
    accepted: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli | worker
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
