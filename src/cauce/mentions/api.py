"""POST mentions, one or a batch; each item gets its own result (a bad item never sinks the rest)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from cauce.app_deps.deps import CurrentPrincipal, DbSession, scope_of
from cauce.app_deps.openapi import PathId
from cauce.brands import service as brands
from cauce.errors import NotFound
from cauce.mentions import service as mentions
from cauce.mentions.schemas import MentionBatchOut, MentionIn, MentionResultOut, QueueDecisionIn, QueueDecisionOut

router = APIRouter(prefix="/mentions", tags=["mentions"])

MAX_BATCH = 1000


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])


@router.post("", response_model=MentionResultOut | MentionBatchOut, responses={
    200: {"model": MentionResultOut | MentionBatchOut, "description": "A duplicate, or a batch with no errors"},
    201: {"model": MentionResultOut, "description": "The mention was stored"},
    207: {"model": MentionBatchOut, "description": "A batch where some items failed (each has its own result)"},
}, openapi_extra={"requestBody": {"content": {"application/json": {"schema": {
    "oneOf": [{"$ref": "#/components/schemas/MentionIn"},
              {"type": "array", "items": {"$ref": "#/components/schemas/MentionIn"}}]}}}}})
def post_mentions(request: Request, session: DbSession, principal: CurrentPrincipal,
                  payload: Any = Body(...)) -> JSONResponse:
    single = isinstance(payload, dict)
    items = [payload] if single else payload
    if not isinstance(items, list) or not items:
        return JSONResponse({"error": {"code": "invalid_input",
                                       "message": "Envíe una mención (objeto JSON) o una lista de menciones."}}, 422)
    if len(items) > MAX_BATCH:
        return JSONResponse({"error": {"code": "invalid_input",
                                       "message": f"Máximo {MAX_BATCH} menciones por solicitud."}}, 413)
    settings = request.app.state.settings
    window = timedelta(hours=settings.thread_window_hours)
    results: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        try:
            item = MentionIn.model_validate(raw)
        except ValidationError as exc:
            results.append({"index": index, "status": "error", "error": _validation_message(exc)})
            continue
        try:
            brand = brands.resolve(session, item.brand)
            if principal.brand_ids is not None and brand.id not in principal.brand_ids:
                raise NotFound("")
        except NotFound as exc:
            # A brand outside the caller's scope reads exactly like an unknown one (no existence oracle).
            message = exc.message if principal.brand_ids is None else \
                f"Marca desconocida o sin acceso: {item.brand[:100]!r}."
            results.append({"index": index, "id": item.id, "status": "error", "error": message})
            continue
        result = mentions.ingest_one_safely(session, item, actor=principal.actor, source="api",
                                            thread_window=window)
        results.append({"index": index, **result.as_dict()})
    if single:
        result_one = results[0]
        status = 201 if result_one["status"] == "created" else 200 if result_one["status"] == "duplicate" else 422
        # Built through the model (it forbids undeclared keys): the body is what the schema says.
        one = MentionResultOut.model_validate(result_one)
        return JSONResponse(one.model_dump(mode="json", exclude_unset=True), status)
    summary = {s: sum(1 for r in results if r["status"] == s) for s in ("created", "duplicate", "error")}
    batch = MentionBatchOut.model_validate({"summary": summary, "results": results})
    return JSONResponse(batch.model_dump(mode="json", exclude_unset=True), 207 if summary["error"] else 200)


@router.post("/{mention_id}/bring-into-queue", response_model=QueueDecisionOut)
def bring_into_queue(mention_id: PathId, request: Request, session: DbSession, principal: CurrentPrincipal,
                     body: QueueDecisionIn | None = None) -> QueueDecisionOut:
    """A mention stored as noise belongs in the queue: it opens or joins a case (once; audited)."""
    window = timedelta(hours=request.app.state.settings.thread_window_hours)
    result = mentions.bring_into_queue(session, mention_id=mention_id, actor=principal.actor,
                                       scope=scope_of(principal), reason=body.reason if body else None,
                                       thread_window=window)
    return QueueDecisionOut(mention_id=result.mention.id, relevant=result.mention.relevant,
                            case_id=result.mention.case_id, case_created=result.created, changed=result.changed)


@router.post("/{mention_id}/mark-noise", response_model=QueueDecisionOut)
def mark_noise(mention_id: PathId, session: DbSession, principal: CurrentPrincipal,
               body: QueueDecisionIn | None = None) -> QueueDecisionOut:
    """The mention is noise: it leaves the queue (its case, holding only it, is discarded; audited)."""
    result = mentions.mark_as_noise(session, mention_id=mention_id, actor=principal.actor, scope=scope_of(principal),
                                    reason=body.reason if body else None)
    return QueueDecisionOut(mention_id=result.mention.id, relevant=result.mention.relevant, case_id=None,
                            case_created=False, changed=result.changed,
                            discarded_case_id=result.case.id if result.case is not None else None)
