"""Request body caps enforced while the body streams in, before any handler buffers it.

A declared Content-Length over the cap is refused before a byte is read; a chunked body (no
length) is counted as it arrives and refused as soon as it passes the cap, so a 300 MB upload
costs at most the cap in memory, on any route, authenticated or not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MB = 1_000_000
DEFAULT_CAP = 1 * MB  # JSON API and web forms
# Longest prefix wins. Mention batches hold up to 1000 mentions; webhooks match the connectors'
# own cap (cauce.connectors.api.MAX_WEBHOOK_BYTES); imports are spreadsheets teams already keep.
ROUTE_CAPS: tuple[tuple[str, int], ...] = (
    ("/api/v1/mentions", 16 * MB),
    ("/api/v1/import", 50 * MB),
    ("/import", 50 * MB),
    ("/webhooks/", 5 * MB),
)


def cap_for(path: str, caps: Sequence[tuple[str, int]] = ROUTE_CAPS, default: int = DEFAULT_CAP) -> int:
    best, best_len = default, -1
    for prefix, cap in caps:
        if path.startswith(prefix) and len(prefix) > best_len:
            best, best_len = cap, len(prefix)
    return best


def _message(cap: int) -> str:
    size = f"{cap / MB:g} MB" if cap >= MB else f"{cap // 1000} KB"
    return f"El cuerpo de la solicitud supera el máximo de {size} para esta ruta."


class BodyLimitMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it must see `receive` itself to count streamed bytes."""

    def __init__(self, app: ASGIApp, caps: Sequence[tuple[str, int]] = ROUTE_CAPS,
                 default: int = DEFAULT_CAP) -> None:
        self.app = app
        self.caps = tuple(caps)
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = cap_for(scope.get("path", ""), self.caps, self.default)
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _refuse(send, cap)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    # Raised inside the handler's body read: FastAPI and Starlette pass an
                    # HTTPException through, and the app's handler renders the usual error body.
                    raise HTTPException(413, _message(cap))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as exc:  # raised outside any handler that renders it
            if exc.status_code != 413 or started:
                raise
            await _refuse(send, cap)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, cap: int) -> None:
    body = json.dumps({"error": {"code": "payload_too_large", "message": _message(cap)}},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
