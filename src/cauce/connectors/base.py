"""The connector interface every network implements, and the typed results and errors it speaks.

REST calls are synchronous (the worker and CLI are synchronous); streams are async iterators.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from cauce.mentions.schemas import MAX_TEXT_CHARS, MentionIn, MetricsIn

ModerationAction = Literal["block", "mute", "unmute", "hide", "unhide", "ban"]


class ConnectorError(Exception):
    """Base of every connector failure; `reason` is meant for a person (Spanish first)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthExpired(ConnectorError):
    """The token is invalid or expired: the channel must be marked unhealthy and an admin alerted."""


class RateLimited(ConnectorError):
    def __init__(self, reason: str, retry_after_s: float) -> None:
        super().__init__(reason)
        self.retry_after_s = max(0.0, retry_after_s)


class TransientError(ConnectorError):
    """5xx or a network failure: retry later with backoff."""


class PermanentError(ConnectorError):
    """A 4xx the API explained (deleted post, forbidden action...): retrying will not help."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class NotSupported(PermanentError):
    """The network has no such operation (e.g. hiding a reply on Mastodon)."""


class ConfigError(ConnectorError):
    """The channel configuration is incomplete or malformed."""


class PayloadError(ConnectorError):
    """A payload (API response, webhook body, stream event) did not have the documented shape."""


class SignatureError(ConnectorError):
    """A webhook signature, token or timestamp did not verify."""


@dataclass(frozen=True)
class SentItem:
    external_id: str
    url: str | None = None


@dataclass
class FetchResult:
    """One fetch cycle. `cursor` only moves past items in `mentions`; persist it after ingesting them.

    `more` is True when the network has further items right now (call fetch again without waiting).
    """

    mentions: list[MentionIn]
    cursor: dict[str, Any]
    more: bool = False
    errors: list[str] = field(default_factory=list)
    # A source that was rate-limited this cycle asks for the next poll no sooner than this.
    retry_after_s: float | None = None


class Sources:
    """The sources of one fetch cycle (notifications, each search term, DMs…), each isolated.

    A source that fails is reported in `errors` and keeps its cursor, and the other sources go on:
    one failing source (a missing DM scope, a chat service that answers 500, a rate-limited search)
    must never block another. Only when every source failed does the cycle fail as a whole, with
    the first failure; expired credentials always fail the cycle, since no source can work then.
    """

    def __init__(self, network: str) -> None:
        self.network = network
        self.failures: list[tuple[str, ConnectorError]] = []
        self.succeeded = 0

    @contextmanager
    def source(self, name: str) -> Iterator[None]:
        try:
            yield
        except AuthExpired:
            raise
        except ConnectorError as exc:
            self.failures.append((name, exc))
        else:
            self.succeeded += 1

    def finish(self, result: FetchResult) -> FetchResult:
        """Raise when nothing worked; otherwise add each failed source to the result's errors."""
        if self.failures and not self.succeeded:
            raise self.failures[0][1]
        for name, exc in self.failures:
            if isinstance(exc, RateLimited):
                result.retry_after_s = max(result.retry_after_s or 0.0, exc.retry_after_s)
                result.errors.append(f"{self.network}: fuente «{name}» frenada por el límite de la red; "
                                     f"se reintenta en {exc.retry_after_s:.0f} s ({exc.reason})")
            else:
                result.errors.append(f"{self.network}: fuente «{name}» falló ({exc.reason})")
        return result


class ConnectorConfig(BaseModel):
    """Common settings; each connector extends it. Secrets are `SecretStr` so reprs never show them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brand: str
    brand_terms: list[str] = Field(default_factory=list)
    timeout_s: float = 20.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConnectorConfig:
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise ConfigError(f"Configuración de canal inválida: {problems}") from None


def secret(value: SecretStr | None) -> str:
    return "" if value is None else value.get_secret_value()


class Connector(ABC):
    """A network client bound to one channel account."""

    kind: ClassVar[str]
    config_class: ClassVar[type[ConnectorConfig]]
    # Moderation actions Cauce applies on its side only on this network, each with the reason.
    local_actions: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        """Fetch one page/cycle of new mentions starting at a persisted cursor."""

    @abstractmethod
    def test_connection(self) -> str:
        """Check the credentials; return the account name."""

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        raise NotSupported(f"{self.kind}: este canal no permite responder públicamente")

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        raise NotSupported(f"{self.kind}: este canal no permite mensajes privados")

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        raise NotSupported(f"{self.kind}: la acción «{action}» no existe en este canal")

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        return {}

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        """Look on the network for a reply already sent with this key; None when absent or unknowable."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _scrub(value: Any) -> Any:
    """Lone surrogates (from broken JSON escapes such as "\\ud83d") make pydantic refuse the whole
    item before the schema's own cleaning runs; replace them first, nested values included."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def make_mention(data: Mapping[str, Any], *, network: str) -> MentionIn:
    """Validate a mapped item; a shape the schema refuses becomes a PayloadError naming the item.

    Over-long text is cut (and flagged `truncated`) rather than refused: a 1 MB blog post still
    names the brand and must not be lost.
    """
    data = {k: _scrub(v) for k, v in data.items()}
    text = data.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        data["text"], data["truncated"] = text[:MAX_TEXT_CHARS], True
    try:
        return MentionIn.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        raise PayloadError(f"{network}: elemento {str(data.get('id'))[:80]!r} inválido ({problems})") from None


# --- registry ----------------------------------------------------------------------------------
# kind → "module:Class"; modules are imported on first use so a missing optional dependency of
# one network never breaks the others.
KINDS: dict[str, str] = {
    "mastodon": "cauce.connectors.mastodon:MastodonConnector",
    "bluesky": "cauce.connectors.bluesky:BlueskyConnector",
    "rss": "cauce.connectors.rss:RssConnector",
    "telegram": "cauce.connectors.telegram:TelegramConnector",
    "x": "cauce.connectors.x:XConnector",
    "meta": "cauce.connectors.meta:MetaConnector",
    "webhook": "cauce.connectors.webhook:WebhookConnector",
    "email": "cauce.connectors.mail:EmailConnector",
    "demo": "cauce.connectors.demo_channel:DemoConnector",
}


def get_connector_class(kind: str) -> type[Connector]:
    import importlib

    target = KINDS.get(kind)
    if target is None:
        raise KeyError(f"tipo de canal desconocido: {kind!r}")
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{target} no es un conector")
    return cls
