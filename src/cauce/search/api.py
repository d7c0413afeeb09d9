"""GET /api/v1/search: people and cases for what someone typed, within the caller's brands."""

from __future__ import annotations

from fastapi import APIRouter, Query

from cauce.app_deps.deps import CurrentPrincipal, DbSession, scope_of
from cauce.search import service
from cauce.search.schemas import SearchKind, SearchOut

router = APIRouter(prefix="/search", tags=["search"])


@router.get("", response_model=SearchOut)
def search(session: DbSession, principal: CurrentPrincipal,
           q: str = Query(min_length=1, max_length=service.MAX_QUERY_CHARS,
                          description="A name, an @handle, words of a case or a case number (123, #123, caso 123)."),
           kind: SearchKind = SearchKind.all,
           limit: int = Query(default=10, ge=1, le=service.MAX_LIMIT)) -> SearchOut:
    return service.search(session, q=q, kind=kind, scope=scope_of(principal), limit=limit)
