"""The team's tools around the inbox: bulk actions on selected cases, each user's saved views, and the
brand's saved replies (macros): their settings page and the composer's picker.

A refused form (InvalidInput, Conflict) re-renders the same page with the message beside the form and
what the user typed in place (422); the write session is rolled back first so nothing half-saved stays.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from cauce.app_deps.openapi import PathId
from cauce.cases import bulk, saved_views
from cauce.cases import service as cases
from cauce.errors import Conflict, Forbidden, InvalidInput
from cauce.macros import service as macros
from cauce.web.inbox_pages import FILTER_KEYS, render_inbox
from cauce.web.rendering import render
from cauce.web.session import Asker, Editor, ReadSession, Viewer, WebUser, WriteSession

router = APIRouter()

REFUSED = (InvalidInput, Conflict)
MAX_FIELD = 5_000


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _opt_int(form: FormData, key: str) -> int | None:
    raw = _text(form, key).strip()
    if not raw:
        return None
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInput("Un valor del formulario no es un número.") from None
    if not 0 < number < 2**31:
        raise InvalidInput("Un valor del formulario está fuera de rango.")
    return number


def _user_id(user: WebUser) -> int:
    if user.principal.user_id is None:
        raise Forbidden("Solo un usuario con sesión tiene vistas guardadas.")
    return user.principal.user_id


# --- bulk actions ---------------------------------------------------------------------------------

@router.post("/inbox/bulk")
async def bulk_action(request: Request, session: WriteSession, user: Editor) -> Response:
    """Apply one action to the selected cases and show the inbox again with what happened to each."""
    form = await request.form()
    raw_ids = [v for v in form.getlist("case_ids") if isinstance(v, str)][:bulk.MAX_CASES + 1]
    values = {k: _text(form, k) for k in ("action", "user_id", "area_id", "tag", "outcome", "reason")}
    try:
        ids: list[int] = []
        for raw in raw_ids:
            try:
                ids.append(int(raw))
            except ValueError:
                raise InvalidInput("La selección de casos no es válida.") from None
        result = bulk.apply(session, action=values["action"], case_ids=ids, actor=user.principal.actor,
                            scope=user.scope, user_id=_opt_int(form, "user_id"), area_id=_opt_int(form, "area_id"),
                            tag=values["tag"], outcome=values["outcome"] or None, reason=values["reason"])
    except REFUSED as exc:
        session.rollback()
        checked = {i for i in (_safe_int(r) for r in raw_ids) if i is not None}
        return render_inbox(request, session, user, status_code=422, extra={
            "errors": {"bulk": exc.message}, "values": {"bulk": values}, "bulk_checked": checked})
    return render_inbox(request, session, user, extra={
        "bulk_result": result, "values": {"bulk": values}, "bulk_checked": set(result.refused)})


def _safe_int(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


# --- saved views ----------------------------------------------------------------------------------

def _back_to(filters: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in filters.items() if k in FILTER_KEYS and v})
    return "/inbox" + (f"?{query}" if query else "")


@router.post("/inbox/views")
async def save_view(request: Request, session: WriteSession, user: Editor) -> Response:
    form = await request.form()
    filters = {k: _text(form, k) for k in FILTER_KEYS if _text(form, k)}
    try:
        view = saved_views.save(session, user_id=_user_id(user), name=_text(form, "name"), filters=filters,
                                allowed=FILTER_KEYS)
    except REFUSED as exc:
        session.rollback()
        return render_inbox(request, session, user, status_code=422, extra={
            "errors": {"view_new": exc.message}, "values": {"view_new": {"name": _text(form, "name")}}})
    return RedirectResponse(_back_to(view.filters) + ("&" if view.filters else "?") + f"view={view.id}",
                            status_code=303)


@router.post("/inbox/views/{view_id}/rename")
async def rename_view(view_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    form = await request.form()
    try:
        view = saved_views.rename(session, view_id=view_id, user_id=_user_id(user), name=_text(form, "name"))
    except REFUSED as exc:
        session.rollback()
        key = f"view_{view_id}"
        return render_inbox(request, session, user, status_code=422, extra={
            "errors": {key: exc.message}, "values": {key: {"name": _text(form, "name")}}})
    return RedirectResponse(_back_to(view.filters), status_code=303)


@router.post("/inbox/views/{view_id}/delete")
async def delete_view(view_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    saved_views.delete(session, view_id=view_id, user_id=_user_id(user))
    return RedirectResponse("/inbox", status_code=303)


# --- macros: settings -----------------------------------------------------------------------------

def _require_supervisor(user: WebUser) -> None:
    if not user.is_supervisor:
        raise Forbidden("Las respuestas guardadas las editan supervisores y administradores.")


def _macros_page(request: Request, session: Any, user: WebUser, *, errors: dict[str, str] | None = None,
                 values: dict[str, dict[str, str]] | None = None, status_code: int = 200) -> Response:
    return render(request, "macros.html", {
        "macros": macros.list_macros(session, brand_ids=user.principal.brand_ids),
        "brand_names": {b.id: b.name for b in user.brands}, "placeholders": macros.PLACEHOLDERS,
        "errors": errors or {}, "values": values or {}, "saved": request.query_params.get("ok") == "1",
    }, status_code=status_code)


@router.get("/settings/macros")
def macros_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_supervisor(user)
    return _macros_page(request, session, user)


@router.post("/settings/macros")
async def create_macro(request: Request, session: WriteSession, user: Editor) -> Response:
    _require_supervisor(user)
    form = await request.form()
    values = {k: _text(form, k) for k in ("brand_id", "title", "text")}
    try:
        brand_id = _opt_int(form, "brand_id")
        if brand_id is None:
            raise InvalidInput("Elija la marca.")
        macros.create(session, brand_id=brand_id, title=values["title"], text=values["text"],
                      actor=user.principal.actor, user_id=user.principal.user_id, brand_ids=user.principal.brand_ids,
                      is_supervisor=user.is_supervisor)
    except REFUSED as exc:
        session.rollback()
        return _macros_page(request, session, user, errors={"new": exc.message}, values={"new": values},
                            status_code=422)
    return RedirectResponse("/settings/macros?ok=1", status_code=303)


@router.post("/settings/macros/{macro_id}")
async def update_macro(macro_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_supervisor(user)
    form = await request.form()
    values = {k: _text(form, k) for k in ("title", "text")}
    try:
        macros.update(session, macro_id=macro_id, title=values["title"], text=values["text"],
                      actor=user.principal.actor, brand_ids=user.principal.brand_ids, is_supervisor=user.is_supervisor)
    except REFUSED as exc:
        session.rollback()
        key = f"m{macro_id}"
        return _macros_page(request, session, user, errors={key: exc.message}, values={key: values},
                            status_code=422)
    return RedirectResponse("/settings/macros?ok=1", status_code=303)


@router.post("/settings/macros/{macro_id}/delete")
async def delete_macro(macro_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_supervisor(user)
    macros.delete(session, macro_id=macro_id, actor=user.principal.actor, brand_ids=user.principal.brand_ids,
                  is_supervisor=user.is_supervisor)
    return RedirectResponse("/settings/macros?ok=1", status_code=303)


# --- macros: the composer's picker ----------------------------------------------------------------

@router.post("/cases/{case_id}/composer/macro")
async def insert_macro(case_id: PathId, request: Request, session: ReadSession, user: Asker) -> Response:
    """The chosen saved reply, filled in for this case, into the reply box; the box re-runs the tone
    check as soon as it loads, exactly as for a playbook draft."""
    form = await request.form()
    case = cases.get(session, case_id=case_id, scope=user.scope)
    macro_id = _opt_int(form, "macro_id")
    if macro_id is None:
        raise InvalidInput("Elija una respuesta guardada.")
    text = macros.fill_for_case(session, macro_id=macro_id, case=case, brand_ids=user.principal.brand_ids,
                                agent_name=user.principal.first_name or user.principal.name)
    return render(request, "_reply_textarea.html", {"case_id": case.id, "text": text, "intent": None,
                                                    "draft_visibility": None, "warnings": []})
