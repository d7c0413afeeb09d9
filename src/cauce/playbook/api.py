"""HTTP routes of the playbook: next actions, checklist and closing, moderation, guidelines, policy,
crisis state and root causes. Installed by `cauce.web.app` when present."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import Admin, CurrentPrincipal, DbSession, Supervisor, scope_of
from cauce.app_deps.openapi import BodyId, PathId, QueryId
from cauce.auth.service import Principal
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.cases.models import ModerationAction
from cauce.cases.schemas import CaseOut
from cauce.db import utcnow
from cauce.errors import NotFound
from cauce.playbook import evidence, guidelines, moderation, resolution, survey
from cauce.playbook import policy as policy_service
from cauce.playbook.api_crisis import router as crisis_router
from cauce.playbook.moderation import ModerationRequest, Principalish
from cauce.playbook.next_actions import next_actions
from cauce.playbook.schemas import (
    ChecklistOut,
    CsatOut,
    EvidenceSnapshotOut,
    FollowUpDoneOut,
    GuidelinesOut,
    NextActionsOut,
    PolicyOut,
    RoleDecisionOut,
    TrollProposalOut,
)

router = APIRouter(tags=["playbook"])
public_router = APIRouter(tags=["guidelines"])


def _who(principal: Principal) -> Principalish:
    return Principalish(principal.actor, principal.user_id, principal.is_supervisor)


def _brand_allowed(principal: Principal, brand_id: int) -> None:
    if not scope_of(principal).allows(brand_id):
        raise NotFound(f"No existe la marca {brand_id}.")


# --- next actions, checklist, closing -------------------------------------------------------------

class ChecklistIn(BaseModel):
    item: str = Field(min_length=3, max_length=100)
    state: Literal["done", "not_applicable", "pending"] = "done"
    note: str | None = Field(default=None, max_length=2000)


class OutcomeIn(BaseModel):
    outcome: Literal["at_fault", "not_at_fault", "not_applicable"]
    reason: str | None = Field(default=None, max_length=2000)


class ConfirmationIn(BaseModel):
    kind: Literal["confirmed", "no_answer_after_follow_up"]
    note: str | None = Field(default=None, max_length=2000)


class CloseIn(BaseModel):
    outcome: Literal["at_fault", "not_at_fault", "not_applicable"] | None = None
    reason: str | None = Field(default=None, max_length=2000)


class EvidenceIn(BaseModel):
    mention_id: BodyId


class CsatIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=4000)
    channel: str | None = Field(default=None, max_length=40)


@router.get("/cases/{case_id}/next-actions", response_model=NextActionsOut)
def get_next_actions(case_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    case = cases.get(session, case_id=case_id, scope=scope_of(principal))
    now = utcnow()
    return {"case_id": case.id, "generated_at": now.isoformat(),
            "actions": [a.as_dict() for a in next_actions(session, case, now=now)],
            "checklist": resolution.checklist_view(session, case)}


@router.post("/cases/{case_id}/checklist", response_model=ChecklistOut)
def tick_checklist(case_id: PathId, body: ChecklistIn, session: DbSession,
                   principal: CurrentPrincipal) -> dict[str, Any]:
    case = resolution.tick(session, case_id=case_id, item=body.item, state=body.state, note=body.note,
                           actor=principal.actor, scope=scope_of(principal))
    return resolution.checklist_view(session, case)


@router.post("/cases/{case_id}/outcome", response_model=ChecklistOut)
def set_outcome(case_id: PathId, body: OutcomeIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    case = resolution.set_outcome(session, case_id=case_id, outcome=body.outcome, actor=principal.actor,
                                  scope=scope_of(principal), reason=body.reason)
    return resolution.checklist_view(session, case)


@router.post("/cases/{case_id}/resolve", response_model=CaseOut)
def resolve(case_id: PathId, body: OutcomeIn, session: DbSession, principal: CurrentPrincipal) -> CaseOut:
    case = resolution.resolve_case(session, case_id=case_id, outcome=body.outcome, actor=principal.actor,
                                   scope=scope_of(principal), reason=body.reason)
    return CaseOut.of(case, now=utcnow())


@router.post("/cases/{case_id}/confirmation", response_model=ChecklistOut)
def confirmation(case_id: PathId, body: ConfirmationIn, session: DbSession,
                 principal: CurrentPrincipal) -> dict[str, Any]:
    case = resolution.record_confirmation(session, case_id=case_id, kind=body.kind, note=body.note,
                                          actor=principal.actor, scope=scope_of(principal))
    return resolution.checklist_view(session, case)


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def close(case_id: PathId, body: CloseIn, session: DbSession, principal: CurrentPrincipal) -> CaseOut:
    case = resolution.close_case(session, case_id=case_id, actor=principal.actor, scope=scope_of(principal),
                                 outcome=body.outcome, reason=body.reason)
    return CaseOut.of(case, now=utcnow())


@router.post("/cases/{case_id}/evidence", status_code=201, response_model=EvidenceSnapshotOut)
def preserve(case_id: PathId, body: EvidenceIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    snap = evidence.preserve_evidence(session, case_id=case_id, mention_id=body.mention_id,
                                      actor=principal.actor, user_id=principal.user_id, scope=scope_of(principal))
    return {"id": snap.id, "case_id": snap.case_id, "mention_id": snap.mention_id, "url": snap.url,
            "text": snap.text, "metrics": snap.metrics, "reach": snap.reach, "content_hash": snap.content_hash,
            "posted_at": snap.posted_at.isoformat(), "captured_at": snap.captured_at.isoformat()}


@router.post("/cases/{case_id}/csat", status_code=201, response_model=CsatOut)
def csat(case_id: PathId, body: CsatIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    result = resolution.record_csat(session, case_id=case_id, score=body.score, comment=body.comment,
                                    channel=body.channel, actor=principal.actor, scope=scope_of(principal))
    case = cases.get(session, case_id=case_id)
    return {"id": result.id, "score": result.score, "case_status": case.status}


class LegalHandoverOut(StrictOut):
    case_id: int
    evidence_ids: list[int]
    area_id: int | None
    area_name: str | None


@router.post("/cases/{case_id}/legal-handover", response_model=LegalHandoverOut)
def legal_handover(case_id: PathId, session: DbSession, principal: CurrentPrincipal) -> LegalHandoverOut:
    """«Preservar evidencia y pasar a legal» (§8): snapshots of the flagged messages, the case to legal."""
    done = evidence.preserve_and_hand_to_legal(session, case_id=case_id, actor=principal.actor,
                                               user_id=principal.user_id, scope=scope_of(principal))
    area = done.area
    return LegalHandoverOut(case_id=case_id, evidence_ids=[e.id for e in done.snapshots],
                            area_id=area.id if area else None, area_name=area.name if area else None)


class SurveyOut(StrictOut):
    id: int
    case_id: int
    url: str
    status: str
    expires_at: str


@router.post("/cases/{case_id}/survey", status_code=201, response_model=SurveyOut)
def create_survey(case_id: PathId, request: Request, session: DbSession, principal: CurrentPrincipal) -> SurveyOut:
    """The case's satisfaction survey link (§9): the customer answers it once, without logging in."""
    row = survey.create_survey(session, case_id=case_id, actor=principal.actor, user_id=principal.user_id,
                               scope=scope_of(principal))
    return SurveyOut(id=row.id, case_id=row.case_id, url=survey.url_of(request.app.state.settings.base_url, row),
                     status=row.status, expires_at=row.expires_at.isoformat())


@router.post("/follow-ups/{follow_up_id}/done", response_model=FollowUpDoneOut)
def follow_up_done(follow_up_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    item = resolution.complete_follow_up(session, follow_up_id=follow_up_id, actor=principal.actor,
                                         scope=scope_of(principal))
    return {"id": item.id, "kind": item.kind, "done_at": item.done_at.isoformat() if item.done_at else None}


# --- moderation ----------------------------------------------------------------------------------

class ModerationIn(BaseModel):
    brand_id: BodyId
    person_id: BodyId
    action: str = Field(max_length=20)
    clause_id: str = Field(max_length=100)
    case_id: BodyId | None = None
    mention_id: BodyId | None = None
    reason: str | None = Field(default=None, max_length=2000)
    override_reason: str | None = Field(default=None, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DecideIn(BaseModel):
    brand_id: BodyId
    role: Literal["cliente", "hostil", "troll", "ninguno"]
    reason: str | None = Field(default=None, max_length=2000)


class ModerationActionOut(StrictOut):
    id: int
    brand_id: int
    person_id: int
    case_id: int | None
    mention_id: int | None
    action: str
    rule: str
    reason: str | None
    evidence: dict[str, Any] | None
    status: str
    delivery_state: str
    override_reason: str | None
    created_at: str


def _action_out(row: ModerationAction) -> dict[str, Any]:
    return {"id": row.id, "brand_id": row.brand_id, "person_id": row.person_id, "case_id": row.case_id,
            "mention_id": row.mention_id, "action": row.action, "rule": row.rule, "reason": row.reason,
            "evidence": row.evidence, "status": row.status, "delivery_state": row.delivery_state,
            "override_reason": row.override_reason, "created_at": row.created_at.isoformat()}


@router.post("/moderation/actions", status_code=201, response_model=ModerationActionOut)
def create_action(body: ModerationIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    row = moderation.moderate(session, ModerationRequest(**body.model_dump()), who=_who(principal),
                              scope=scope_of(principal))
    return _action_out(row)


@router.get("/moderation/actions", response_model=list[ModerationActionOut])
def list_actions(session: DbSession, principal: CurrentPrincipal, brand_id: QueryId = None,
                 person_id: QueryId = None) -> list[dict[str, Any]]:
    rows = moderation.actions_of(session, scope=scope_of(principal), brand_id=brand_id, person_id=person_id)
    return [_action_out(r) for r in rows]


@router.post("/moderation/actions/{action_id}/appeal", response_model=ModerationActionOut)
def appeal(action_id: PathId, body: ReasonIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    return _action_out(moderation.appeal(session, action_id=action_id, reason=body.reason, who=_who(principal),
                                         scope=scope_of(principal)))


@router.post("/moderation/actions/{action_id}/reject-appeal", response_model=ModerationActionOut)
def reject_appeal(action_id: PathId, body: ReasonIn, session: DbSession, principal: Supervisor) -> dict[str, Any]:
    """Keep an appealed action, with the reason (supervisors)."""
    return _action_out(moderation.reject_appeal(session, action_id=action_id, reason=body.reason,
                                                who=_who(principal), scope=scope_of(principal)))


@router.post("/moderation/actions/{action_id}/reverse", response_model=ModerationActionOut)
def reverse(action_id: PathId, body: ReasonIn, session: DbSession, principal: Supervisor) -> dict[str, Any]:
    return _action_out(moderation.reverse(session, action_id=action_id, reason=body.reason, who=_who(principal),
                                          scope=scope_of(principal)))


@router.get("/moderation/proposals", response_model=list[TrollProposalOut])
def proposals(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return [p.__dict__ | {"handles": list(p.handles), "case_ids": list(p.case_ids), "evidence": list(p.evidence)}
            for p in moderation.troll_proposals(session, scope=scope_of(principal))]


@router.post("/moderation/proposals/{person_id}/decide", response_model=RoleDecisionOut)
def decide(person_id: PathId, body: DecideIn, session: DbSession, principal: Supervisor) -> dict[str, Any]:
    _brand_allowed(principal, body.brand_id)
    person = moderation.decide_role(session, person_id=person_id, brand_id=body.brand_id, role=body.role,
                                    who=_who(principal), reason=body.reason, scope=scope_of(principal))
    return {"person_id": person.id, "confirmed_role": person.confirmed_role, "strikes": person.strikes}


# --- guidelines and policy -----------------------------------------------------------------------

class GuidelinesIn(BaseModel):
    title: str | None = Field(default=None, max_length=200)
    intro: str | None = Field(default=None, max_length=4000)
    clauses: list[dict[str, Any]] = Field(min_length=1, max_length=100)


@router.get("/brands/{brand_id}/guidelines", response_model=GuidelinesOut)
def get_guidelines(brand_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    _brand_allowed(principal, brand_id)
    brands.get(session, brand_id=brand_id)
    return guidelines.current(session, brand_id=brand_id).as_dict()


@router.get("/brands/{brand_id}/guidelines/versions", response_model=list[GuidelinesOut])
def guideline_versions(brand_id: PathId, session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    _brand_allowed(principal, brand_id)
    return [g.as_dict() for g in guidelines.versions(session, brand_id=brand_id)]


@router.put("/brands/{brand_id}/guidelines", response_model=GuidelinesOut)
def put_guidelines(brand_id: PathId, body: GuidelinesIn, session: DbSession, principal: Supervisor) -> dict[str, Any]:
    _brand_allowed(principal, brand_id)
    return guidelines.publish(session, brand_id=brand_id, clauses=body.clauses, title=body.title,
                              intro=body.intro, actor=principal.actor, user_id=principal.user_id).as_dict()


@router.get("/brands/{brand_id}/playbook", response_model=PolicyOut)
def get_policy(brand_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    _brand_allowed(principal, brand_id)
    brands.get(session, brand_id=brand_id)
    return {"effective": policy_service.effective_policy(session, brand_id=brand_id).model_dump(),
            "overrides": policy_service.overrides_of(session, brand_id=brand_id)}


@router.patch("/brands/{brand_id}/playbook", response_model=PolicyOut)
def patch_policy(brand_id: PathId, body: dict[str, Any], session: DbSession, principal: Admin) -> dict[str, Any]:
    policy = policy_service.update_overrides(session, brand_id=brand_id, changes=body, actor=principal.actor)
    return {"effective": policy.model_dump(), "overrides": policy_service.overrides_of(session, brand_id=brand_id)}


@public_router.get("/guidelines/{brand_slug}", response_class=HTMLResponse)
def public_guidelines(brand_slug: str, session: DbSession) -> HTMLResponse:
    """The brand's published guidelines, for anyone (linked from the brand's profiles)."""
    brand = brands.resolve(session, brand_slug[:100])
    return HTMLResponse(guidelines.html(guidelines.current(session, brand_id=brand.id), brand_name=brand.name),
                        headers={"Content-Security-Policy": guidelines.CSP})


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
    app.include_router(crisis_router, prefix="/api/v1")
    app.include_router(public_router)
