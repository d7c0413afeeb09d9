"""A person with their whole history across networks and brands the caller may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from cauce.cases.models import Case
from cauce.errors import NotFound
from cauce.mentions import service as mentions
from cauce.people import service as people
from cauce.web.deps import CurrentPrincipal, DbSession
from cauce.web.openapi import PathId

router = APIRouter(prefix="/people", tags=["people"])


class HandleOut(BaseModel):
    channel: str
    handle: str
    display_name: str | None
    followers: int


class PersonCaseOut(BaseModel):
    id: int
    brand_id: int
    title: str
    status: str
    pqr_type: str
    outcome: str | None
    opened_at: str


class PersonMentionOut(BaseModel):
    id: int
    brand_id: int
    channel: str
    text: str
    created_at: str
    case_id: int | None
    url: str | None


class PersonOut(BaseModel):
    id: int
    name: str | None
    labels: list[Any]
    confirmed_role: str | None
    strikes: int
    blocked: bool
    first_seen_at: str
    last_seen_at: str
    handles: list[HandleOut]
    cases: list[PersonCaseOut]
    mentions: list[PersonMentionOut]


@router.get("/{person_id}", response_model=PersonOut)
def get_person(person_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
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
