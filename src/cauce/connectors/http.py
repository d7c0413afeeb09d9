"""One HTTP client for every connector: timeouts, status → typed error, rate-limit headers, JSON checks."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from cauce.connectors.base import (
    AuthExpired,
    PayloadError,
    PermanentError,
    RateLimited,
    TransientError,
)

MAX_RESPONSE_BYTES = 20_000_000
USER_AGENT = "Cauce/0.1 (+https://github.com/cauce)"
# Headers networks use to say when the rate-limit window resets.
_RESET_HEADERS = ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset")
# (remaining, reset) pairs: Mastodon X-RateLimit-*, X x-rate-limit-*, Bluesky (atproto) RateLimit-*.
_WINDOW_HEADERS = (
    ("x-ratelimit-remaining", "x-ratelimit-reset"),
    ("x-rate-limit-remaining", "x-rate-limit-reset"),
    ("ratelimit-remaining", "ratelimit-reset"),
)
# Meta's usage headers: percentages of the app's / the business use case's budget.
_META_USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-ad-account-usage", "x-business-use-case-usage")
_MAX_PACE_S = 24 * 3600.0


class _RedactSecrets(logging.Filter):
    """httpx logs every request URL at INFO; Telegram puts the bot token in the path."""

    _TOKEN = re.compile(r"/bot\d+:[\w-]+")
    _QUERY = re.compile(r"((?:access_token|token|key|secret)=)[^&\s\"']+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self._redact(a) for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        record.msg = self._redact(record.msg)
        return True

    def _redact(self, value: Any) -> Any:
        if isinstance(value, httpx.URL):
            value = str(value)
        if isinstance(value, str):
            return self._QUERY.sub(r"\1***", self._TOKEN.sub("/bot***", value))
        return value


for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, _RedactSecrets) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_RedactSecrets())


def _parse_reset(value: str, now: float) -> float | None:
    """A reset header is either epoch seconds (X, Bluesky) or an ISO-8601 instant (Mastodon)."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    # Small numbers are delta-seconds (IETF draft RateLimit-Reset), large ones epoch seconds.
    return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None, default: float = 60.0) -> float:
    """How long the server asked us to wait, from Retry-After or a rate-limit reset header."""
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    for name in _RESET_HEADERS:
        if name in lowered:
            parsed = _parse_reset(lowered[name], now)
            if parsed is not None:
                return parsed
    return default


def api_reason(response: httpx.Response) -> str:
    """The API's own explanation, from the usual JSON error shapes, else the start of the body."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text[:300].strip() or response.reason_phrase
    if isinstance(body, dict):
        for key in ("error_description", "error", "message", "description", "detail", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                extra = body.get("message") if key == "error" and isinstance(body.get("message"), str) else None
                return f"{value}: {extra}" if extra else value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])  # Meta Graph: {"error": {"message": ...}}
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or errors[0])
    return json.dumps(body)[:300]


def raise_for_status(response: httpx.Response, *, network: str) -> None:
    status = response.status_code
    if status < 400:
        return
    reason = api_reason(response)
    if status == 401:
        raise AuthExpired(f"{network}: credenciales inválidas o vencidas ({reason})")
    if status == 429:
        raise RateLimited(
            f"{network}: límite de peticiones alcanzado ({reason})", retry_after_seconds(response.headers)
        )
    if status >= 500:
        raise TransientError(f"{network}: error del servidor {status} ({reason})")
    raise PermanentError(f"{network}: la petición fue rechazada ({status}: {reason})", status)


def meta_usage_wait(headers: Mapping[str, str], *, threshold: float = 100.0) -> float | None:
    """Seconds to hold off when Meta's usage headers say a budget is used up, else None.

    `X-App-Usage` is `{"call_count": %, "total_cputime": %, "total_time": %}`;
    `X-Business-Use-Case-Usage` is `{business_id: [{"type", "call_count", "total_cputime",
    "total_time", "estimated_time_to_regain_access" (minutes)}]}` (Graph API "Rate Limits").
    At 100 % the next call is throttled (error code 4/17/32/80001), so we stop before it.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    worst: float | None = None
    for name in _META_USAGE_HEADERS:
        raw = lowered.get(name)
        if not raw:
            continue
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        entries: list[Any] = []
        if isinstance(body, dict) and any(k in body for k in ("call_count", "total_time", "total_cputime")):
            entries = [body]
        elif isinstance(body, dict):
            for value in body.values():
                entries.extend(value if isinstance(value, list) else [value])
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            used = max((float(v) for k, v in entry.items() if k in ("call_count", "total_cputime", "total_time",
                                                                      "acc_id_util_pct")
                        and isinstance(v, int | float)), default=0.0)
            regain = entry.get("estimated_time_to_regain_access")
            regain_s = float(regain) * 60 if isinstance(regain, int | float) else 0.0
            if used >= threshold or regain_s > 0:
                # Without an estimate, Meta's docs say usage decays over a rolling hour; 5 min is a pause.
                wait = regain_s if regain_s > 0 else 300.0
                worst = max(worst or 0.0, wait)
    return worst


def window_wait(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds until the window resets when a response says no request is left in it, else None."""
    now = time.time() if now is None else now
    lowered = {k.lower(): v for k, v in headers.items()}
    for remaining_name, reset_name in _WINDOW_HEADERS:
        remaining = lowered.get(remaining_name)
        if remaining is None:
            continue
        try:
            left = float(remaining.strip())
        except ValueError:
            continue
        if left > 0:
            return None
        reset = _parse_reset(lowered.get(reset_name, ""), now)
        return reset if reset else None
    return None


# Windows that told us "nothing left", shared by every client of the same account in this process
# (the poller and the outbox build connectors freely): (rate key, scope) -> monotonic deadline.
_PACED: dict[tuple[str, str], tuple[float, str]] = {}
_PACED_LOCK = threading.Lock()
_CLIENT_IDS = itertools.count(1)


def forget_rate_windows() -> None:
    """Drop every remembered window (tests; an operator who raised a limit)."""
    with _PACED_LOCK:
        _PACED.clear()


def hold(key: tuple[str, str], seconds: float, why: str) -> None:
    """Remember that the network asked for `seconds` of quiet on `key` (an account and a scope)."""
    if seconds > 0:
        with _PACED_LOCK:
            _PACED[key] = (time.monotonic() + min(seconds, _MAX_PACE_S), why)


def held(key: tuple[str, str]) -> float:
    """Seconds still to wait on `key` (0 when free)."""
    with _PACED_LOCK:
        paced = _PACED.get(key)
    return max(0.0, paced[0] - time.monotonic()) if paced else 0.0


class HttpClient:
    """httpx.Client with connector error semantics. `auth` returns headers for each request.

    Rate-limit headers are read on every answer, not only on 429s: when one says the window has no
    request left (`*-Remaining: 0`, or Meta's usage at 100 %), the next request in the same scope is
    not sent and fails at once with `RateLimited` until the reset, so we slow down before the 429.
    `rate_scope` is "path" where limits are per endpoint (X, Bluesky) and "global" where one budget
    covers every call of the account (Mastodon, Meta); `rate_key` names the account (default: this
    client only).
    """

    def __init__(
        self,
        base_url: str,
        *,
        network: str,
        timeout_s: float = 20.0,
        auth: Callable[[], Mapping[str, str]] | None = None,
        transport: httpx.BaseTransport | None = None,
        follow_redirects: bool = False,
        rate_scope: str = "path",
        rate_key: str | None = None,
    ) -> None:
        self.network = network
        self._auth = auth
        self._rate_scope = rate_scope
        self._rate_key = rate_key or f"client-{next(_CLIENT_IDS)}"
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            headers={"User-Agent": USER_AGENT},
            transport=transport,
            follow_redirects=follow_redirects,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> httpx.Response:
        scope = (self._rate_key, "" if self._rate_scope == "global" else path.split("?", 1)[0])
        with _PACED_LOCK:
            paced = _PACED.get(scope)
        if paced is not None:
            wait = paced[0] - time.monotonic()
            if wait > 0:
                raise RateLimited(f"{self.network}: límite de peticiones agotado según la red ({paced[1]}); "
                                  "no se envía hasta que se renueve", wait)
            with _PACED_LOCK:
                _PACED.pop(scope, None)
        merged = dict(self._auth() if self._auth else {})
        merged.update(headers or {})
        try:
            response = self._client.request(method, path, params=params, json=json_body, data=data, headers=merged)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{self.network}: tiempo de espera agotado ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"{self.network}: error de red ({type(exc).__name__})") from None
        self._note_limits(scope, response)
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise PayloadError(f"{self.network}: respuesta demasiado grande")
        if check:
            raise_for_status(response, network=self.network)
        return response

    def _note_limits(self, scope: tuple[str, str], response: httpx.Response) -> None:
        wait = window_wait(response.headers)
        why = "0 peticiones restantes"
        usage = meta_usage_wait(response.headers)
        if usage is not None and usage > (wait or 0.0):
            wait, why = usage, "uso de la app al 100 %"
        if wait is not None and wait > 0:
            with _PACED_LOCK:
                _PACED[scope] = (time.monotonic() + min(wait, _MAX_PACE_S), why)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return parse_json(self.request(method, path, **kwargs), network=self.network)

    def close(self) -> None:
        self._client.close()


def account_key(*parts: str) -> str:
    """A rate key for an account that never carries the secret itself."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def parse_json(response: httpx.Response, *, network: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise PayloadError(f"{network}: la respuesta no es JSON válido") from None


def expect_dict(value: Any, what: str, *, network: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{network}: {what} no tiene la forma documentada (se esperaba un objeto)")
    return value


def expect_list(value: Any, what: str, *, network: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"{network}: {what} no tiene la forma documentada (se esperaba una lista)")
    return value
