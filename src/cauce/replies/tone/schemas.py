"""The tone guard's contract: what it needs to know about the reply, and what it says back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Severity = Literal["warn", "block"]
VerdictName = Literal["ok", "warn", "block"]
Visibility = Literal["public", "private"]
Voice = Literal["tu", "usted"]


class GuardContext(BaseModel):
    """Facts about the case and the thread that decide whether a reply breaks the playbook.

    Every field has a safe default so the guard also works on a bare text (CLI, quick checks);
    rules that need a missing fact simply do not run.
    """

    model_config = ConfigDict(extra="ignore")

    visibility: Visibility = "public"
    channel: str = "twitter"
    voice: Voice | None = None
    language: Literal["es", "en"] = "es"
    recipient_name: str | None = None
    recipient_handle: str | None = None
    agent_name: str | None = None
    at_fault: bool | None = None
    author_role: Literal["cliente", "hostil", "troll", "ninguno"] | None = None
    troll_confirmed: bool = False
    public_replies_sent: int = Field(default=0, ge=0)
    should_be_private: bool = False
    recent_replies_to_others: list[str] = Field(default_factory=list)
    mention_text: str = ""

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        return "none" if not value else str(value).strip().lower()[:40]

    @field_validator("recent_replies_to_others", mode="before")
    @classmethod
    def _recent(cls, value: Any) -> Any:
        # Only the latest ones matter for "looks automatic"; cap the work on huge histories.
        return [r for r in value if isinstance(r, str)][-500:] if isinstance(value, list) else value

    @field_validator("mention_text", mode="before")
    @classmethod
    def _mention(cls, value: Any) -> Any:
        return "" if value is None else value[:20_000] if isinstance(value, str) else value


class Finding(BaseModel):
    rule: str
    severity: Severity
    message: str
    suggestion: str


class GuardVerdict(BaseModel):
    verdict: VerdictName
    findings: list[Finding] = Field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        return [f.rule for f in self.findings]

    def as_json(self) -> dict[str, object]:
        """The stable CLI/API shape: verdict plus the four fields of each finding."""
        return {"verdict": self.verdict, "findings": [f.model_dump() for f in self.findings]}
