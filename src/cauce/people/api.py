"""A person with their whole history across networks and brands the caller may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import CurrentPrincipal, DbSession, Supervisor, scope_of
from cauce.app_deps.openapi import PathId
from cauce.auth import policy
from cauce.cases.models import Case
from cauce.mentions import service as mentions
from cauce.people import identity, privacy
from cauce.people import service as people
from cauce.people.models import Handle
from cauce.people.schemas import (
    DecisionIn,
    EvidenceOut,
    HandleOut,
    HistoryAction,
    HistoryCase,
    HistoryMention,
    MergeOut,
    MergeProposalOut,
    PersonBrief,
    PersonHistoryOut,
    SplitOut,
    SweepOut,
)

router = APIRouter(prefix="/people", tags=["people"])


class PersonCaseOut(StrictOut):
    id: int
    brand_id: int
    title: str
    status: str
    pqr_type: str
    outcome: str | None
    opened_at: str


class PersonMentionOut(StrictOut):
    id: int
    brand_id: int
    channel: str
    text: str
    created_at: str
    case_id: int | None
    url: str | None


class PersonOut(StrictOut):
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
    person = policy.person_in_scope(session, person_id=person_id, scope=scope_of(principal))
    history = mentions.mentions_of_person(session, person_id=person.id, brand_ids=principal.brand_ids)
    case_query = select(Case).where(Case.person_id == person.id).order_by(Case.opened_at.desc())
    if principal.brand_ids is not None:
        case_query = case_query.where(Case.brand_id.in_(principal.brand_ids))
    person_cases = list(session.scalars(case_query))
    return {
        "id": person.id,
        "name": person.display_name,
        "labels": person.labels,
        "confirmed_role": person.confirmed_role,
        "strikes": person.strikes,
        "blocked": person.blocked,
        "first_seen_at": person.first_seen_at.isoformat(),
        "last_seen_at": person.last_seen_at.isoformat(),
        "handles": [_handle_out(h) for h in people.handles_of(session, person_id=person.id)],
        "cases": [{"id": c.id, "brand_id": c.brand_id, "title": c.title, "status": c.status, "pqr_type": c.pqr_type,
                   "outcome": c.outcome, "opened_at": c.opened_at.isoformat()} for c in person_cases],
        "mentions": [{"id": m.id, "brand_id": m.brand_id, "channel": m.channel, "text": m.text,
                      "created_at": m.created_at.isoformat(), "case_id": m.case_id, "url": m.url}
                     for m in history],
    }


# --- Contact history and identity resolution (`people.identity`) -------------------------------

def _handle_out(h: Handle) -> HandleOut:
    return HandleOut(id=h.id, channel=h.channel, handle=h.handle, display_name=h.display_name, followers=h.followers)


def _proposal_out(view: identity.ProposalView) -> MergeProposalOut:
    row = view.proposal
    return MergeProposalOut(
        id=row.id, status=row.status, score=row.score, person_a_id=row.person_a_id, person_b_id=row.person_b_id,
        other=PersonBrief(id=view.other.id, name=view.other.display_name,
                          handles=[_handle_out(h) for h in view.other_handles]),
        evidence=[EvidenceOut.model_validate(e) for e in view.evidence], created_at=row.created_at)


@router.get("/{person_id}/history", response_model=PersonHistoryOut)
def person_history(person_id: int, session: DbSession, principal: CurrentPrincipal) -> PersonHistoryOut:
    """Every case, message and moderation action of the person, across networks and the caller's brands."""
    found = identity.history(session, person_id=person_id, scope=scope_of(principal))
    names = found.brand_names
    p = found.person
    return PersonHistoryOut(
        id=p.id, name=p.display_name, confirmed_role=p.confirmed_role, strikes=p.strikes, blocked=p.blocked,
        handles=[_handle_out(h) for h in found.handles], channels=found.channels,
        cases=[HistoryCase(id=c.id, brand_id=c.brand_id, brand=names.get(c.brand_id, ""), channel=c.channel,
                           title=c.title, status=c.status, pqr_type=c.pqr_type, outcome=c.outcome,
                           opened_at=c.opened_at) for c in found.cases],
        mentions=[HistoryMention(id=m.id, brand_id=m.brand_id, brand=names.get(m.brand_id, ""), channel=m.channel,
                                 author_handle=m.author_handle, text=m.text, private=m.private,
                                 created_at=m.created_at, case_id=m.case_id, url=m.url) for m in found.mentions],
        moderation=[HistoryAction(id=a.id, brand_id=a.brand_id, action=a.action, rule=a.rule, status=a.status,
                                  created_at=a.created_at) for a in found.moderation],
    )


@router.get("/{person_id}/merge-proposals", response_model=list[MergeProposalOut])
def person_merge_proposals(person_id: int, session: DbSession, principal: CurrentPrincipal) -> list[MergeProposalOut]:
    """Open proposals to merge this person with another, with the evidence the caller may see."""
    scope = scope_of(principal)
    identity.get_visible(session, person_id=person_id, scope=scope)
    return [_proposal_out(v) for v in identity.proposals_for(session, person_id=person_id, scope=scope)]


@router.get("/merge-proposals/open", response_model=list[MergeProposalOut])
def open_merge_proposals(session: DbSession, principal: CurrentPrincipal,
                         limit: int = Query(default=50, ge=1, le=500)) -> list[MergeProposalOut]:
    """Open proposals the caller may decide, best first (`other` is person B)."""
    return [_proposal_out(v) for v in identity.open_proposals(session, scope=scope_of(principal), limit=limit)]


@router.post("/merge-proposals/{proposal_id}/confirm", response_model=MergeOut)
def confirm_merge(proposal_id: int, session: DbSession, principal: CurrentPrincipal,
                  body: DecisionIn | None = None) -> MergeOut:
    """The two people are one human: the newer one's handles and history move to the older one."""
    merge = identity.confirm(session, proposal_id=proposal_id, actor=principal.actor, user_id=principal.user_id,
                             scope=scope_of(principal), reason=body.reason if body else None)
    return MergeOut(merge_id=merge.id, survivor_id=merge.survivor_id, merged_id=merge.merged_id, moved=merge.moved)


@router.post("/merge-proposals/{proposal_id}/reject", response_model=MergeProposalOut)
def reject_merge(proposal_id: int, session: DbSession, principal: CurrentPrincipal,
                 body: DecisionIn | None = None) -> MergeProposalOut:
    """Two different humans: the pair is not proposed again."""
    scope = scope_of(principal)
    row = identity.reject(session, proposal_id=proposal_id, actor=principal.actor, user_id=principal.user_id,
                          scope=scope, reason=body.reason if body else None)
    other = people.get(session, person_id=row.person_b_id)
    return _proposal_out(identity.ProposalView(row, other, people.handles_of(session, person_id=other.id),
                                               identity.visible_evidence(session, row.evidence, scope)))


@router.post("/handles/{handle_id}/split", response_model=SplitOut)
def split_handle(handle_id: int, session: DbSession, principal: CurrentPrincipal,
                 body: DecisionIn | None = None) -> SplitOut:
    """A wrong merge: the handle and what came through it go back to a person of their own."""
    handle = session.get(Handle, handle_id)
    from_person = handle.person_id if handle is not None else 0
    target = identity.split(session, handle_id=handle_id, actor=principal.actor, user_id=principal.user_id,
                            scope=scope_of(principal), reason=body.reason if body else None)
    return SplitOut(person_id=target.id, from_person_id=from_person, handle_id=handle_id)


@router.post("/identity/sweep", response_model=SweepOut)
def identity_sweep(session: DbSession, principal: Supervisor) -> SweepOut:
    """Propose merges now from what arrived since the last pass (the worker also runs it periodically).

    Only the organisations of the caller's brands (an admin: all of them)."""
    return SweepOut(**identity.sweep(session, scope=scope_of(principal)).as_dict())



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
