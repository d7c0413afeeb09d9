"""A person with their whole history across networks and brands the caller may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from cauce.cases.models import Case
from cauce.errors import NotFound
from cauce.mentions import service as mentions
from cauce.people import privacy
from cauce.people import service as people
from cauce.web.deps import CurrentPrincipal, DbSession

router = APIRouter(prefix="/people", tags=["people"])


@router.get("/{person_id}")
def get_person(person_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    person = people.get(session, person_id=person_id)
    history = mentions.mentions_of_person(session, person_id=person.id, brand_ids=principal.brand_ids)
    case_query = select(Case).where(Case.person_id == person.id).order_by(Case.opened_at.desc())
    if principal.brand_ids is not None:
        case_query = case_query.where(Case.brand_id.in_(principal.brand_ids))
    person_cases = list(session.scalars(case_query))
    if principal.brand_ids is not None and not history and not person_cases:
        raise NotFound(f"No existe la persona {person_id}.")
    return {
        "id": person.id,
        "name": person.display_name,
        "labels": person.labels,
        "confirmed_role": person.confirmed_role,
        "strikes": person.strikes,
        "blocked": person.blocked,
        "first_seen_at": person.first_seen_at.isoformat(),
        "last_seen_at": person.last_seen_at.isoformat(),
        "handles": [{"channel": h.channel, "handle": h.handle, "display_name": h.display_name,
                     "followers": h.followers} for h in people.handles_of(session, person_id=person.id)],
        "cases": [{"id": c.id, "brand_id": c.brand_id, "title": c.title, "status": c.status, "pqr_type": c.pqr_type,
                   "outcome": c.outcome, "opened_at": c.opened_at.isoformat()} for c in person_cases],
        "mentions": [{"id": m.id, "brand_id": m.brand_id, "channel": m.channel, "text": m.text,
                      "created_at": m.created_at.isoformat(), "case_id": m.case_id, "url": m.url}
                     for m in history],
    }


class ForgetIn(BaseModel):
    # The request being honoured (a ticket number, "solicitud del titular del 2026-05-02"…).
    reason: str = Field(min_length=3, max_length=500)


@router.get("/{person_id}/export", response_model=privacy.PersonExport)
def export_person(person_id: int, session: DbSession, principal: CurrentPrincipal) -> privacy.PersonExport:
    """Everything held about the person (habeas data / GDPR access): admins or supervisors of all their brands."""
    privacy.authorise(session, principal=principal, person_id=person_id)
    return privacy.export_person(session, person_id=person_id, actor=principal.actor)


@router.post("/{person_id}/forget", response_model=privacy.ErasureResult)
def forget_person(person_id: int, body: ForgetIn, session: DbSession,
                  principal: CurrentPrincipal) -> privacy.ErasureResult:
    """Erase the person's personal data on their request; the audit chain keeps verifying."""
    privacy.authorise(session, principal=principal, person_id=person_id)
    return privacy.forget_person(session, person_id=person_id, actor=principal.actor, reason=body.reason)
