"""SLA clocks and legal terms of a case.

Targets come from the brand's policy (`brands.policy.BrandPolicy`), measured in business time
on the brand's calendar. For Colombian brands and public bodies with `legal_pqrs`, the
"derecho de petición" terms of Ley 1755 de 2015, art. 14 apply: a petition is resolved within
15 working days of its receipt; requests for documents or information within 10; consultas to
an authority within 30. When that is not possible the petitioner must be told *before* the term
runs out, with the reasons and a new term that cannot exceed twice the initial one (parágrafo).
Terms are counted in working days from the day after reception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cauce.brands.models import Brand
from cauce.brands.policy import MAX_FIRST_RESPONSE_MINUTES, BrandPolicy, load_policy
from cauce.cases.calendar import BusinessCalendar
from cauce.cases.models import Case

LEGAL_TERM_DAYS = {"general": 15, "documentos": 10, "consulta": 30}
LEGAL_PQR_TYPES = frozenset({"peticion", "queja", "reclamo"})

CLOCK_LABELS = {
    "first_response": "Primera respuesta",
    "next_response": "Siguiente respuesta",
    "resolution": "Resolución",
    "area": "Investigación del área",
    "legal": "Término legal (Ley 1755)",
}


def calendar_for(brand: Brand, policy: BrandPolicy | None = None) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=brand.timezone, country=brand.country, policy=policy or load_policy(brand.policy)
    )


_cache: dict[tuple[int, str, str, str], tuple[BrandPolicy, BusinessCalendar]] = {}


def policy_and_calendar(brand: Brand) -> tuple[BrandPolicy, BusinessCalendar]:
    """The brand's validated policy and calendar, cached until the policy, zone or country change."""
    key = (brand.id, json.dumps(brand.policy, sort_keys=True, default=str), brand.timezone, brand.country)
    found = _cache.get(key)
    if found is None:
        policy = load_policy(brand.policy)
        found = (policy, calendar_for(brand, policy))
        if len(_cache) > 1000:
            _cache.clear()
        _cache[key] = found
    return found


def first_response_due(opened_at: datetime, policy: BrandPolicy, calendar: BusinessCalendar) -> datetime:
    business_due = calendar.add_business_minutes(opened_at, policy.first_response_minutes)
    # Whatever the calendar says, nobody waits more than 24 hours for a first reply.
    return min(business_due, opened_at + timedelta(minutes=MAX_FIRST_RESPONSE_MINUTES))


def legal_term_days(case: Case) -> int | None:
    return LEGAL_TERM_DAYS.get(case.legal_kind or "general")


def apply_targets(case: Case, brand: Brand, *, now: datetime) -> None:
    """Set the due times that follow from the case's type and state (idempotent)."""
    policy, calendar = policy_and_calendar(brand)
    if case.first_response_due is None:
        case.first_response_due = first_response_due(case.opened_at, policy, calendar)
    case.resolution_due = calendar.add_business_minutes(
        case.opened_at, policy.resolution_hours_for(case.pqr_type) * 60
    )
    if policy.legal_pqrs and case.pqr_type in LEGAL_PQR_TYPES:
        case.legal_kind = case.legal_kind or "general"
        days = LEGAL_TERM_DAYS[case.legal_kind] * (2 if case.legal_extended_at else 1)
        case.legal_due = calendar.add_business_days(case.opened_at, days)
    else:
        case.legal_due = None
    if case.first_response_at is not None and case.last_inbound_at > (case.last_response_at or case.opened_at):
        case.next_response_due = calendar.add_business_minutes(case.last_inbound_at, policy.next_response_minutes)
    elif case.first_response_at is not None:
        case.next_response_due = None


def area_due(assigned_at: datetime, investigation_hours: int, brand: Brand) -> datetime:
    return policy_and_calendar(brand)[1].add_business_minutes(assigned_at, investigation_hours * 60)


@dataclass(frozen=True)
class Clock:
    name: str
    label: str
    due: datetime
    started: datetime
    done_at: datetime | None
    state: str  # ok | warning | breached | met | met_late
    seconds_left: float

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "due": self.due.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "state": self.state,
            "seconds_left": round(self.seconds_left),
        }


def _clock(name: str, started: datetime, due: datetime | None, done_at: datetime | None,
           now: datetime, warn_fraction: float) -> Clock | None:
    if due is None:
        return None
    if done_at is not None:
        state = "met" if done_at <= due else "met_late"
        return Clock(name, CLOCK_LABELS[name], due, started, done_at, state, (due - done_at).total_seconds())
    left = (due - now).total_seconds()
    span = max((due - started).total_seconds(), 1.0)
    state = "breached" if left < 0 else "warning" if left <= span * warn_fraction else "ok"
    return Clock(name, CLOCK_LABELS[name], due, started, None, state, left)


def clocks(case: Case, *, now: datetime, warn_fraction: float = 0.2) -> list[Clock]:
    """Every running or finished clock of the case, with time left and state."""
    resolved = case.resolved_at or case.closed_at
    items = [
        _clock("first_response", case.opened_at, case.first_response_due, case.first_response_at, now, warn_fraction),
        _clock("next_response", case.last_inbound_at, case.next_response_due, None, now, warn_fraction)
        if case.is_open else None,
        _clock("resolution", case.opened_at, case.resolution_due, resolved, now, warn_fraction),
        _clock("area", case.area_assigned_at or case.opened_at, case.area_due,
               resolved if case.area_due else None, now, warn_fraction),
        _clock("legal", case.opened_at, case.legal_due, resolved, now, warn_fraction),
    ]
    return [c for c in items if c is not None]


def sla_state(case: Case, *, now: datetime) -> str:
    """The worst state among the running clocks: breached > warning > ok."""
    states = {c.state for c in clocks(case, now=now) if c.done_at is None}
    for state in ("breached", "warning"):
        if state in states:
            return state
    return "ok"
