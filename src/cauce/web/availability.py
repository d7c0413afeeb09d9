"""The web server while its database is unreachable (issue #12).

`cauce serve` starts even when the database does not answer: the process is live (/healthz 200),
not ready (/readyz 503), and every other request gets a 503 with `Retry-After` — the API's one
error shape under /api and /webhooks, a Spanish page for people in the web app. A background task
checks the database with backoff (one log line when it starts waiting, one when it is back) and,
once the database answers and is migrated, the server serves normally, without a restart. The
same answer is given when the database goes away later (see `unavailable_response`).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time

from sqlalchemy.exc import DBAPIError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cauce.db import Database, DatabaseNotMigrated, Outage, database_unreachable, ensure_migrated

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
# Served whatever the database's state: liveness, readiness, the schema and the page's own styles.
ALWAYS_SERVED = ("/healthz", "/readyz", "/openapi.json", "/static/", "/favicon.ico")
JSON_PREFIXES = ("/api/", "/webhooks/")
MESSAGE = "La base de datos no responde; vuelva a intentarlo en unos segundos."

PAGE = """<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}">
<title>Cauce no está disponible por un momento</title>
<link rel="stylesheet" href="/static/cauce.css">
</head>
<body>
<main class="unavailable">
<h1>Cauce no está disponible por un momento</h1>
<p>{message}</p>
<p>No se ha perdido nada: lo que llegue de las redes se recoge cuando la base de datos vuelva.
Esta página se recarga sola cada {retry} segundos.</p>
<p>Si dura más de unos minutos, avise a quien administra Cauce: el registro del servidor dice desde cuándo
no responde la base de datos.</p>
</main>
</body>
</html>
"""


def wants_json(path: str) -> bool:
    return path.startswith(JSON_PREFIXES)


def unavailable_body(path: str, message: str = MESSAGE) -> tuple[bytes, str]:
    """(body, content type) of the 503 for `path`: the API's error shape, or the page for people."""
    if wants_json(path):
        body = {"error": {"code": "database_unavailable", "message": message}}
        return json.dumps(body, ensure_ascii=False).encode(), "application/json"
    return PAGE.format(retry=RETRY_AFTER_S, message=html.escape(message)).encode(), "text/html; charset=utf-8"


def unavailable_response(path: str, message: str = MESSAGE) -> Response:
    body, media = unavailable_body(path, message)
    return Response(body, status_code=503, media_type=media, headers={"Retry-After": str(RETRY_AFTER_S)})


class Availability:
    """Whether the database answered and is migrated; `wait_for_database` flips it when it does."""

    def __init__(self, ready: bool = True, message: str = MESSAGE) -> None:
        self.ready = ready
        self.message = message

    def check_at_start(self, db: Database) -> None:
        """`ensure_migrated`, but an unreachable database only marks the server not ready."""
        try:
            ensure_migrated(db)
        except DBAPIError as exc:
            if not database_unreachable(exc):
                raise
            self.ready = False
            cause = exc.orig if exc.orig is not None else exc
            log.warning("start-up: the database is unreachable (%s); serving 503 on every route but /healthz "
                        "and retrying with backoff", type(cause).__name__)

    async def wait_for_database(self, db: Database) -> None:
        outage = Outage("web server start-up", logger=log)
        outage.failures, outage.started = 1, time.monotonic()  # the start-up check already failed once
        said_not_migrated = False
        while not self.ready:
            await asyncio.sleep(outage.wait_s(0.5))
            try:
                await asyncio.to_thread(ensure_migrated, db)
            except DatabaseNotMigrated as exc:
                outage.failures += 1
                if not said_not_migrated:
                    log.error("%s", exc.message)
                    said_not_migrated = True
                self.message = "La base de datos responde pero no está actualizada; quien administra Cauce " \
                               "debe ejecutar `cauce db upgrade`."
                continue
            except Exception as exc:  # an outage (backoff) or a bug (logged with its traceback)
                outage.failed(exc)
                continue
            outage.succeeded()
            self.message = MESSAGE
            self.ready = True


class AvailabilityMiddleware:
    """Pure ASGI: while the database has not answered since start-up, everything but ALWAYS_SERVED is a 503."""

    def __init__(self, app: ASGIApp, availability: Availability) -> None:
        self.app = app
        self.availability = availability

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or self.availability.ready or path.startswith(ALWAYS_SERVED):
            await self.app(scope, receive, send)
            return
        body, media = unavailable_body(path, self.availability.message)
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(RETRY_AFTER_S).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
