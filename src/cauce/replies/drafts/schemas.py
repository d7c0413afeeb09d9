"""What a draft needs to know (the case, the person, the brand) and what it returns."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Intent = Literal[
    "first_reply", "request_data_private", "redirect_channel", "investigation_update",
    "resolution_at_fault", "resolution_not_at_fault", "rejection_with_explanation", "follow_up",
    "satisfaction_request", "firm_warning", "troll_first_reply", "move_to_private",
]
INTENTS: tuple[str, ...] = get_args(Intent)
Voice = Literal["tu", "usted"]
Visibility = Literal["public", "private"]


def _clip(value: Any, limit: int) -> Any:
    """Long free text from the database or a hostile profile is shortened, never rejected."""
    return value[:limit].strip() if isinstance(value, str) else value


# The PLAYBOOK §5 checklist items that a sent resolution draft covers, per intent and per branch of
# the case (its outcome). Items ending in "-private" count only when the reply went privately.
CHECKLIST_COVERED: dict[str, dict[str, tuple[str, ...]]] = {
    "resolution_at_fault": {"at_fault": ("§5.2.strong-apology", "§5.2.what-went-wrong")},
    "resolution_not_at_fault": {"not_at_fault": ("§5.1.result-private", "§5.1.explain-scope",
                                                 "§5.1.link-published-info")},
    "rejection_with_explanation": {"not_at_fault": ("§5.1.result-private", "§5.1.explain-scope",
                                                    "§5.1.link-published-info")},
}


class CaseFacts(BaseModel):
    """What the case file knows; every field is optional and templates fall back gracefully."""

    model_config = ConfigDict(extra="ignore")

    pqr_type: str | None = None
    category: str | None = None
    reference: str | None = Field(default=None, max_length=120)  # order / ticket id, private only
    area: str | None = Field(default=None, max_length=120)
    at_fault_items: list[str] = Field(default_factory=list, max_length=20)  # §5.2 what was done to fix it
    cause: str | None = Field(default=None, max_length=400)  # §5.2 what went wrong, in one clause
    remedy: str | None = Field(default=None, max_length=400)  # §5.2 what the customer gets (warranty, compensation)
    explanation: str | None = Field(default=None, max_length=600)  # §5.1 scope of the service
    info_url: str | None = Field(default=None, max_length=500)
    prevention: str | None = Field(default=None, max_length=400)
    improvement: str | None = Field(default=None, max_length=400)  # §9 what changed thanks to them
    private_channel: str | None = Field(default=None, max_length=200)  # "DM", e-mail, phone
    right_channel: str | None = Field(default=None, max_length=200)  # where to go when we are not it
    guideline_url: str | None = Field(default=None, max_length=500)
    survey_url: str | None = Field(default=None, max_length=500)  # §9 link the customer answers

    @field_validator("reference", "area", "private_channel", "right_channel", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _clip(value, 120)

    @field_validator("explanation", "prevention", "improvement", "info_url", "guideline_url", "survey_url",
                     "cause", "remedy", mode="before")
    @classmethod
    def _long(cls, value: Any) -> Any:
        return _clip(value, 400)

    @field_validator("at_fault_items", mode="before")
    @classmethod
    def _items(cls, value: Any) -> Any:
        return [_clip(v, 200) for v in value[:20]] if isinstance(value, list) else value


class CrisisFacts(BaseModel):
    """The brand is in crisis mode: first replies and updates acknowledge the wider incident."""

    model_config = ConfigDict(extra="ignore")

    category: str | None = None  # what the crisis is about; None: several categories
    known: str | None = Field(default=None, max_length=300)  # what is known so far, in one clause
    next_update: str | None = Field(default=None, max_length=120)  # "en las próximas dos horas"

    @field_validator("known", mode="before")
    @classmethod
    def _known(cls, value: Any) -> Any:
        return (_clip(value, 300).rstrip(".") or None) if isinstance(value, str) else value

    @field_validator("next_update", mode="before")
    @classmethod
    def _next(cls, value: Any) -> Any:
        return (_clip(value, 120).rstrip(".") or None) if isinstance(value, str) else value


class DraftContext(BaseModel):
    model_config = ConfigDict(extra="ignore")

    brand_name: str = Field(min_length=1, max_length=120)
    language: Literal["es", "en"] = "es"
    voice: Voice = "tu"
    country: str = Field(default="CO", max_length=2)
    channel: str = "twitter"
    recipient_name: str | None = Field(default=None, max_length=120)
    recipient_handle: str | None = Field(default=None, max_length=120)
    agent_name: str = Field(min_length=1, max_length=80)
    mention_text: str = ""
    facts: CaseFacts = Field(default_factory=CaseFacts)
    recent_replies: list[str] = Field(default_factory=list, max_length=500)
    # A brand's own templates (same shape as templates/es.yaml), merged over the defaults.
    template_overrides: dict[str, Any] | None = None
    # Set while the brand's crisis is active (playbook.crisis.in_crisis_mode): crisis templates.
    crisis: CrisisFacts | None = None
    # Where the message goes when the agent already chose (None: the intent's own visibility).
    visibility: Visibility | None = None

    @field_validator("brand_name", "recipient_name", "recipient_handle", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _clip(value, 120)

    @field_validator("agent_name", mode="before")
    @classmethod
    def _agent(cls, value: Any) -> Any:
        return _clip(value, 80)

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return "CO" if not value else str(value).strip().upper()[:2]

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        return "none" if not value else str(value).strip().lower()[:40]

    @field_validator("mention_text", mode="before")
    @classmethod
    def _mention(cls, value: Any) -> Any:
        return "" if value is None else _clip(value, 20_000)

    @field_validator("recent_replies", mode="before")
    @classmethod
    def _recent(cls, value: Any) -> Any:
        return [r for r in value if isinstance(r, str)][-500:] if isinstance(value, list) else value


class Draft(BaseModel):
    text: str
    intent: str
    visibility: Visibility
    template_id: str
    warnings: list[str] = Field(default_factory=list)
