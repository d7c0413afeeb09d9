"""Routes: correct a mention's triage; the organisation's learning curve."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from sqlalchemy.orm import Session

from cauce.app_deps.deps import CurrentPrincipal, DbSession, Supervisor, scope_of
from cauce.app_deps.openapi import MAX_ID, PathId
from cauce.corrections import service, training
from cauce.corrections.models import AdapterRun
from cauce.corrections.schemas import AdapterRunOut, CorrectionIn, CorrectionOut, FieldChangeOut, LearningCurveOut

RequiredQueryId = Annotated[int, Query(ge=1, le=MAX_ID)]

router = APIRouter(tags=["corrections"])


@router.post("/mentions/{mention_id}/corrections", response_model=CorrectionOut)
def correct_mention(mention_id: PathId, body: CorrectionIn, session: DbSession,
                    principal: CurrentPrincipal) -> CorrectionOut:
    result = service.correct(session, mention_id=mention_id, values=body.values(), who=principal,
                             scope=scope_of(principal), reason=body.reason)
    mention = service.mention_in_scope(session, mention_id=mention_id, scope=scope_of(principal))
    return CorrectionOut(mention_id=result.mention_id, case_id=result.case_id,
                         changed=[FieldChangeOut(field=k, old=v[0], new=v[1]) for k, v in result.changed.items()],
                         examples=len(result.example_ids), case_changes=_jsonable(result.case_changes),
                         current=service.current_values(mention))


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | bool | list | type(None)) else str(v) for k, v in values.items()}


def run_out(run: AdapterRun) -> AdapterRunOut:
    heldout = (run.metrics or {}).get("heldout", {})
    complaint = heldout.get("complaint", {})
    return AdapterRunOut(
        version=run.version, created_at=run.created_at, examples_used=run.examples_used, accepted=run.accepted,
        reason=run.reason, trigger=run.trigger, base_model_version=run.base_model_version,
        heldout_precision_base=complaint.get("base", {}).get("precision"),
        heldout_recall_base=complaint.get("base", {}).get("recall"),
        heldout_precision=complaint.get("adapted", {}).get("precision"),
        heldout_recall=complaint.get("adapted", {}).get("recall"),
        heldout_n=int(heldout.get("n", 0)), metrics=run.metrics or {})


def learning_curve(session: Session, *, organisation_id: int) -> LearningCurveOut:
    runs = service.runs_of(session, organisation_id=organisation_id)
    active = training.active_run(session, organisation_id=organisation_id) if any(r.accepted for r in runs) else None
    return LearningCurveOut(organisation_id=organisation_id,
                            examples=service.example_count(session, organisation_id=organisation_id),
                            active_version=active.version if active else None, runs=[run_out(r) for r in runs])


@router.get("/triage/learning-curve", response_model=LearningCurveOut)
def get_learning_curve(brand_id: RequiredQueryId, session: DbSession, principal: Supervisor) -> LearningCurveOut:
    """Examples, adapter versions and held-out precision/recall of the brand's organisation (supervisors)."""
    organisation_id = service.organisation_of_brand(session, brand_id=brand_id, scope=scope_of(principal))
    return learning_curve(session, organisation_id=organisation_id)


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
