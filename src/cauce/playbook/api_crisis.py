"""HTTP routes for crisis state and the improvement loop (root causes and their actions)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cauce.app_deps.deps import CurrentPrincipal, DbSession, Supervisor
from cauce.app_deps.openapi import BodyId, PathId, QueryId
from cauce.playbook import crisis, improvement
from cauce.playbook.schemas import (
    CrisisOut,
    CrisisReportOut,
    CrisisSweepOut,
    ImprovementActionOut,
    ImprovementDoneOut,
    RootCauseOut,
    RootCauseStatusOut,
)

router = APIRouter(tags=["playbook"])


@router.get("/crisis", response_model=list[CrisisOut])
def list_crises(session: DbSession, principal: CurrentPrincipal, live_only: bool = False) -> list[dict[str, Any]]:
    return [crisis.crisis_out(c) for c in crisis.crises_of(session, brand_ids=principal.brand_ids,
                                                            live_only=live_only)]


@router.get("/crisis/{crisis_id}/report", response_model=CrisisReportOut)
def crisis_report(crisis_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    return crisis.crisis_report(session, crisis_id=crisis_id, brand_ids=principal.brand_ids)


@router.post("/crisis/sweep", response_model=CrisisSweepOut)
def sweep(session: DbSession, principal: Supervisor) -> dict[str, Any]:
    return crisis.crisis_sweep(session, brand_ids=principal.brand_ids).as_dict()


class ProposeIn(BaseModel):
    brand_id: BodyId
    category: str | None = Field(default=None, max_length=20)
    days: int = Field(default=30, ge=1, le=365)
    min_cases: int = Field(default=3, ge=2, le=1000)


class ConfirmIn(BaseModel):
    label: str | None = Field(default=None, max_length=300)
    remove_case_ids: list[int] = Field(default_factory=list, max_length=1000)


class ActionIn(BaseModel):
    title: str = Field(min_length=3, max_length=300)
    description: str = Field(default="", max_length=4000)


class DoneIn(BaseModel):
    notice_text: str = Field(min_length=1, max_length=4000)


def _allowed(principal: Any, brand_id: int) -> None:
    from cauce.errors import NotFound

    if principal.brand_ids is not None and brand_id not in principal.brand_ids:
        raise NotFound(f"No existe la marca {brand_id}.")


@router.get("/root-causes", response_model=list[RootCauseOut])
def list_root_causes(session: DbSession, principal: CurrentPrincipal, brand_id: QueryId = None,
                     status: str | None = None) -> list[dict[str, Any]]:
    return [asdict(v) for v in improvement.views(session, brand_ids=principal.brand_ids, brand_id=brand_id,
                                                 status=status)]


@router.post("/root-causes/propose", status_code=201, response_model=list[RootCauseOut])
def propose(body: ProposeIn, session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    _allowed(principal, body.brand_id)
    made = improvement.propose(session, brand_id=body.brand_id, actor=principal.actor, category=body.category,
                               days=body.days, min_cases=body.min_cases)
    ids = {r.id for r in made}
    return [asdict(v) for v in improvement.views(session, brand_id=body.brand_id, status="proposed")
            if v.id in ids]


@router.post("/root-causes/{root_cause_id}/confirm", response_model=RootCauseStatusOut)
def confirm(root_cause_id: PathId, body: ConfirmIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    rc = improvement.confirm(session, root_cause_id=root_cause_id, actor=principal.actor, label=body.label,
                             remove_case_ids=body.remove_case_ids, brand_ids=principal.brand_ids)
    return {"id": rc.id, "status": rc.status, "label": rc.label}


@router.post("/root-causes/{root_cause_id}/dismiss", response_model=RootCauseStatusOut)
def dismiss(root_cause_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    rc = improvement.dismiss(session, root_cause_id=root_cause_id, actor=principal.actor,
                             brand_ids=principal.brand_ids)
    return {"id": rc.id, "status": rc.status}


@router.post("/root-causes/{root_cause_id}/actions", status_code=201, response_model=ImprovementActionOut)
def add_action(root_cause_id: PathId, body: ActionIn, session: DbSession,
               principal: CurrentPrincipal) -> dict[str, Any]:
    action = improvement.add_action(session, root_cause_id=root_cause_id, title=body.title,
                                    description=body.description, actor=principal.actor,
                                    brand_ids=principal.brand_ids)
    return {"id": action.id, "status": action.status, "title": action.title}


@router.post("/improvement-actions/{action_id}/done", response_model=ImprovementDoneOut)
def complete(action_id: PathId, body: DoneIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    follow_ups = improvement.complete_action(session, action_id=action_id, notice_text=body.notice_text,
                                             actor=principal.actor, brand_ids=principal.brand_ids)
    return {"id": action_id, "status": "done", "follow_ups": follow_ups}
