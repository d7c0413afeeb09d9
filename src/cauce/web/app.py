"""The FastAPI application: API under /api/v1, health, and (when present) the web pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cauce import __version__, logsafety
from cauce.apimodel import StrictOut
from cauce.app_deps.openapi import ERROR_RESPONSES
from cauce.config import Settings, get_settings
from cauce.db import Database, database_unreachable, ping
from cauce.errors import CauceError
from cauce.web.availability import Availability, AvailabilityMiddleware, unavailable_response
from cauce.web.limits import BodyLimitMiddleware

log = logging.getLogger(__name__)
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


class HealthOut(StrictOut):
    status: str
    version: str


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return body


def create_app(settings: Settings | None = None, *, db: Database | None = None, run_scheduler: bool = True,
               check_migrations: bool = True) -> FastAPI:
    settings = settings or get_settings()
    logsafety.install()
    db = db or Database(settings.database_url)
    availability = Availability()
    if check_migrations:
        availability.check_at_start(db)  # an unreachable database: 503s until it answers (web.availability)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = []
        executor = None
        if run_scheduler:
            # The background jobs of the roles in CAUCE_JOBS, in this process (cauce.runtime).
            from cauce.runtime import local_executor

            executor = local_executor(db, settings, web=True)
            if executor.roles:
                executor.start()
            app.state.executor = executor
        if not availability.ready:
            tasks.append(asyncio.create_task(availability.wait_for_database(db)))
        for hook in app.state.startup_hooks:
            tasks.append(asyncio.create_task(hook(app)))
        yield
        for task in tasks:
            task.cancel()
        if executor is not None and executor.roles:
            await asyncio.to_thread(executor.stop)

    app = FastAPI(title="Cauce API", version=__version__, openapi_url="/openapi.json", docs_url="/api/docs",
                  redoc_url=None, lifespan=lifespan, responses=ERROR_RESPONSES)
    app.state.db = db
    app.state.settings = settings
    app.state.run_scheduler = run_scheduler  # False: no background jobs in this app (tests)
    app.state.executor = None
    app.state.startup_hooks = []
    app.state.availability = availability
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(AvailabilityMiddleware, availability=availability)
    from cauce.web import ops

    ops.install(app)  # /metrics

    @app.exception_handler(CauceError)
    async def _cauce_error(_: Request, exc: CauceError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse(error_body("invalid_input", "La solicitud no es válida.", details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        # exc.headers carries `Allow` on a 405 (RFC 9110 requires it).
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DataError)
    async def _data_error(_: Request, exc: DataError) -> JSONResponse:
        # Last line of defence: a value the schema let through but the database refuses
        # (out of integer range, NUL in text on PostgreSQL) is the client's input, not a crash.
        log.warning("database refused a value: %s", exc.orig)
        return JSONResponse(error_body("invalid_input", "Un valor está fuera de rango o contiene caracteres no "
                                       "permitidos."), status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return JSONResponse(error_body("conflict", "La solicitud hace referencia a algo que no existe o ya existe."),
                            status_code=409)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:  # SQLite: int over 64 bits
        return JSONResponse(error_body("invalid_input", "Un número está fuera de rango."), status_code=422)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        if not database_unreachable(exc):
            raise exc  # a real bug: the server's 500 (parameters are hidden, see db.make_engine)
        log.warning("database unreachable during %s %s: %s", request.method, request.url.path,
                    type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
        return unavailable_response(request.url.path)  # JSON under /api, a Spanish page in the web app

    @app.get("/healthz", tags=["health"], response_model=HealthOut)
    def healthz() -> dict[str, str]:
        """Liveness: the process runs and answers (the database is /readyz's business)."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "The database is unreachable"}})
    def readyz() -> JSONResponse:
        """Readiness: 200 when the database answers, 503 while it does not."""
        if availability.ready and ping(db):
            return JSONResponse({"status": "ready", "version": __version__})
        return JSONResponse({"status": "unavailable", "version": __version__,
                             "error": {"code": "database_unavailable", "message": availability.message}},
                            status_code=503, headers={"Retry-After": "5"})

    from cauce.auth.api import router as auth_router
    from cauce.brands.api import router as brands_router
    from cauce.cases.api import bulk_router as cases_bulk_router
    from cauce.cases.api import router as cases_router
    from cauce.mentions.api import router as mentions_router
    from cauce.people.api import router as people_router
    from cauce.search.api import router as search_router

    for router in (mentions_router, cases_router, cases_bulk_router, people_router, auth_router, brands_router,
                   search_router):
        app.include_router(router, prefix="/api/v1")
    _include_optional(app)
    # Last, so outermost: the request id is bound around every other middleware (security headers,
    # the availability check's 503s) and around uvicorn's access log line.
    ops.install_request_context(app)
    return app


def _include_optional(app: FastAPI) -> None:
    """Features that plug in routes of their own (web pages, playbook, connectors) when present."""
    import importlib

    for module_name in ("cauce.replies.api", "cauce.playbook.api", "cauce.connectors.api",
                        "cauce.reports.api", "cauce.corrections.api", "cauce.macros.api", "cauce.notifications.api",
                        "cauce.web.pages"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.install(app)
