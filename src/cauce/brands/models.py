"""Organisations, brands and the channel accounts they listen and answer on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class Organisation(Base):
    """A company, agency or city hall running one or more brands/offices."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="CO")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Bogota")
    language: Mapped[str] = mapped_column(String(5), default="es")
    voice: Mapped[str] = mapped_column(String(8), default="tu")  # "tu" | "usted"
    handles: Mapped[list[Any]] = mapped_column(default=list)  # ["@conectel", ...]
    search_terms: Mapped[list[Any]] = mapped_column(default=list)
    # SLA, business hours and legal-term policy; validated by brands.policy.BrandPolicy.
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Relevance and categories: terms, exclusion_terms, homonyms, categories (name + example messages);
    # validated by brands.triage_settings.TriageSettings.
    triage_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelAccount(Base):
    """A network account or feed a brand listens on and answers through."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("brand_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # mastodon, bluesky, rss, email, ...
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(500))
    # Fernet token of the JSON credentials; never logged, never returned by the API.
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    healthy: Mapped[bool] = mapped_column(default=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
