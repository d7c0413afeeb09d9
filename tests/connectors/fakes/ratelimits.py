"""Rate limits for the fakes, the way each network reports them on EVERY answer, not only on 429s.

Each is a Starlette middleware counting requests in fixed windows:
- Mastodon (rack-attack, config/initializers/rack_attack.rb and Api::RateLimitHeaders): one budget
  per token for every /api call (300 per 5 minutes), windows aligned to the period;
  X-RateLimit-Limit / -Remaining / -Reset (ISO 8601 with microseconds, `iso8601(6)`); past it 429,
  `{"error": "Too many requests"}`, no Retry-After.
- X API v2 (docs "Rate limits"): one budget per endpoint and user (15-minute windows);
  x-rate-limit-limit / -remaining / -reset (epoch seconds); past it 429 with the RFC 7807 problem
  body, no Retry-After.
- Meta Graph with a Page token (docs "Rate Limits", Business Use Case): X-Business-Use-Case-Usage
  `{page_id: [{"type": "pages", "call_count": %, "total_cputime": %, "total_time": %,
  "estimated_time_to_regain_access": minutes}]}` on answers; at 100 % the call fails with HTTP 400
  and Graph error code 80001 ("There have been too many calls to this Page account").
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Call = Callable[[Request], Awaitable[Response]]


@dataclass
class Windows:
    """Fixed windows aligned to the period (rack-attack counts `now // period`)."""

    limit: int
    period_s: int
    counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def hit(self, key: str) -> tuple[int, float]:
        """Count one request; returns (requests left, epoch of the reset)."""
        now = time.time()
        slot = int(now // self.period_s)
        used = self.counts.get((key, slot), 0) + 1
        self.counts[(key, slot)] = used
        return self.limit - used, float((slot + 1) * self.period_s)


def mastodon_limits(windows: Windows) -> Callable[[Request, Call], Awaitable[Response]]:
    async def dispatch(request: Request, call_next: Call) -> Response:
        if not request.url.path.startswith("/api") or request.url.path == "/api/v1/streaming":
            return await call_next(request)
        left, reset = windows.hit(request.headers.get("authorization", ""))
        stamp = datetime.fromtimestamp(reset, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        headers = {"X-RateLimit-Limit": str(windows.limit), "X-RateLimit-Remaining": str(max(0, left)),
                   "X-RateLimit-Reset": stamp}
        if left < 0:
            return JSONResponse({"error": "Too many requests"}, status_code=429, headers=headers)
        return _with(await call_next(request), headers)

    return dispatch


def x_limits(limits: dict[str, Windows], default: Windows) -> Callable[[Request, Call], Awaitable[Response]]:
    """`limits` by "METHOD /path" (ids kept: X's endpoints are per path template, the fake's are few)."""

    async def dispatch(request: Request, call_next: Call) -> Response:
        endpoint = f"{request.method} {request.url.path}"
        windows = limits.get(endpoint, default)
        left, reset = windows.hit(endpoint + "|" + request.headers.get("authorization", ""))
        headers = {"x-rate-limit-limit": str(windows.limit), "x-rate-limit-remaining": str(max(0, left)),
                   "x-rate-limit-reset": str(int(reset))}
        if left < 0:
            return JSONResponse({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                 "status": 429}, status_code=429, headers=headers)
        return _with(await call_next(request), headers)

    return dispatch


def meta_buc_limits(windows: Windows, page_id: str,
                    regain_minutes: int = 19) -> Callable[[Request, Call], Awaitable[Response]]:
    async def dispatch(request: Request, call_next: Call) -> Response:
        left, _ = windows.hit(page_id)
        used = min(100, round(100 * (windows.limit - max(0, left)) / windows.limit))
        usage = {"type": "pages", "call_count": used, "total_cputime": max(1, used // 4),
                 "total_time": max(1, used // 4), "estimated_time_to_regain_access": regain_minutes if left < 0 else 0}
        headers = {"X-Business-Use-Case-Usage": json.dumps({page_id: [usage]})}
        if left < 0:
            return JSONResponse({"error": {"message": "(#80001) There have been too many calls to this Page account. "
                                           "Wait a bit and try again.", "type": "OAuthException", "code": 80001,
                                           "is_transient": True, "fbtrace_id": "AbCdEfGh"}},
                                status_code=400, headers=headers)
        return _with(await call_next(request), headers)

    return dispatch


def _with(response: Response, headers: dict[str, str]) -> Response:
    """Add the window's headers, keeping those a test injected into the answer (`fail_next`)."""
    for name, value in headers.items():
        if name not in response.headers:
            response.headers[name] = value
    return response


def middleware(dispatch: Callable[[Request, Call], Awaitable[Response]]) -> Middleware:
    return Middleware(BaseHTTPMiddleware, dispatch=dispatch)
