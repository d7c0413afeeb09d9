"""A stateful fake PDS (with AppView and chat proxy) speaking the documented XRPC shapes."""

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

ME_DID = "did:plc:marca123"
ME_HANDLE = "marca.bsky.social"
PASSWORD = "app-pass-1234"


def profile(did: str, handle: str, name: str, followers: int) -> dict[str, Any]:
    return {
        "did": did,
        "handle": handle,
        "displayName": name,
        "followersCount": followers,
        "followsCount": 3,
        "postsCount": 40,
        "avatar": "https://cdn.example/a.jpg",
        "labels": [],
    }


def xrpc_error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


@dataclass
class Window:
    """One rate limit as the reference PDS applies it with rate limits on (`@atproto/xrpc-server`
    HttpRateLimiter, seen against dev-env with ATP_RATE_LIMITS=1): every answer of a limited route
    carries RateLimit-Limit / -Remaining / -Reset (epoch seconds) / -Policy ("30;w=300"); past the
    budget the answer is 429 with the same headers, Retry-After in seconds and the body
    {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}."""

    points: int
    window_s: int
    used: int = 0
    started: float = 0.0

    def consume(self) -> tuple[bool, dict[str, str]]:
        now = time.time()
        if now >= self.started + self.window_s:
            self.started, self.used = now, 0
        self.used += 1
        allowed = self.used <= self.points
        ms_before_next = max(0.0, (self.started + self.window_s - now) * 1000)
        headers = {
            "RateLimit-Limit": str(self.points),
            "RateLimit-Reset": str(math.floor((now * 1000 + ms_before_next) / 1000)),
            "RateLimit-Remaining": str(max(0, self.points - self.used)),
            "RateLimit-Policy": f"{self.points};w={self.window_s}",
        }
        if not allowed:
            headers["Retry-After"] = str(math.ceil(ms_before_next / 1000))
        return allowed, headers


@dataclass
class FakeBluesky:
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    mutes: list[str] = field(default_factory=list)
    chat_logs: list[dict[str, Any]] = field(default_factory=list)
    chat_scope: bool = True
    # False: no chat service behind the PDS, as on a local dev-env network (chat.* answers 500).
    chat_service: bool = True
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    sessions_created: int = 0
    refreshes: int = 0
    valid_access: set[str] = field(default_factory=set)
    valid_refresh: set[str] = field(default_factory=set)
    # nsid -> its rate limit (the real createSession: 30 per 5 minutes per identifier and IP).
    limits: dict[str, Window] = field(default_factory=dict)
    _seq: Any = field(default_factory=lambda: itertools.count(1))
    _clock: Any = field(default_factory=lambda: itertools.count(0))

    def __post_init__(self) -> None:
        self.profiles[ME_DID] = profile(ME_DID, ME_HANDLE, "Marca", 9000)

    def _now(self) -> str:
        tick = next(self._clock)
        return f"2026-11-23T08:{tick // 60:02d}:{tick % 60:02d}.000Z"

    def add_post(
        self,
        did: str,
        text: str,
        *,
        reply_to: str | None = None,
        notify: str | None = "mention",
        likes: int = 0,
        reposts: int = 0,
        replies: int = 0,
    ) -> dict[str, Any]:
        rkey = f"3k{next(self._seq):011d}"
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        now = self._now()
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": now, "langs": ["es"]}
        if reply_to:
            parent = self.posts[reply_to]
            root = (parent["record"].get("reply") or {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
            record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
        author = self.profiles[did]
        post = {
            "uri": uri,
            "cid": f"bafy{rkey}",
            "indexedAt": now,
            "record": record,
            "author": {k: author[k] for k in ("did", "handle", "displayName", "avatar")},
            "likeCount": likes,
            "repostCount": reposts,
            "replyCount": replies,
            "quoteCount": 0,
            "labels": [],
        }
        self.posts[uri] = post
        if notify:
            self.notifications.insert(
                0,
                {
                    "uri": uri,
                    "cid": post["cid"],
                    "author": post["author"],
                    "reason": notify,
                    "record": record,
                    "isRead": False,
                    "indexedAt": now,
                    "labels": [],
                },
            )
        return post

    def expire_access(self) -> None:
        self.valid_access.clear()

    # --- XRPC -----------------------------------------------------------------------------------
    def _issue(self) -> dict[str, Any]:
        n = next(self._seq)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "handle": ME_HANDLE, "did": ME_DID, "active": True}

    async def xrpc(self, request: Request) -> Response:
        nsid = request.path_params["nsid"]
        self.requests.append((nsid, dict(request.headers)))
        if self.fail_next:
            status, headers, body = self.fail_next.pop(0)
            return JSONResponse(body, status_code=status, headers=headers)
        window = self.limits.get(nsid)
        if window is None:
            return await self._answer(request, nsid)
        allowed, limit_headers = window.consume()
        if not allowed:
            return JSONResponse({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                                status_code=429, headers=limit_headers)
        answer = await self._answer(request, nsid)
        answer.headers.update(limit_headers)
        return answer

    async def _answer(self, request: Request, nsid: str) -> Response:
        body = await request.json() if request.method == "POST" and await request.body() else {}
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if nsid == "com.atproto.server.createSession":
            if body.get("password") != PASSWORD:
                return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
            self.sessions_created += 1
            return JSONResponse(self._issue())
        if nsid == "com.atproto.server.refreshSession":
            if token not in self.valid_refresh:
                return xrpc_error(400, "ExpiredToken", "Token has expired")
            self.valid_refresh.discard(token)
            self.refreshes += 1
            return JSONResponse(self._issue())
        public = nsid == "app.bsky.actor.getProfiles"  # the AppView serves profiles without a session
        if token not in self.valid_access and not public:
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        handler = getattr(self, "h_" + nsid.replace(".", "_"), None)
        if handler is None:
            return xrpc_error(501, "MethodNotImplemented", f"{nsid} not implemented")
        if nsid.startswith("chat.") and request.headers.get("atproto-proxy") != "did:web:api.bsky.chat#bsky_chat":
            return xrpc_error(400, "InvalidRequest", "chat calls must be proxied")
        if nsid.startswith("chat.") and not self.chat_service:
            return xrpc_error(500, "InternalServerError", "Internal Server Error")
        result: Response = handler(request.query_params, body)
        return result

    def h_com_atproto_server_getSession(self, q: Any, body: Any) -> Response:
        return JSONResponse({"handle": ME_HANDLE, "did": ME_DID})

    def _page(self, items: list[dict[str, Any]], q: Any, key: str) -> Response:
        # Like the real AppView, the cursor is the sort timestamp of the last item returned,
        # so items arriving at the top do not shift the pages behind.
        limit = int(q.get("limit") or 50)
        if q.get("cursor"):
            items = [i for i in items if i["indexedAt"] < q["cursor"]]
        page = items[:limit]
        out: dict[str, Any] = {key: page}
        if len(items) > limit:
            out["cursor"] = page[-1]["indexedAt"]
        return JSONResponse(out)

    def h_app_bsky_notification_listNotifications(self, q: Any, body: Any) -> Response:
        # As on the real AppView: a muted account's notifications are no longer listed.
        shown = [n for n in self.notifications if (n.get("author") or {}).get("did") not in self.mutes]
        return self._page(shown, q, "notifications")

    def h_app_bsky_feed_searchPosts(self, q: Any, body: Any) -> Response:
        term = q.get("q", "").lower()
        hits = sorted(
            (p for p in self.posts.values() if term in p["record"]["text"].lower()),
            key=lambda p: p["indexedAt"],
            reverse=True,
        )
        return self._page(hits, q, "posts")

    def h_app_bsky_feed_getPosts(self, q: Any, body: Any) -> Response:
        uris = q.getlist("uris")
        if len(uris) > 25:
            return xrpc_error(400, "InvalidRequest", "too many uris")
        return JSONResponse({"posts": [self.posts[u] for u in uris if u in self.posts]})

    def h_app_bsky_actor_getProfiles(self, q: Any, body: Any) -> Response:
        return JSONResponse({"profiles": [self.profiles[d] for d in q.getlist("actors") if d in self.profiles]})

    def h_app_bsky_actor_getProfile(self, q: Any, body: Any) -> Response:
        found = self.profiles.get(q.get("actor", ""))
        return JSONResponse(found) if found else xrpc_error(400, "InvalidRequest", "Profile not found")

    def h_com_atproto_identity_resolveHandle(self, q: Any, body: Any) -> Response:
        for p in self.profiles.values():
            if p["handle"] == q.get("handle"):
                return JSONResponse({"did": p["did"]})
        return xrpc_error(400, "InvalidRequest", "Unable to resolve handle")

    def h_com_atproto_repo_createRecord(self, q: Any, body: Any) -> Response:
        if body.get("repo") != ME_DID:
            return xrpc_error(400, "InvalidRequest", "repo mismatch")
        rkey = body.get("rkey") or f"3l{next(self._seq):011d}"
        key = (body["collection"], rkey)
        if key in self.records:
            # What the reference PDS answers for a taken rkey (a unique-constraint failure inside it).
            return xrpc_error(500, "InternalServerError", "Internal Server Error")
        self.records[key] = body["record"]
        uri = f"at://{ME_DID}/{body['collection']}/{rkey}"
        if body["collection"] == "app.bsky.feed.post":
            self.posts[uri] = {
                "uri": uri,
                "cid": f"bafy{rkey}",
                "indexedAt": self._now(),
                "record": body["record"],
                "author": {"did": ME_DID, "handle": ME_HANDLE},
                "likeCount": 0,
                "repostCount": 0,
                "replyCount": 0,
            }
        return JSONResponse({"uri": uri, "cid": f"bafy{rkey}"})

    def h_com_atproto_repo_putRecord(self, q: Any, body: Any) -> Response:
        self.records[(body["collection"], body["rkey"])] = body["record"]
        return JSONResponse({"uri": f"at://{ME_DID}/{body['collection']}/{body['rkey']}", "cid": "bafyput"})

    def h_com_atproto_repo_getRecord(self, q: Any, body: Any) -> Response:
        key = (q.get("collection"), q.get("rkey"))
        if key not in self.records:
            return xrpc_error(400, "RecordNotFound", "Could not locate record")
        return JSONResponse({"uri": f"at://{ME_DID}/{key[0]}/{key[1]}", "cid": "bafyx", "value": self.records[key]})

    def h_chat_bsky_convo_getConvoForMembers(self, q: Any, body: Any) -> Response:
        members = q.getlist("members")
        return JSONResponse(
            {"convo": {"id": "convo-" + "-".join(members), "rev": "1", "members": [], "muted": False, "unreadCount": 0}}
        )

    def add_dm(self, sender: str, convo_id: str, text: str) -> dict[str, Any]:
        rev = f"{len(self.chat_logs) + 1:06d}"
        log = {
            "$type": "chat.bsky.convo.defs#logCreateMessage",
            "rev": rev,
            "convoId": convo_id,
            "message": {
                "$type": "chat.bsky.convo.defs#messageView",
                "id": f"msg-{rev}",
                "rev": rev,
                "text": text,
                "sender": {"did": sender},
                "sentAt": self._now(),
            },
        }
        self.chat_logs.append(log)
        return log

    def h_chat_bsky_convo_getLog(self, q: Any, body: Any) -> Response:
        if not self.chat_scope:
            return xrpc_error(401, "InvalidToken", "Bad token scope")
        after = q.get("cursor") or ""
        logs = [entry for entry in self.chat_logs if entry["rev"] > after][:50]
        return JSONResponse({"logs": logs, "cursor": logs[-1]["rev"] if logs else after})

    def h_chat_bsky_convo_sendMessage(self, q: Any, body: Any) -> Response:
        self.messages.append(body)
        return JSONResponse(
            {
                "id": f"msg{len(self.messages)}",
                "rev": "2",
                "text": body["message"]["text"],
                "sender": {"did": ME_DID},
                "sentAt": self._now(),
            }
        )

    def h_app_bsky_graph_muteActor(self, q: Any, body: Any) -> Response:
        self.mutes.append(body["actor"])
        return Response(status_code=200)

    def h_app_bsky_graph_unmuteActor(self, q: Any, body: Any) -> Response:
        self.mutes = [m for m in self.mutes if m != body["actor"]]
        return Response(status_code=200)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/xrpc/{nsid}", self.xrpc, methods=["GET", "POST"])])


def assert_atproto_rate_limited(status: int, headers: Any, body: Any, *, points: int, window_s: int) -> None:
    """The 429 of the reference PDS (checked against dev-env with ATP_RATE_LIMITS=1 and our fake)."""
    assert status == 429
    assert body == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert headers["ratelimit-limit"] == str(points)
    assert headers["ratelimit-remaining"] == "0"
    assert headers["ratelimit-policy"] == f"{points};w={window_s}"
    reset = int(headers["ratelimit-reset"])  # epoch seconds, not a delta
    assert time.time() - 2 <= reset <= time.time() + window_s + 2
    assert 0 < int(headers["retry-after"]) <= window_s
    assert abs(reset - time.time() - int(headers["retry-after"])) <= 2
