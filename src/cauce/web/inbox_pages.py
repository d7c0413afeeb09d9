"""The priority inbox: the page, its live rows (htmx fragments) and the SSE change feed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from cauce import vocabulary as labels
from cauce.app_deps.deps import SESSION_COOKIE
from cauce.auth import service as auth
from cauce.brands.models import Brand
from cauce.cases import lifecycle, saved_views
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database, utcnow
from cauce.errors import NotFound, Unauthorized
from cauce.web.live import CaseBroadcaster
from cauce.web.rendering import language_of, render
from cauce.web.session import LoginRequired, ReadSession, Viewer, WebUser
from cauce.web.views import assignable_users, inbox_rows, matches

router = APIRouter()

PAGE_SIZE = 50
MAX_LIVE_IDS = 200
KEEPALIVE_S = 15.0
FILTER_KEYS = ("brand_id", "channel", "pqr_type", "category", "brand_category", "author_role", "status", "assignee",
               "sla_state", "q")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _choice(value: str | None, allowed: Mapping[str, str]) -> str | None:
    return value if value in allowed else None


def parse_filters(params: Mapping[str, str], user: WebUser) -> tuple[cases.CaseFilters, dict[str, str]]:
    """Query string -> CaseFilters; unknown values are ignored rather than failing the page."""
    assignee = params.get("assignee") or ""
    assigned = user.principal.user_id if assignee == "me" else _int(assignee)
    status = _choice(params.get("status"), lifecycle.STATES)
    filters = cases.CaseFilters(
        brand_id=_int(params.get("brand_id")), channel=_choice(params.get("channel"), labels.CHANNELS),
        pqr_type=_choice(params.get("pqr_type"), labels.PQR_TYPES),
        category=_choice(params.get("category"), labels.CATEGORIES),
        brand_category=_choice(params.get("brand_category"), brand_categories(user)),
        author_role=_choice(params.get("author_role"), labels.ROLES), status=status, open_only=True,
        assigned_user_id=assigned, sla_state=params.get("sla_state") if params.get("sla_state") in
        ("ok", "warning", "breached") else None, text=(params.get("q") or "").strip()[:200] or None,
    )
    shown = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    return filters, shown


def brand_categories(user: WebUser) -> dict[str, str]:
    """The categories the user's brands define (brands.triage_settings), for the inbox filter."""
    names: dict[str, str] = {}
    for brand in user.brands:
        for category in (brand.triage_settings or {}).get("categories") or ():
            names.setdefault(str(category.get("name")), str(category.get("name")))
    return dict(sorted(names.items()))


_COUNTS: dict[tuple[frozenset[int] | None, cases.CaseFilters], tuple[float, int]] = {}
COUNT_TTL_S = 10.0


def _open_count(session: Any, user: WebUser, filters: cases.CaseFilters) -> int:
    """How many cases the shown filters match (the count in the header), cached a few seconds per
    scope and filters: counting 100,000 cases costs more than the whole page otherwise, and the
    live feed keeps the number current."""
    key = (user.principal.brand_ids, filters)
    cached = _COUNTS.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < COUNT_TTL_S:
        return cached[1]
    total = cases.count_cases(session, scope=user.scope, filters=filters)
    if len(_COUNTS) > 1000:
        _COUNTS.clear()
    _COUNTS[key] = (now, total)
    return total


def _brand_map(user: WebUser) -> dict[int, Brand]:
    return {b.id: b for b in user.brands}


def _rows_context(request: Request, session: Any, user: WebUser, case_list: list[Case]) -> dict[str, Any]:
    rows = inbox_rows(session, case_list, now=utcnow(), viewer_id=user.principal.user_id,
                      board=request.app.state.presence, brands=_brand_map(user))
    return {"rows": rows, "labels": labels, "show_brand": len(user.brands) > 1,
            "lifecycle_states": lifecycle.STATES}


@router.get("/inbox")
def inbox(request: Request, session: ReadSession, user: Viewer) -> Response:
    return render_inbox(request, session, user)


def render_inbox(request: Request, session: Any, user: WebUser, *, extra: dict[str, Any] | None = None,
                 status_code: int = 200) -> Response:
    """The inbox for the request's filters; `extra` adds to the context (bulk results, form errors)."""
    filters, shown = parse_filters(request.query_params, user)
    page = max(1, min(_int(request.query_params.get("page")) or 1, 10_000))
    case_list = cases.list_cases(session, scope=user.scope, filters=filters, limit=PAGE_SIZE + 1,
                                 offset=(page - 1) * PAGE_SIZE)
    more = len(case_list) > PAGE_SIZE
    total = _open_count(session, user, filters)
    people = {u.id: u for u in assignable_users(session, [b.id for b in user.brands])}
    context = _rows_context(request, session, user, case_list[:PAGE_SIZE])
    context.update(filters=shown, page=page, more=more, total_open=total, lifecycle=lifecycle,
                   brand_category_options=brand_categories(user),
                   assignees=sorted(people.values(), key=lambda u: u.name),
                   areas=[(a, b) for b in user.brands for a in cases.areas_of(session, brand_id=b.id)],
                   outcomes=lifecycle.OUTCOMES, bulk_actions=labels.BULK_ACTIONS,
                   saved_views=saved_views.views_of(session, user_id=user.principal.user_id)
                   if user.principal.user_id is not None else [],
                   errors={}, values={}, bulk_result=None, bulk_checked=set())
    context.update(extra or {})
    return render(request, "inbox.html", context, status_code=status_code)


@router.get("/inbox/export.{fmt}")
def inbox_export(fmt: str, request: Request, user: Viewer) -> Response:
    """Every case the shown filters match (not only the page on screen), as CSV (`?csv=es|intl`, by
    default the reader's language) or XLSX, read from the database in batches while it streams."""
    from cauce.reports import case_list, export

    if fmt not in ("csv", "xlsx"):
        raise NotFound(f"Formato {fmt[:10]!r} no disponible: use csv o xlsx.")
    filters, _ = parse_filters(request.query_params, user)
    db: Database = request.app.state.db
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    headers = {"Content-Disposition": f'attachment; filename="casos-{stamp}.{fmt}"', "Cache-Control": "no-store"}
    if fmt == "csv":
        style = export.csv_style(request.query_params.get("csv"), language_of(request))

        def chunks() -> Iterator[bytes]:
            with db.read_session() as session:
                yield from case_list.csv_chunks(session, scope=user.scope, filters=filters, style=style)

        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers=headers)
    with db.read_session() as session:
        spooled = case_list.xlsx_file(session, scope=user.scope, filters=filters)

    def pieces() -> Iterator[bytes]:
        with spooled:
            while block := spooled.read(64 * 1024):
                yield block

    return StreamingResponse(pieces(), headers=headers,
                             media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/inbox/rows")
def inbox_row_fragments(request: Request, session: ReadSession, user: Viewer, ids: str = "") -> Response:
    """The rows of these cases that still match the browser's filters (the rest disappear)."""
    wanted = [i for i in (_int(p) for p in ids.split(",")[:MAX_LIVE_IDS]) if i is not None]
    filters, _ = parse_filters(request.query_params, user)
    now = utcnow()
    found = [c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))
             if user.scope.allows(c.brand_id) and matches(c, filters, now=now)] if wanted else []
    return render(request, "_inbox_rows.html", _rows_context(request, session, user, found))


def _principal_brands(db: Database, token: str | None) -> frozenset[int] | None:
    if not token:
        raise LoginRequired("Inicie sesión para continuar.")
    with db.read_session() as session:
        try:
            user, _ = auth.session_user(session, token)
        except Unauthorized as exc:
            raise LoginRequired(exc.message) from None
        return auth.principal_for(session, user).brand_ids


async def _stream(request: Request, broadcaster: CaseBroadcaster,
                  brand_ids: frozenset[int] | None) -> AsyncIterator[bytes]:
    subscriber = broadcaster.subscribe(brand_ids)
    try:
        yield b"retry: 2000\nevent: ready\ndata: ok\n\n"
        while True:
            try:
                ids = await asyncio.wait_for(subscriber.queue.get(), timeout=KEEPALIVE_S)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield b": keep-alive\n\n"
                continue
            while not subscriber.queue.empty():  # coalesce bursts into one event
                ids |= subscriber.queue.get_nowait()
            yield f"event: cases\ndata: {','.join(map(str, sorted(ids)))}\n\n".encode()
    finally:
        broadcaster.unsubscribe(subscriber)


@router.get("/inbox/events")
async def inbox_events(request: Request) -> StreamingResponse:
    """Server-Sent Events: `cases` events carry the ids of changed cases the user may see."""
    brand_ids = await asyncio.to_thread(_principal_brands, request.app.state.db,
                                        request.cookies.get(SESSION_COOKIE))
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(request, request.app.state.broadcaster, brand_ids),
                             media_type="text/event-stream", headers=headers)
