"""A fake Telegram Bot API: getUpdates with offset confirmation, sendMessage, moderation calls."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.fakes.ratelimits import Windows

TOKEN = "123456:ABC-fake-bot-token"
BOT = {"id": 999, "is_bot": True, "first_name": "Marca Soporte", "username": "MarcaSoporteBot"}
GROUP = {"id": -100123, "title": "Clientes MoviPlus", "type": "supergroup", "username": "clientesmovi"}


def user(uid: int, first: str, username: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first, "language_code": "es"}
    if username:
        out["username"] = username
    return out


@dataclass
class FakeTelegram:
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Flood control per chat (Bot API FAQ: ~20 messages a minute in a group). Past it: HTTP 429,
    # {"ok": false, "error_code": 429, "description": "Too Many Requests: retry after N",
    #  "parameters": {"retry_after": N}}; no rate-limit headers on any answer.
    per_chat: Windows = field(default_factory=lambda: Windows(limit=20, period_s=60))
    _update_ids: Any = field(default_factory=lambda: itertools.count(5000))
    _message_ids: Any = field(default_factory=lambda: itertools.count(10))

    def add_message(
        self,
        chat: dict[str, Any],
        sender: dict[str, Any],
        text: str,
        *,
        reply_to: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": sender,
            "chat": chat,
            "date": 1763884800,
            "text": text,
        }
        if reply_to:
            message["reply_to_message"] = reply_to
        if entities:
            message["entities"] = entities
        self.updates.append({"update_id": next(self._update_ids), "message": message})
        return message

    async def method(self, request: Request) -> Response:
        if request.path_params["token"] != TOKEN:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        name = request.path_params["method"]
        body = await request.json() if await request.body() else {}
        self.calls.append((name, body))
        if self.fail_next:
            status, payload = self.fail_next.pop(0)
            return JSONResponse(payload, status_code=status)
        if name == "getMe":
            return JSONResponse({"ok": True, "result": BOT})
        if name == "getUpdates":
            offset = int(body.get("offset") or 0)
            # Requesting an offset confirms (forgets) every earlier update, as the real API does.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return JSONResponse({"ok": True, "result": self.updates[: int(body.get("limit") or 100)]})
        if name == "sendMessage":
            left, reset = self.per_chat.hit(str(body.get("chat_id")))
            if left < 0:
                wait = max(1, math.ceil(reset - time.time()))
                return JSONResponse({"ok": False, "error_code": 429,
                                     "description": f"Too Many Requests: retry after {wait}",
                                     "parameters": {"retry_after": wait}}, status_code=429)
            if not str(body.get("text") or "").strip():
                return JSONResponse(
                    {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
                    status_code=400,
                )
            if body["chat_id"] == 4040:
                return JSONResponse(
                    {
                        "ok": False,
                        "error_code": 403,
                        "description": "Forbidden: bot can't initiate conversation with a user",
                    },
                    status_code=403,
                )
            chat = GROUP if body["chat_id"] == GROUP["id"] else {"id": body["chat_id"], "type": "private"}
            message = {
                "message_id": next(self._message_ids),
                "from": BOT,
                "chat": chat,
                "date": 1763884900,
                "text": body["text"],
            }
            self.sent.append(body)
            return JSONResponse({"ok": True, "result": message})
        if name in ("banChatMember", "restrictChatMember"):
            return JSONResponse({"ok": True, "result": True})
        return JSONResponse(
            {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, status_code=404
        )

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/bot{token}/{method}", self.method, methods=["GET", "POST"])])
