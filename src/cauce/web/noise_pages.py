"""Ruido: the mentions triage found irrelevant to the brand (a homonym, sport, news…), with its
reasons, counts per brand, a brand filter and search. One click brings a mention into the queue
(it opens or joins a case, audited); from a case holding one mention, "Marcar como ruido" undoes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cauce import vocabulary as labels
from cauce.mentions import service as mentions
from cauce.web.pages import flash_headers
from cauce.web.rendering import render
from cauce.web.session import Editor, ReadSession, Viewer, WriteSession

router = APIRouter()

PAGE_SIZE = 50
Reason = Annotated[str, Form(max_length=500)]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@router.get("/noise")
def noise_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    params = request.query_params
    brand_id = _int(params.get("brand_id"))
    text = (params.get("q") or "").strip()[:200] or None
    page = max(1, min(_int(params.get("page")) or 1, 10_000))
    filters = mentions.NoiseFilters(brand_id=brand_id, text=text)
    rows = mentions.list_noise(session, scope=user.scope, filters=filters, limit=PAGE_SIZE + 1,
                               offset=(page - 1) * PAGE_SIZE)
    counts = mentions.count_noise(session, scope=user.scope, filters=mentions.NoiseFilters(text=text))
    context: dict[str, Any] = {
        "rows": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "page": page, "counts": counts,
        "total": sum(counts.values()), "brand_names": {b.id: b.name for b in user.brands},
        "filters": {k: v for k, v in (("brand_id", params.get("brand_id")), ("q", text)) if v},
        "show_brand": len(user.brands) > 1, "labels": labels,
    }
    return render(request, "noise.html", context)


@router.post("/noise/{mention_id}/bring-into-queue")
def bring_into_queue(mention_id: int, request: Request, session: WriteSession, user: Editor,
                     reason: Reason = "") -> Response:
    """One click: the mention opens or joins a case; htmx removes its row and links the case."""
    from datetime import timedelta

    window = timedelta(hours=request.app.state.settings.thread_window_hours)
    result = mentions.bring_into_queue(session, mention_id=mention_id, actor=user.principal.actor,
                                       scope=user.scope, reason=reason.strip() or None, thread_window=window)
    case_id = result.mention.case_id
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    message = (f"Abierto el caso #{case_id}." if result.created else f"Añadida al caso #{case_id}.")
    return render(request, "_noise_done.html", {"mention_id": mention_id, "case_id": case_id,
                                                "created": result.created}, headers=flash_headers(message))


@router.post("/noise/{mention_id}/mark")
def mark_noise(mention_id: int, session: WriteSession, user: Editor, reason: Reason = "") -> Response:
    """From the case page: the case's only mention is noise (the case is discarded)."""
    mentions.mark_as_noise(session, mention_id=mention_id, actor=user.principal.actor, scope=user.scope,
                           reason=reason.strip() or None)
    return RedirectResponse("/noise?ok=1", status_code=303)
