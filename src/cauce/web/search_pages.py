"""Search from the inbox (people and cases, as you type) and the person page its results open.

`/search` answers htmx with the results fragment shown under the inbox's search box, and a plain
request (Enter without JavaScript) with a page of its own.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cauce import vocabulary as labels
from cauce.cases import lifecycle
from cauce.search import service as search
from cauce.search.schemas import SearchKind
from cauce.web.rendering import render
from cauce.web.session import ReadSession, Viewer

router = APIRouter()

RESULTS = 8  # per kind under the search box


@router.get("/search")
def search_results(request: Request, session: ReadSession, user: Viewer,
                   q: str = Query(default="", max_length=search.MAX_QUERY_CHARS)) -> Response:
    result = search.search(session, q=q, kind=SearchKind.all, scope=user.scope, limit=RESULTS) if q.strip() else None
    context = {"result": result, "query": q.strip(), "labels": labels, "lifecycle": lifecycle,
               "brand_names": {b.id: b.name for b in user.brands}, "show_brand": len(user.brands) > 1}
    template = "_search_results.html" if request.headers.get("hx-request") else "search.html"
    return render(request, template, context)
