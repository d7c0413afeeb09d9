"""Browser-facing protections: security headers, CSRF checks and the login rate limit."""

from __future__ import annotations

import functools
import secrets
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any, Protocol

from fastapi import FastAPI, Request, Response
from sqlalchemy.orm import Session

from cauce.auth import service as auth
from cauce.db import utcnow
from cauce.errors import CauceError

# No inline scripts anywhere: every script is a static file, htmx is told not to inject styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
LOGIN_CSRF_COOKIE = "cauce_login_csrf"
# Browsers that reached us over HTTPS keep to HTTPS for a year (sent over HTTPS only: RFC 6797 §7.2).
HSTS = "max-age=31536000; includeSubDomains"

# How `cauce serve` and `cauce demo` run uvicorn: the app decides whose X-Forwarded-* to believe
# (CAUCE_TRUSTED_PROXIES, see client_ip), not uvicorn, which would believe any loopback peer.
UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False}


def install_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if is_https(request):  # over TLS to us, or to a proxy of CAUCE_TRUSTED_PROXIES that says so
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


@functools.cache
def _networks(spec: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def parse_trusted_proxies(spec: str) -> str:
    """`spec` (CAUCE_TRUSTED_PROXIES: addresses or CIDR ranges, comma separated), checked."""
    try:
        _networks(spec)
    except ValueError as exc:
        raise ValueError(f"CAUCE_TRUSTED_PROXIES: {exc}") from None
    return spec


def _trusted(address: str, spec: str) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(spec))


def _trusted_spec(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "trusted_proxies", "") or ""


def _from_trusted_proxy(request: Request) -> bool:
    """X-Forwarded-* headers count only when the peer is one of CAUCE_TRUSTED_PROXIES (off by default)."""
    spec = _trusted_spec(request)
    return bool(spec) and request.client is not None and _trusted(request.client.host, spec)


def client_ip(request: Request) -> str:
    """The caller's address: the peer, or, behind a trusted proxy, the right-most X-Forwarded-For
    hop that is not itself a trusted proxy (the left-most entries are whatever the client wrote)."""
    peer = request.client.host if request.client else "?"
    if not _from_trusted_proxy(request):
        return peer
    spec = _trusted_spec(request)
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, spec):
            return hop
    return hops[0] if hops else peer


def is_https(request: Request) -> bool:
    """Behind a trusted TLS-terminating proxy the scheme arrives in X-Forwarded-Proto."""
    proto = request.url.scheme
    if _from_trusted_proxy(request):
        proto = request.headers.get("x-forwarded-proto", proto)
    return proto.split(",")[0].strip().lower() == "https"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class TooManyAttempts(CauceError):
    code = "too_many_attempts"
    status_code = 429


class FailureStore(Protocol):
    """Where failed sign-ins are counted: per key ("ip:…", "account:…"), within a window."""

    def recent(self, keys: Sequence[str], since: datetime) -> dict[str, tuple[int, datetime]]: ...
    def add(self, keys: Sequence[str], at: datetime) -> None: ...
    def clear(self, key: str) -> None: ...


class MemoryFailures:
    """One process's failures, bounded: expired keys are pruned, and past `max_keys` the keys with
    the oldest last failure go first."""

    def __init__(self, window_s: float, max_keys: int = 10_000) -> None:
        self.window = timedelta(seconds=window_s)
        self.max_keys = max_keys
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._failures)

    def recent(self, keys: Sequence[str], since: datetime) -> dict[str, tuple[int, datetime]]:
        with self._lock:
            out = {}
            for key in keys:
                times = self._failures.get(key)
                while times and times[0] <= since:
                    times.popleft()
                if times:
                    out[key] = (len(times), times[0])
                elif times is not None:
                    del self._failures[key]
            return out

    def add(self, keys: Sequence[str], at: datetime) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(at)
            if len(self._failures) > self.max_keys:
                self._prune(at)

    def _prune(self, now: datetime) -> None:
        cutoff = now - self.window
        self._failures = {k: v for k, v in self._failures.items() if v and v[-1] > cutoff}
        if len(self._failures) > self.max_keys:
            keep = sorted(self._failures.items(), key=lambda kv: kv[1][-1])[-self.max_keys:]
            self._failures = dict(keep)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class DatabaseFailures:
    """Failures in the `login_failures` table, through the session of the login request: every web
    process behind a load balancer sees the same counts (SQLite and PostgreSQL alike)."""

    def __init__(self, session: Session, window_s: float) -> None:
        self.session = session
        self.window = timedelta(seconds=window_s)

    def recent(self, keys: Sequence[str], since: datetime) -> dict[str, tuple[int, datetime]]:
        return auth.recent_login_failures(self.session, keys=keys, since=since)

    def add(self, keys: Sequence[str], at: datetime) -> None:
        auth.record_login_failure(self.session, keys=keys, at=at, prune_before=at - self.window)

    def clear(self, key: str) -> None:
        auth.clear_login_failures(self.session, key=key, prune_before=utcnow() - self.window)


class LoginLimiter:
    """Failed sign-ins per account (`max_per_account`) and per client address (`max_per_ip`, so one
    address cannot spray many e-mails) in a sliding window. Counts live in the database when the
    caller passes its session (shared by all web processes), else in bounded memory."""

    def __init__(self, max_per_account: int = 5, max_per_ip: int = 20, window_s: float = 300.0) -> None:
        self.max_per_account = max_per_account
        self.max_per_ip = max_per_ip
        self.window_s = window_s
        self.memory = MemoryFailures(window_s)

    @staticmethod
    def keys(ip: str, email: str) -> tuple[str, str]:
        return f"ip:{ip}"[:400], f"account:{email.strip().lower()}"[:400]

    def _store(self, session: Session | None) -> FailureStore:
        return DatabaseFailures(session, self.window_s) if session is not None else self.memory

    def check(self, ip: str, email: str, *, session: Session | None = None) -> None:
        now = utcnow()
        ip_key, account_key = self.keys(ip, email)
        found = self._store(session).recent([ip_key, account_key], now - timedelta(seconds=self.window_s))
        for key, limit in ((ip_key, self.max_per_ip), (account_key, self.max_per_account)):
            count, oldest = found.get(key, (0, now))
            if count >= limit:
                wait = int((oldest + timedelta(seconds=self.window_s) - now).total_seconds()) + 1
                raise TooManyAttempts(f"Demasiados intentos fallidos. Espere {max(1, -(-wait // 60))} min "
                                      f"y vuelva a intentarlo.", details={"retry_after_s": max(1, wait)})

    def failed(self, ip: str, email: str, *, session: Session | None = None) -> None:
        self._store(session).add(self.keys(ip, email), utcnow())

    def succeeded(self, ip: str, email: str, *, session: Session | None = None) -> None:
        # The account's count starts afresh; the address's does not (a sprayer with one valid
        # account must not reset its budget by signing in to it).
        self._store(session).clear(self.keys(ip, email)[1])
