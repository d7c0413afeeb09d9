"""One HTTP client for every connector: timeouts, status → typed error, rate-limit headers, JSON checks."""

from __future__ import annotations

import json
import logging
import re
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


class HttpClient:
    """httpx.Client with connector error semantics. `auth` returns headers for each request."""

    def __init__(
        self,
        base_url: str,
        *,
        network: str,
        timeout_s: float = 20.0,
        auth: Callable[[], Mapping[str, str]] | None = None,
        transport: httpx.BaseTransport | None = None,
        follow_redirects: bool = False,
    ) -> None:
        self.network = network
        self._auth = auth
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
        merged = dict(self._auth() if self._auth else {})
        merged.update(headers or {})
        try:
            response = self._client.request(method, path, params=params, json=json_body, data=data, headers=merged)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{self.network}: tiempo de espera agotado ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"{self.network}: error de red ({type(exc).__name__})") from None
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise PayloadError(f"{self.network}: respuesta demasiado grande")
        if check:
            raise_for_status(response, network=self.network)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return parse_json(self.request(method, path, **kwargs), network=self.network)

    def close(self) -> None:
        self._client.close()


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
