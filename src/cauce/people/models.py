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
    # Set when a confirmed merge folded this person into another; its handles and history moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Erased on the person's request (habeas data / GDPR): a tombstone keeps the id for the audit.
    anonymised_at: Mapped[datetime | None] = mapped_column(default=None)


class Handle(Base):
    __tablename__ = "handles"
    __table_args__ = (
        UniqueConstraint("organisation_id", "channel", "handle"),
        Index("ix_handles_person", "person_id"),
        Index("ix_handles_identity_key", "organisation_id", "identity_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(300))  # normalised: lower case, no leading @
    display_name: Mapped[str | None] = mapped_column(String(500))
    followers: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The handle without network decorations (`people.identity.handle_key`): equal keys on two
    # networks make a merge proposal. Filled at creation, or by the identity sweep for older rows.
    identity_key: Mapped[str | None] = mapped_column(String(300))


class MergeProposal(Base):
    """Two people of one organisation who may be the same human, with the evidence that says so.

    One row per pair (`person_a_id` < `person_b_id`): a rejected pair keeps its row, so the sweep
    never proposes it again.
    """

    __tablename__ = "person_merge_proposals"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_a_id", "person_b_id"),
        Index("ix_person_merge_proposals_a", "person_a_id", "status"),
        Index("ix_person_merge_proposals_b", "person_b_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_a_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    person_b_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    score: Mapped[float] = mapped_column(default=0.0)
    # [{kind, values, message_ids, score}]; kind: same_handle | cross_link | same_email | same_phone
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed|confirmed|rejected|split
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonMerge(Base):
    """A confirmed merge: what moved from `merged_id` to `survivor_id`, so a split can move it back."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("person_merge_proposals.id"))
    survivor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # {"handles": [...], "mentions": [...], "cases": [...], "moderation": [...], "contacts": [...]}
    moved: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The survivor's fields before the merge added the other person's strikes, block and labels.
    survivor_before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]


class ContactPoint(Base):
    """An e-mail address or phone number a person gave in a private message (or their e-mail handle)."""

    __tablename__ = "person_contact_points"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "value", "person_id"),
        Index("ix_person_contact_points_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(10))  # email | phone
    value: Mapped[str] = mapped_column(String(320))  # normalised: lower-case address, digits only
    mention_id: Mapped[int | None]  # the private message it came from; None for an e-mail handle
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentitySweep(Base):
    """How far the identity sweep has read (mention ids, handle ids), per organisation."""

    __tablename__ = "identity_sweeps"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    last_mention_id: Mapped[int] = mapped_column(default=0)
    last_handle_id: Mapped[int] = mapped_column(default=0)
    swept_at: Mapped[datetime] = mapped_column(default=utcnow)
