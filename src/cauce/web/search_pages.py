"""Search from the inbox (people and cases, as you type) and the person page its results open.

`/search` answers htmx with the results fragment shown under the inbox's search box, and a plain
request (Enter without JavaScript) with a page of its own.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from cauce.cases import lifecycle
from cauce.cases.models import Case
from cauce.errors import NotFound
from cauce.mentions import service as mentions
from cauce.people import service as people
from cauce.search import service as search
from cauce.search.schemas import SearchKind
from cauce.web import labels
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


@router.get("/people/{person_id}")
def person_page(person_id: int, request: Request, session: ReadSession, user: Viewer) -> Response:
    """A person's handles, cases and recent messages — only what the viewer's brands hold."""
    person = people.get(session, person_id=person_id)
    brand_ids = user.principal.brand_ids
    history = mentions.mentions_of_person(session, person_id=person.id, brand_ids=brand_ids, limit=50)
    person_cases = list(session.scalars(user.scope.apply(select(Case), Case.brand_id)
                                        .where(Case.person_id == person.id).order_by(Case.opened_at.desc())
                                        .limit(100)))
    if brand_ids is not None and not history and not person_cases:
        raise NotFound(f"No existe la persona {person_id}.")
    return render(request, "person.html", {
        "person": person, "handles": people.handles_of(session, person_id=person.id), "cases": person_cases,
        "history": history, "labels": labels, "lifecycle": lifecycle,
        "brand_names": {b.id: b.name for b in user.brands}, "show_brand": len(user.brands) > 1})
