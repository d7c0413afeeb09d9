"""Notifications in the app: the bell in the header (a fragment the page refreshes every 30 s and
whenever the live inbox reports a change), the list, mark read / all read, and the preferences."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cauce import vocabulary as labels
from cauce.notifications import service as notifications
from cauce.web.rendering import render
from cauce.web.session import Editor, ReadSession, Viewer, WriteSession

router = APIRouter()

PAGE_SIZE = 30


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


@router.get("/notifications")
def notifications_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    p = user.principal
    page = _page(request.query_params.get("page"))
    unread_only = request.query_params.get("unread") == "1"
    rows = notifications.list_for(session, user_id=p.user_id, brand_ids=p.brand_ids, unread_only=unread_only,
                                  limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render(request, "notifications.html", {
        "rows": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "page": page, "unread_only": unread_only,
        "unread": notifications.unread_count(session, user_id=p.user_id, brand_ids=p.brand_ids),
        "kinds": labels.NOTIFICATION_KINDS, "brand_names": {b.id: b.name for b in user.brands},
        "saved": request.query_params.get("ok") == "1"})


@router.get("/notifications/bell")
def bell(request: Request, session: ReadSession, user: Viewer) -> Response:
    p = user.principal
    count = notifications.unread_count(session, user_id=p.user_id, brand_ids=p.brand_ids)
    return render(request, "_bell.html", {"unread": count}, headers={"Cache-Control": "no-store"})


def _back(request: Request) -> str:
    target = request.headers.get("referer") or ""
    path = target.split("://", 1)[-1].split("/", 1)[-1] if "://" in target else ""
    return "/" + path if path.startswith("notifications") else "/notifications"


@router.post("/notifications/read-all")
def read_all(session: WriteSession, user: Editor) -> Response:
    notifications.mark_all_read(session, user_id=user.principal.user_id, brand_ids=user.principal.brand_ids)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/read")
def read_one(notification_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    row = notifications.mark_read(session, notification_id=notification_id, user_id=user.principal.user_id,
                                  brand_ids=user.principal.brand_ids)
    # "Abrir" marks it read and goes where it points; "Marcar como leído" stays on the list.
    form_target = request.query_params.get("open") == "1" and row.link and row.link.startswith("/")
    return RedirectResponse(row.link if form_target and row.link else _back(request), status_code=303)


@router.get("/notifications/settings")
def settings_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    prefs = notifications.preferences_of(session, user_id=user.principal.user_id)
    visible = {k: v for k, v in labels.NOTIFICATION_KINDS.items() if k != "appeal" or user.is_supervisor}
    return render(request, "notification_settings.html", {"prefs": prefs, "kinds": visible,
                                                          "email": user.principal.email})


@router.post("/notifications/settings")
async def save_settings(request: Request, session: WriteSession, user: Editor) -> Response:
    form = await request.form()
    choices = {kind: (form.get(f"{kind}.in_app") == "1", form.get(f"{kind}.email") == "1")
               for kind in labels.NOTIFICATION_KINDS if form.get(f"{kind}.shown") == "1"}
    notifications.set_preferences(session, user_id=user.principal.user_id, choices=choices)
    return RedirectResponse("/notifications?ok=1", status_code=303)
