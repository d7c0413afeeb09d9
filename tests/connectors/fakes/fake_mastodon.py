"""A stateful fake Mastodon server speaking the documented REST and streaming shapes."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from connectors.fakes.ratelimits import Windows, mastodon_limits, middleware

TOKEN = "fake-mastodon-token"


def rate_limited(seconds: float, *, limit: int = 300) -> tuple[int, dict[str, str], Any]:
    """A 429 the way Mastodon answers it (rack-attack's throttled responder, docs "Rate limits"): no
    Retry-After; X-RateLimit-Reset is an ISO 8601 instant; the body is {"error": "Too many requests"}."""
    reset = datetime.now(UTC) + timedelta(seconds=seconds)
    return 429, {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                 "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace("+00:00", "Z")}, \
        {"error": "Too many requests"}
HOST = "social.example"


def account(acct: str, *, id: str, name: str, followers: int) -> dict[str, Any]:
    username = acct.split("@")[0]
    return {
        "id": id,
        "username": username,
        "acct": acct,
        "display_name": name,
        "locked": False,
        "bot": False,
        "created_at": "2020-01-01T00:00:00.000Z",
        "note": "",
        "url": f"https://{HOST}/@{acct}",
        "avatar": "",
        "followers_count": followers,
        "following_count": 10,
        "statuses_count": 100,
    }


@dataclass
class FakeMastodon:
    me: dict[str, Any] = field(default_factory=lambda: account("marca", id="1", name="Marca Oficial", followers=5000))
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (action, account id, body)
    requests: list[str] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    muted_notifications: set[str] = field(default_factory=set)
    stream_events: list[Any] = field(default_factory=list)
    stream_subscriptions: list[dict[str, Any]] = field(default_factory=list)
    stream_connections: int = 0
    # rack-attack's throttle_per_token_api: 300 calls per 5 minutes, X-RateLimit-* on every answer.
    limits: Windows = field(default_factory=lambda: Windows(limit=300, period_s=300))
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    def add_status(
        self,
        author: dict[str, Any],
        html: str,
        *,
        in_reply_to_id: str | None = None,
        visibility: str = "public",
        likes: int = 0,
        reblogs: int = 0,
        replies: int = 0,
        notify: bool = True,
    ) -> dict[str, Any]:
        sid = str(next(self._ids))
        status = {
            "id": sid,
            "uri": f"https://{HOST}/users/{author['username']}/statuses/{sid}",
            "url": f"https://{HOST}/@{author['acct']}/{sid}",
            "created_at": "2026-11-23T08:00:00.000Z",
            "account": author,
            "content": html,
            "visibility": visibility,
            "sensitive": False,
            "spoiler_text": "",
            "in_reply_to_id": in_reply_to_id,
            "in_reply_to_account_id": None,
            "language": "es",
            "replies_count": replies,
            "reblogs_count": reblogs,
            "favourites_count": likes,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
        }
        self.statuses[sid] = status
        if notify:
            nid = str(next(self._ids))
            self.notifications.append(
                {
                    "id": nid,
                    "type": "mention",
                    "created_at": status["created_at"],
                    "account": author,
                    "status": status,
                }
            )
        return status

    # --- HTTP ----------------------------------------------------------------------------------
    def _guard(self, request: Request) -> Response | None:
        self.requests.append(f"{request.method} {request.url.path}")
        if self.fail_next:
            status, headers, body = self.fail_next.pop(0)
            return JSONResponse(body, status_code=status, headers=headers)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "The access token is invalid"}, status_code=401)
        return None

    async def verify(self, request: Request) -> Response:
        return self._guard(request) or JSONResponse(self.me)

    async def list_notifications(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        q = request.query_params
        types = q.getlist("types[]")
        limit = min(int(q.get("limit", 40)), 80)
        items = sorted((n for n in self.notifications if (not types or n["type"] in types)
                        and str((n.get("account") or {}).get("id")) not in self.muted_notifications),
                       key=lambda n: int(n["id"]))
        if q.get("min_id"):
            # min_id: the page immediately newer than the cursor (returned newest first).
            items = [n for n in items if int(n["id"]) > int(q["min_id"])][:limit]
        else:
            if q.get("since_id"):
                items = [n for n in items if int(n["id"]) > int(q["since_id"])]
            if q.get("max_id"):
                items = [n for n in items if int(n["id"]) < int(q["max_id"])]
            items = items[-limit:]
        items = list(reversed(items))
        headers = {}
        if items:
            base = f"{request.url.scheme}://{request.url.netloc}/api/v1/notifications"
            headers["Link"] = (
                f'<{base}?max_id={items[-1]["id"]}>; rel="next", <{base}?min_id={items[0]["id"]}>; rel="prev"'
            )
        return JSONResponse(items, headers=headers)

    async def search(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        q = request.query_params
        term = q.get("q", "").lower()
        limit = min(int(q.get("limit", 20)), 40)
        found = sorted((s for s in self.statuses.values() if term in s["content"].lower()), key=lambda s: int(s["id"]))
        after = int(q.get("min_id") or 0)
        found = [s for s in found if int(s["id"]) > after][:limit] if after else found[-limit:]
        return JSONResponse({"accounts": [], "statuses": list(reversed(found)), "hashtags": []})

    async def get_status(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        status = self.statuses.get(request.path_params["id"])
        return JSONResponse(status) if status else JSONResponse({"error": "Record not found"}, status_code=404)

    async def context(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        sid = request.path_params["id"]
        descendants = [s for s in self.statuses.values() if s["in_reply_to_id"] == sid]
        return JSONResponse({"ancestors": [], "descendants": descendants})

    async def post_status(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotency:
            return JSONResponse(self.idempotency[key])
        body = await request.json()
        if not body.get("status"):
            return JSONResponse({"error": "Validation failed: Text can't be blank"}, status_code=422)
        if body.get("in_reply_to_id") and body["in_reply_to_id"] not in self.statuses:
            return JSONResponse({"error": "Record not found"}, status_code=404)
        status = self.add_status(
            self.me,
            f"<p>{body['status']}</p>",
            in_reply_to_id=body.get("in_reply_to_id"),
            visibility=body.get("visibility", "public"),
            notify=False,
        )
        self.posted.append({"body": body, "idempotency_key": key, "status": status})
        if key:
            self.idempotency[key] = status
        return JSONResponse(status)

    async def account_action(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        action, account_id = request.path_params["action"], request.path_params["id"]
        body = await request.json() if await request.body() else {}
        self.muted_notifications.discard(account_id)
        if action == "mute" and body.get("notifications", True):  # the API's default hides notifications
            self.muted_notifications.add(account_id)
        self.actions.append((action, account_id, body))
        # A Relationship, as documented for POST /api/v1/accounts/:id/{block,mute,unmute}.
        return JSONResponse({"id": account_id, "following": False, "blocking": action == "block",
                             "muting": action == "mute",
                             "muting_notifications": account_id in self.muted_notifications})

    async def lookup(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        acct = request.query_params.get("acct", "")
        for status in self.statuses.values():
            if status["account"]["acct"] == acct:
                return JSONResponse(status["account"])
        return JSONResponse({"error": "Record not found"}, status_code=404)

    async def get_account(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        for status in self.statuses.values():
            if status["account"]["id"] == request.path_params["id"]:
                return JSONResponse(status["account"])
        return JSONResponse({"error": "Record not found"}, status_code=404)

    async def streaming(self, websocket: WebSocket) -> None:
        if websocket.headers.get("authorization") != f"Bearer {TOKEN}":
            await websocket.close(code=1008)
            return
        await websocket.accept()
        try:
            while True:
                try:
                    msg = await asyncio.wait_for(websocket.receive_text(), timeout=0.05)
                    self.stream_subscriptions.append(json.loads(msg))
                except TimeoutError:
                    pass
                while self.stream_events:
                    event = self.stream_events.pop(0)
                    if event == "CLOSE":  # drop the connection, as a restarting server would
                        self.stream_connections += 1
                        await websocket.close()
                        return
                    await websocket.send_text(json.dumps(event))
        except Exception:  # client went away
            return

    def app(self) -> Starlette:
        return Starlette(
            middleware=[middleware(mastodon_limits(self.limits))],
            routes=[
                Route("/api/v1/accounts/verify_credentials", self.verify),
                Route("/api/v1/accounts/lookup", self.lookup),
                Route("/api/v1/accounts/{id}", self.get_account),
                Route("/api/v1/notifications", self.list_notifications),
                Route("/api/v2/search", self.search),
                Route("/api/v1/statuses", self.post_status, methods=["POST"]),
                Route("/api/v1/statuses/{id}", self.get_status),
                Route("/api/v1/statuses/{id}/context", self.context),
                Route("/api/v1/accounts/{id}/{action:str}", self.account_action, methods=["POST"]),
                WebSocketRoute("/api/v1/streaming", self.streaming),
            ]
        )
