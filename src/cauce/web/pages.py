"""The agent web app: server-rendered pages (Jinja2) + htmx fragments + Server-Sent Events.

`create_app` calls `install(app)` when this module exists. How the pieces fit, for anyone
adding screens (the dashboard and settings build on this):

* **Routers.** Each screen is a module with an `APIRouter` named `router` (see `auth_pages`,
  `inbox_pages`, `case_pages`, `composer_pages`, `moderation_pages`); add yours to
  `PAGE_ROUTERS` below, or call `app.include_router(...)` from your own feature's `install`.
  Page paths live at the root (`/inbox`, `/cases/{id}`…); the JSON API stays under `/api/v1`.
* **Who is signed in.** Take `user: Viewer` on GET routes and `user: Editor` on writes
  (`cauce.web.session`): both resolve the `cauce_session` cookie and redirect to /login when
  missing; `Editor` also checks the CSRF token. Use `user.scope` with the services
  (`cases.service.get(..., scope=user.scope)`) so another brand's data is a 404.
  Read with `ReadSession` (never blocks behind writers on SQLite), write with `WriteSession`.
* **Rendering.** `render(request, "your/template.html", {...})` (`cauce.web.rendering`) gives
  the template `_` (gettext for the request's language), `user`, `csrf_token`, `now` and the
  filters `duration`, `compact`, `local`, `iso`, `first_line`. Templates extend `base.html`
  and fill `{% block title %}`, `{% block content %}` and optionally `{% block scripts %}`
  (add `<script src="/static/…" defer>` tags there — inline scripts are refused by the CSP).
  Mark every user-facing string `{{ _("Texto en español") }}` and add its English to
  `i18n/en/LC_MESSAGES/messages.po`; `i18n.source_messages("yourfolder/**.html")` lists your
  strings, so a test can check they are all translated (see tests/web/test_pages_i18n.py).
* **Writes from the browser.** Use htmx (`hx-post`); `static/cauce.js` adds the CSRF header
  to every htmx request. Errors (any `CauceError`) come back as a Spanish message that
  cauce.js shows in the flash area; answer success with `flash_headers("Hecho.")`
  (`HX-Trigger`) and the fragment to swap.
* **Static files.** Ours in `static/` at `/static/…`; npm packages from `node_modules`
  (installed by `scripts/bootstrap.sh`) at `/static/vendor/<name>`: see `vendor.VENDOR_FILES`.
"""

from __future__ import annotations

import inspect
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from cauce.errors import CauceError, NotFound
from cauce.web.live import CaseBroadcaster
from cauce.web.presence import PresenceBoard
from cauce.web.rendering import render
from cauce.web.security import LoginLimiter, install_headers, parse_trusted_proxies
from cauce.web.session import LoginRequired
from cauce.web.vendor import vendor_path, vendor_ready

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/webhooks/")


def flash_headers(message: str, level: str = "ok") -> dict[str, str]:
    """An htmx response header that makes cauce.js show a flash message (ASCII-safe JSON)."""
    return {"HX-Trigger": json.dumps({"cauce-flash": {"message": message, "level": level}})}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES)


def _json_error(exc: CauceError) -> JSONResponse:
    from cauce.web.app import error_body

    return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status_code)


def _html_error(request: Request, status: int, message: str) -> Response:
    if request.headers.get("hx-request"):
        return render(request, "_flash.html", {"message": message, "level": "error"}, status_code=status)
    user = getattr(request.state, "web_user", None)
    if user is not None:
        # The request's session has ended (its rows are expired): reload the brands the layout lists.
        from dataclasses import replace

        from cauce.brands import service as brands

        with request.app.state.db.read_session() as session:
            request.state.web_user = replace(user, brands=tuple(
                brands.list_brands(session, brand_ids=user.principal.brand_ids)))
            return render(request, "error.html", {"status": status, "message": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def _install_error_pages(app: FastAPI) -> None:
    """API paths keep their JSON errors; pages get a Spanish HTML page or an htmx flash."""
    previous_http = app.exception_handlers.get(StarletteHTTPException)
    previous_validation = app.exception_handlers.get(RequestValidationError)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request) and previous_validation is not None:
            result = previous_validation(request, exc)
            return await result if inspect.isawaitable(result) else result
        fields = ", ".join(str(e.get("loc", ("?",))[-1]) for e in exc.errors())
        return _html_error(request, 422, f"Revise el formulario: hay valores inválidos ({fields}).")

    @app.exception_handler(CauceError)
    async def _cauce_error(request: Request, exc: CauceError) -> Response:
        if _is_api(request):
            return _json_error(exc)
        if isinstance(exc, LoginRequired):
            target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        return _html_error(request, exc.status_code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) and previous_http is not None:
            result = previous_http(request, exc)
            return await result if inspect.isawaitable(result) else result
        message = "No encontramos esa página." if exc.status_code == 404 else str(exc.detail)
        response = _html_error(request, exc.status_code, message)
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response


def _install_static(app: FastAPI) -> None:
    @app.get("/static/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> FileResponse:
        path = vendor_path(name)
        if path is None or not path.is_file():
            raise NotFound(f"Falta el archivo {name}: ejecute scripts/bootstrap.sh (npm ci).")
        return FileResponse(path, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def install(app: FastAPI) -> None:
    from cauce.web import (
        activity_pages,
        auth_pages,
        case_pages,
        composer_pages,
        corrections_pages,
        dashboard_pages,
        inbox_pages,
        moderation_pages,
        noise_pages,
        notification_pages,
        person_pages,
        search_pages,
        settings_forms,
        settings_pages,
        survey_pages,
        teamwork_pages,
    )

    app.state.broadcaster = CaseBroadcaster(app.state.db)
    app.state.presence = PresenceBoard()
    app.state.login_limiter = LoginLimiter()
    parse_trusted_proxies(app.state.settings.trusted_proxies)  # a typo fails at start, not per request
    install_headers(app)
    _install_error_pages(app)
    for module in (auth_pages, inbox_pages, case_pages, composer_pages, moderation_pages, person_pages,
                   search_pages, dashboard_pages, settings_pages, settings_forms, corrections_pages, noise_pages,
                   survey_pages, teamwork_pages, notification_pages, activity_pages):
        app.include_router(module.router, include_in_schema=False)
    _install_static(app)
    if not vendor_ready():
        log.warning("node_modules/htmx.org is missing: run scripts/bootstrap.sh (npm ci) for the web app")


def app_state(request: Request, name: str) -> Any:
    return getattr(request.app.state, name)
