"""A fake X API v2 with the documented response envelopes (data / includes / meta / errors)."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.fakes.ratelimits import Windows, middleware, x_limits

TOKEN = "x-user-token"
ME = "2244994945"


def too_many_requests(seconds: int, *, limit: int = 450) -> tuple[int, dict[str, str], Any]:
    """A 429 as X API v2 documents it: x-rate-limit-* headers (reset in epoch seconds) and an RFC 7807
    problem body; no Retry-After."""
    reset = int(time.time()) + seconds
    return 429, {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}, \
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}


@dataclass
class FakeX:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    mentions_of_me: set[str] = field(default_factory=set)
    posted: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    reads: int = 0
    fail_next: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    # Per endpoint and user, 15-minute windows; x-rate-limit-* on every answer.
    limits: dict[str, Windows] = field(default_factory=dict)
    default_limit: Windows = field(default_factory=lambda: Windows(limit=900, period_s=900))
    _ids: Any = field(default_factory=lambda: itertools.count(1_800_000_000_000_000_000))

    def add_user(self, uid: str, username: str, name: str, followers: int) -> None:
        self.users[uid] = {
            "id": uid,
            "username": username,
            "name": name,
            "verified": False,
            "public_metrics": {"followers_count": followers, "following_count": 5, "tweet_count": 9},
        }

    def add_tweet(
        self, author: str, text: str, *, mention: bool = True, reply_to: str | None = None, likes: int = 0
    ) -> dict[str, Any]:
        tid = str(next(self._ids))
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "author_id": author,
            "created_at": "2026-11-23T08:00:00.000Z",
            "conversation_id": tid,
            "lang": "es",
            "edit_history_tweet_ids": [tid],
            "public_metrics": {
                "retweet_count": 1,
                "reply_count": 2,
                "like_count": likes,
                "quote_count": 1,
                "bookmark_count": 0,
                "impression_count": 50,
            },
        }
        if reply_to:
            parent = next(t for t in self.tweets if t["id"] == reply_to)
            tweet["conversation_id"] = parent["conversation_id"]
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
            tweet["in_reply_to_user_id"] = parent["author_id"]
        self.tweets.append(tweet)
        if mention:
            self.mentions_of_me.add(tid)
        return tweet

    def _page(self, request: Request, pool: list[dict[str, Any]], token_param: str) -> Response:
        q = request.query_params
        assert "author_id" in q.get("expansions", "")
        limit = int(q.get("max_results", 10))
        if not 5 <= limit <= 100:
            return JSONResponse(
                {"errors": [{"message": "max_results out of range"}], "title": "Invalid Request"}, status_code=400
            )
        items = sorted(pool, key=lambda t: int(t["id"]), reverse=True)
        if q.get("since_id"):
            items = [t for t in items if int(t["id"]) > int(q["since_id"])]
        if q.get(token_param):
            items = [t for t in items if int(t["id"]) < int(q[token_param].removeprefix("t"))]
        page = items[:limit]
        self.reads += len(page)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if len(items) > limit:
            meta["next_token"] = "t" + page[-1]["id"]
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {"users": [self.users[a] for a in {t["author_id"] for t in page} if a in self.users]}
        return JSONResponse(body)

    async def handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        body = await request.json() if await request.body() else None
        self.calls.append((request.method, path, body))
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse(
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
                status_code=401,
            )
        if self.fail_next:
            status, headers, payload = self.fail_next.pop(0)
            return JSONResponse(payload, status_code=status, headers=headers)
        if request.method == "GET" and path == f"/2/users/{ME}/mentions":
            return self._page(request, [t for t in self.tweets if t["id"] in self.mentions_of_me], "pagination_token")
        if (
            request.method == "GET"
            and path == "/2/tweets/search/recent"
            and "in_reply_to_tweet_id:" in request.query_params["query"]
        ):
            target = re.search(r"in_reply_to_tweet_id:(\d+)", request.query_params["query"]).group(1)  # type: ignore[union-attr]
            author = re.search(r"from:(\d+)", request.query_params["query"]).group(1)  # type: ignore[union-attr]
            hits = [
                t
                for t in self.tweets
                if t["author_id"] == author and {"type": "replied_to", "id": target} in t.get("referenced_tweets", [])
            ]
            self.reads += len(hits)
            return JSONResponse(
                {"data": hits, "meta": {"result_count": len(hits)}} if hits else {"meta": {"result_count": 0}}
            )
        if request.method == "GET" and path == "/2/tweets/search/recent":
            terms = [t.lower() for t in re.findall(r'"([^"]+)"', request.query_params["query"])]
            pool = [t for t in self.tweets if any(term in t["text"].lower() for term in terms)]
            return self._page(request, pool, "next_token")
        if request.method == "GET" and path == "/2/users/me":
            return JSONResponse({"data": {"id": ME, "name": "Marca", "username": "marca"}})
        if request.method == "GET" and path == "/2/tweets":
            ids = request.query_params["ids"].split(",")
            return JSONResponse({"data": [t for t in self.tweets if t["id"] in ids]})
        if request.method == "POST" and path == "/2/tweets":
            tweet = self.add_tweet(
                ME, body["text"], mention=False, reply_to=(body.get("reply") or {}).get("in_reply_to_tweet_id")
            )
            self.posted.append(body)
            return JSONResponse(
                {"data": {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}},
                status_code=201,
            )
        if request.method == "POST" and path.startswith("/2/dm_conversations/with/"):
            self.posted.append(body)
            return JSONResponse(
                {"data": {"dm_conversation_id": f"{ME}-{path.split('/')[4]}", "dm_event_id": "1582838"}},
                status_code=201,
            )
        if request.method == "PUT" and path.endswith("/hidden"):
            return JSONResponse({"data": {"hidden": body["hidden"]}})
        if request.method == "POST" and path in (f"/2/users/{ME}/muting", f"/2/users/{ME}/blocking"):
            return JSONResponse({"data": {path.rsplit("/", 1)[1]: True}})
        return JSONResponse({"title": "Not Found Error", "detail": f"no route {path}"}, status_code=404)

    def app(self) -> Starlette:
        return Starlette(middleware=[middleware(x_limits(self.limits, self.default_limit))],
                         routes=[Route("/{path:path}", self.handle, methods=["GET", "POST", "PUT"])])
