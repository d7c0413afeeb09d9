"""The append-only audit log. Each row carries the hash of the previous one (a hash chain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"), Index("ix_audit_case", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(20))  # user | system | connector
    actor_id: Mapped[str | None] = mapped_column(String(100))
    actor_label: Mapped[str | None] = mapped_column(String(300))
    brand_id: Mapped[int | None]
    case_id: Mapped[int | None]
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(Text)
    # Position in the chain, assigned when the transaction commits (under the chain lock).
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # NULL: sealed by the earlier, unkeyed code (sha256 over every field). 2: HMAC with the chain key
    # over the other fields plus `payload_digest` (a keyed digest of before/after/reason), so the
    # payload can be redacted (personal data erased on request) while the event keeps verifying.
    chain_version: Mapped[int | None] = mapped_column(default=None)
    payload_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when the payload was erased; an unkeyed event's remaining fields are then vouched for by
    # `redaction_seal` (HMAC with the chain key over its hash and those fields).
    redacted_at: Mapped[datetime | None] = mapped_column(default=None)
    redaction_seal: Mapped[str | None] = mapped_column(String(64), default=None)
