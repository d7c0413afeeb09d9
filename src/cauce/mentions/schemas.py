"""The mention input schema: the JSONL line format, the API body and what connectors emit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cauce.apimodel import StrictOut
from cauce.mentions.text import clean_text

MAX_TEXT_CHARS = 100_000
# Counts are stored in 32-bit INTEGER columns (PostgreSQL's and SQLite's portable range); a larger
# value is refused here, per line, instead of failing the whole database batch later.
MAX_COUNT = 2**31 - 1


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    handle: str = Field(min_length=1, max_length=300)
    name: str | None = Field(default=None, max_length=500)
    followers: int = Field(default=0, ge=0, le=MAX_COUNT)

    @field_validator("handle", "name", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        # Before pydantic's own str check, which rejects lone surrogates from broken JSON escapes.
        return clean_text(value).strip() or None if isinstance(value, str) else value


class MetricsIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    likes: int = Field(default=0, ge=0, le=MAX_COUNT)
    reposts: int = Field(default=0, ge=0, le=MAX_COUNT)
    replies: int = Field(default=0, ge=0, le=MAX_COUNT)


class MentionIn(BaseModel):
    """One post, comment, message or article that names a brand.

    Unknown fields are accepted and kept (they end up in the mention's raw JSON column).
    """

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=512, description="External id on the platform")
    created_at: datetime
    channel: str = Field(min_length=1, max_length=40)
    brand: str = Field(min_length=1, max_length=200, description="Brand name or slug")
    author: AuthorIn
    text: str = Field(max_length=MAX_TEXT_CHARS)
    in_reply_to: str | None = Field(default=None, max_length=512)
    metrics: MetricsIn = Field(default_factory=MetricsIn)
    url: str | None = Field(default=None, max_length=2000)
    conversation_id: str | None = Field(default=None, max_length=512)
    private: bool = Field(default=False, description="True for DMs, e-mail and other private channels")

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # Naive timestamps are taken as UTC; everything is stored timezone-aware.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return clean_text(value) if isinstance(value, str) else value

    def extra_fields(self) -> dict[str, Any]:
        """Fields that are not part of the schema, kept verbatim."""
        return dict(self.model_extra or {})


class MentionResultOut(StrictOut):
    """The outcome for one posted mention (keys that do not apply are left out)."""

    index: int | None = None
    id: str | None = None
    status: str = Field(description="created | duplicate | error")
    external_id: str | None = None
    mention_id: int | None = None
    case_id: int | None = None
    case_created: bool | None = None
    metrics_updated: bool | None = None
    error: str | None = None
    priority: int | None = None
    noise: bool | None = Field(default=None, description="True when stored as irrelevant (no case)")


class MentionBatchOut(StrictOut):
    summary: dict[str, int] = Field(description="How many were created, duplicate, error")
    results: list[MentionResultOut]


class QueueDecisionIn(BaseModel):
    """Why a person brings a mention into the queue, or marks it as noise (kept in the audit log)."""

    reason: str | None = Field(default=None, max_length=500)


class QueueDecisionOut(StrictOut):
    """Where the mention stands after the decision."""

    mention_id: int
    relevant: bool
    case_id: int | None = Field(description="The case the mention is in now (None: it is noise)")
    case_created: bool = Field(description="A new case was opened for it")
    changed: bool = Field(description="False when it already was where it was asked to go")
    discarded_case_id: int | None = Field(default=None, description="Marked as noise: the case discarded with it")
