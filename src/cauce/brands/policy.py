"""A brand's service policy: response targets, business hours, holidays and legal terms."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

MAX_FIRST_RESPONSE_MINUTES = 24 * 60  # PLAYBOOK §3: never more than 24 hours

DEFAULT_RESOLUTION_BUSINESS_HOURS = {
    "peticion": 24,
    "queja": 40,
    "reclamo": 80,
    "sugerencia": 80,
    "felicitacion": 24,
    "otro": 40,
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BrandPolicy(BaseModel):
    # Business minutes to the first public reply (PLAYBOOK §3 default: 1 business hour).
    first_response_minutes: int = Field(default=60, ge=1, le=MAX_FIRST_RESPONSE_MINUTES)
    # Business minutes to answer a customer's new message once the case is under way.
    next_response_minutes: int = Field(default=240, ge=1, le=7 * 24 * 60)
    resolution_business_hours: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_RESOLUTION_BUSINESS_HOURS)
    )
    # Local opening hours per weekday, "HH:MM-HH:MM"; a missing day is closed.
    business_hours: dict[str, str] = Field(
        default_factory=lambda: {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    # Colombian "derecho de petición" terms (Ley 1755 de 2015) for brands and public bodies.
    legal_pqrs: bool = False
    # Share of a clock's span left at which a case is escalated before it breaches.
    escalate_at_fraction_left: float = Field(default=0.2, gt=0, lt=1)
    # Days a closed case keeps its personal data before the retention sweep anonymises it
    # (habeas data, Ley 1581 de 2012; GDPR storage limitation). None: kept until a person asks.
    retention_days: int | None = Field(default=None, ge=1, le=36_500)

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"día desconocido {day!r}; use {', '.join(WEEKDAYS)}")
            start, _, end = span.partition("-")
            if not (_valid_hhmm(start) and _valid_hhmm(end) and start < end):
                raise ValueError(f"horario inválido {span!r} para {day}; use HH:MM-HH:MM")
        return value

    def resolution_hours_for(self, pqr_type: str) -> int:
        return self.resolution_business_hours.get(pqr_type, DEFAULT_RESOLUTION_BUSINESS_HOURS["otro"])


def _valid_hhmm(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60


def load_policy(raw: dict[str, Any] | None) -> BrandPolicy:
    return BrandPolicy.model_validate(raw or {})
