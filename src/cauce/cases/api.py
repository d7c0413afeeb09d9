"""HTTP routes for cases: the queue, one case, and what agents do to it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from cauce.app_deps.deps import CurrentPrincipal, DbSession, scope_of
from cauce.app_deps.openapi import Offset, PathId, QueryId
from cauce.cases import bulk, export
from cauce.cases import service as cases
from cauce.cases.schemas import (
    AssignIn,
    BulkIn,
    BulkOut,
    BulkRefusalOut,
    CaseDetailOut,
    CaseDocumentOut,
    CaseMentionOut,
    CaseOut,
    LegalExtensionIn,
    NoteIn,
    NoteOut,
    SatisfactionIn,
    SatisfactionOut,
    TransitionIn,
)
from cauce.db import utcnow
from cauce.mentions import service as mentions

router = APIRouter(prefix="/cases", tags=["cases"])
# Outside /cases/…: a GET of /cases/bulk would otherwise reach the one-case route (422, not 405).
bulk_router = APIRouter(prefix="/bulk", tags=["cases"])


@router.get("", response_model=list[CaseOut])
def list_cases(
    session: DbSession, principal: CurrentPrincipal,
    brand_id: QueryId = None, status: str | None = None, pqr_type: str | None = None,
    category: str | None = None, channel: str | None = None, author_role: str | None = None,
    brand_category: str | None = Query(default=None, max_length=60),
    assigned_user_id: QueryId = None, area_id: QueryId = None,
    sla_state: str | None = Query(default=None, pattern="^(ok|warning|breached)$"),
    include_closed: bool = False, q: str | None = None,
    limit: int = Query(default=50, ge=1, le=500), offset: Offset = 0,
) -> list[CaseOut]:
    filters = cases.CaseFilters(brand_id=brand_id, status=status, open_only=not include_closed, pqr_type=pqr_type,
                                category=category, brand_category=brand_category, channel=channel,
                                author_role=author_role,
                                assigned_user_id=assigned_user_id, area_id=area_id, sla_state=sla_state, text=q)
    now = utcnow()
    rows = cases.list_cases(session, scope=scope_of(principal), filters=filters, limit=limit, offset=offset, now=now)
    return [CaseOut.of(c, now=now) for c in rows]


@bulk_router.post("/cases", response_model=BulkOut)
def bulk_action(body: BulkIn, session: DbSession, principal: CurrentPrincipal) -> BulkOut:
    """One action on several cases; each case is audited on its own and refused on its own (another
    brand's case answers "not found", exactly like a missing id)."""
    result = bulk.apply(session, action=body.action, case_ids=body.case_ids, actor=principal.actor,
                        scope=scope_of(principal), user_id=body.user_id, area_id=body.area_id, tag=body.tag,
                        outcome=body.outcome, reason=body.reason)
    return BulkOut(action=result.action, done=result.done,
                   refused=[BulkRefusalOut(case_id=i, message=m) for i, m in result.refused.items()])


@router.get("/{case_id}", response_model=CaseDetailOut)
def get_case(case_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    case = cases.get(session, case_id=case_id, scope=scope_of(principal))
    return export.case_document(session, case) | {"summary": CaseOut.of(case, now=utcnow()).model_dump(mode="json")}


@router.get("/{case_id}/export", response_model=CaseDocumentOut, responses={
    200: {"description": "The case document as JSON, or (format=html) as a printable page",
          "content": {"text/html": {"schema": {"type": "string"}}}}})
def export_case(case_id: PathId, session: DbSession, principal: CurrentPrincipal,
                format: str = Query(default="json", pattern="^(json|html)$")) -> Any:
    case = cases.get(session, case_id=case_id, scope=scope_of(principal))
    document = export.case_document(session, case)
    if format == "html":
        return HTMLResponse(export.case_html(document), headers={"Content-Security-Policy": export.CSP})
    return document


@router.post("/{case_id}/transition", response_model=CaseOut)
def transition(case_id: PathId, body: TransitionIn, session: DbSession, principal: CurrentPrincipal) -> CaseOut:
    case = cases.transition(session, case_id=case_id, to=body.to, actor=principal.actor, scope=scope_of(principal),
                            reason=body.reason, outcome=body.outcome)
    return CaseOut.of(case, now=utcnow())


@router.post("/{case_id}/assign", response_model=CaseOut)
def assign(case_id: PathId, body: AssignIn, session: DbSession, principal: CurrentPrincipal) -> CaseOut:
    case = cases.assign(session, case_id=case_id, actor=principal.actor, scope=scope_of(principal),
                        user_id=body.user_id, area_id=body.area_id, unassign=body.unassign, reason=body.reason)
    return CaseOut.of(case, now=utcnow())


@router.post("/{case_id}/notes", status_code=201, response_model=NoteOut)
def add_note(case_id: PathId, body: NoteIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    note = cases.add_note(session, case_id=case_id, text=body.text, actor=principal.actor,
                          author_user_id=principal.user_id, scope=scope_of(principal))
    return {"id": note.id, "case_id": note.case_id, "text": note.text, "created_at": note.created_at.isoformat()}


@router.post("/{case_id}/legal-extension", response_model=CaseOut)
def extend_legal_term(case_id: PathId, body: LegalExtensionIn, session: DbSession,
                      principal: CurrentPrincipal) -> CaseOut:
    case = cases.extend_legal_term(session, case_id=case_id, notice=body.notice, actor=principal.actor,
                                   scope=scope_of(principal))
    return CaseOut.of(case, now=utcnow())


@router.post("/{case_id}/satisfaction", status_code=201, response_model=SatisfactionOut)
def satisfaction(case_id: PathId, body: SatisfactionIn, session: DbSession,
                 principal: CurrentPrincipal) -> dict[str, Any]:
    result = cases.record_satisfaction(session, case_id=case_id, score=body.score, comment=body.comment,
                                       channel=body.channel, actor=principal.actor, scope=scope_of(principal))
    return {"id": result.id, "score": result.score}


@router.get("/{case_id}/mentions", response_model=list[CaseMentionOut])
def case_mentions(case_id: PathId, session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    case = cases.get(session, case_id=case_id, scope=scope_of(principal))
    return [{"id": m.id, "external_id": m.external_id, "channel": m.channel, "text": m.text,
             "author": m.author_handle, "created_at": m.created_at.isoformat(), "assessment": m.assessment,
             "third_party": m.third_party}
            for m in mentions.mentions_of_case(session, case_id=case.id)]
