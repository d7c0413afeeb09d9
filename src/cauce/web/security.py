"""Browser-facing protections: security headers, CSRF checks and the login rate limit."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from cauce.errors import CauceError, Forbidden

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


def trusted_proxies() -> frozenset[str]:
    """Addresses whose X-Forwarded-Proto is believed (`CAUCE_TRUSTED_PROXIES`, comma-separated)."""
    raw = os.environ.get("CAUCE_TRUSTED_PROXIES", "127.0.0.1,::1")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def served_over_https(request: Request, proxies: frozenset[str]) -> bool:
    """The request came over TLS: to us directly, or to a trusted proxy that said so."""
    if request.url.scheme == "https":
        return True
    client = request.client.host if request.client else None
    proto = request.headers.get("x-forwarded-proto", "")
    return client in proxies and proto.split(",")[0].strip().lower() == "https"


def install_headers(app: FastAPI) -> None:
    proxies = trusted_proxies()

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if served_over_https(request, proxies):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def is_https(request: Request) -> bool:
    """Behind a TLS-terminating proxy the scheme arrives in X-Forwarded-Proto."""
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip().lower() == "https"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def check_csrf(expected: str | None, sent: str | None) -> None:
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Forbidden("Falta el token CSRF o no es válido; recargue la página.")


class TooManyAttempts(CauceError):
    code = "too_many_attempts"
    status_code = 429


class LoginLimiter:
    """At most `max_failures` failed logins per (IP, e-mail) in a sliding window, in memory."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def check(self, ip: str, email: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent((ip, email.strip().lower()), now)
            if len(times) >= self.max_failures:
                wait = int(times[0] + self.window_s - now) + 1
                raise TooManyAttempts(f"Demasiados intentos fallidos. Espere {max(1, wait // 60)} min "
                                      f"y vuelva a intentarlo.", details={"retry_after_s": wait})

    def failed(self, ip: str, email: str) -> None:
        with self._lock:
            self._recent((ip, email.strip().lower()), time.monotonic()).append(time.monotonic())
            if len(self._failures) > 10_000:  # bound memory under a spray of made-up e-mails
                self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, ip: str, email: str) -> None:
        with self._lock:
            self._failures.pop((ip, email.strip().lower()), None)
