"""The `demo` channel: a connector with no network, so demo replies travel the real outbox.

Sent messages and moderation actions are kept in a process-wide in-memory log, deduplicated by
idempotency key exactly like a network that honours idempotency keys would; the external ids
are synthetic (`demo-reply-<n>`). The simulator feeds mentions in directly, so `fetch` is empty.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from cauce.connectors.base import (
    Connector,
    ConnectorConfig,
    FetchResult,
    ModerationAction,
    PermanentError,
    SentItem,
)
from cauce.mentions.schemas import MetricsIn

MAX_TEXT = 5_000


class DemoConfig(ConnectorConfig):
    account_name: str = "Cuenta demo"
    # A test hook: any send whose text contains this marker is refused as the network would.
    reject_marker: str | None = None


@dataclass(frozen=True)
class DemoMessage:
    external_id: str
    kind: str  # reply | private | moderation
    brand: str
    target: str
    text: str
    idempotency_key: str | None


class _DemoLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.messages: list[DemoMessage] = []
        self._by_key: dict[str, DemoMessage] = {}

    def add(self, *, kind: str, brand: str, target: str, text: str, key: str | None) -> DemoMessage:
        with self._lock:
            if key is not None and key in self._by_key:
                return self._by_key[key]
            message = DemoMessage(f"demo-{kind}-{next(self._ids)}", kind, brand, target, text, key)
            self.messages.append(message)
            if key is not None:
                self._by_key[key] = message
            return message

    def find(self, key: str) -> DemoMessage | None:
        with self._lock:
            return self._by_key.get(key)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self._by_key.clear()


LOG = _DemoLog()


class DemoConnector(Connector):
    kind: ClassVar[str] = "demo"
    config_class: ClassVar[type[ConnectorConfig]] = DemoConfig

    def __init__(self, config: DemoConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> DemoConnector:
        config = DemoConfig.from_dict(data)
        assert isinstance(config, DemoConfig)
        return cls(config)

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        return FetchResult(mentions=[], cursor=dict(cursor or {}))

    def test_connection(self) -> str:
        return self.config.account_name

    def _check(self, text: str) -> None:
        if not text.strip():
            raise PermanentError("El mensaje está vacío.", status=422)
        if len(text) > MAX_TEXT:
            raise PermanentError(f"El mensaje supera {MAX_TEXT} caracteres.", status=422)
        marker = self.config.reject_marker
        if marker and marker in text:
            raise PermanentError("La red demo rechazó el mensaje.", status=422)

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        self._check(text)
        m = LOG.add(kind="reply", brand=self.config.brand, target=in_reply_to, text=text, key=idempotency_key)
        return SentItem(m.external_id, f"demo://{self.config.brand}/{m.external_id}")

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        self._check(text)
        m = LOG.add(kind="private", brand=self.config.brand, target=recipient, text=text, key=idempotency_key)
        return SentItem(m.external_id, None)

    def moderate(self, *, action: ModerationAction, target: str) -> None:
        LOG.add(kind="moderation", brand=self.config.brand, target=target, text=action, key=None)

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        return {}

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        m = LOG.find(idempotency_key)
        return None if m is None else SentItem(m.external_id, f"demo://{self.config.brand}/{m.external_id}")


def ensure_demo_channel(session: Any, brand: Any, *, actor: Any = None) -> Any:
    """The demo brand's catch-all `demo` channel (created once), so demo replies use the real outbox.

    `cauce demo` seeding calls this per brand; it answers every network the simulator produces.
    """
    from cauce.audit.service import SYSTEM
    from cauce.brands import channels
    from cauce.connectors import construction

    for channel in channels.list_channels(session, brand_id=brand.id):
        if channel.kind == "demo":
            return channel
    return construction.add_channel(
        session,
        brand=brand,
        kind="demo",
        name=f"Demo de {brand.name}",
        settings={"serves": ["*"], "account_name": f"@{brand.slug}"},
        actor=actor or SYSTEM,
    )
