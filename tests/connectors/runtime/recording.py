"""Test support for the outbox and runtime: a scriptable connector and a brand with one open case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.service import Principal
from cauce.brands.models import Brand
from cauce.connectors import construction
from cauce.connectors.base import Connector, ConnectorConfig, FetchResult, SentItem, TransientError
from cauce.db import Database
from cauce.mentions import service as mentions
from cauce.mentions.schemas import MentionIn, MetricsIn
from helpers import make_brand, mention

TEST_KEY = Fernet.generate_key().decode()


@dataclass
class Network:
    """What a fake network has received, shared by every connector built for it."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, SentItem] = field(default_factory=dict)
    actions: list[tuple[str, str]] = field(default_factory=list)
    # Raised (in order) by the next network calls: exceptions, "crash" to post then raise, or
    # "lost" to post and then lose the answer (a timeout the caller sees as a transient error).
    script: list[Any] = field(default_factory=list)
    # Raised when a post re-uses a key already posted (how the network says "already exists").
    duplicate_error: BaseException | None = None
    # How many of the next find_existing_reply look-ups fail (the network not answering them yet).
    failing_lookups: int = 0
    pages: list[FetchResult] = field(default_factory=list)
    metrics: dict[str, MetricsIn] = field(default_factory=dict)
    fetch_cursors: list[dict[str, Any]] = field(default_factory=list)

    def _next(self) -> Any:
        return self.script.pop(0) if self.script else None


class RecordingConnector(Connector):
    kind = "recording"
    config_class = ConnectorConfig

    def __init__(self, network: Network) -> None:
        self.network = network

    def _post(self, kind: str, target: str, text: str, key: str) -> SentItem:
        step = self.network._next()
        if isinstance(step, BaseException):
            raise step
        if key in self.network.by_key and self.network.duplicate_error is not None:
            raise self.network.duplicate_error
        item = SentItem(f"ext-{len(self.network.posts) + 1}", f"https://red.example/{len(self.network.posts) + 1}")
        self.network.posts.append({"kind": kind, "target": target, "text": text, "key": key})
        self.network.by_key[key] = item
        if step == "crash":
            raise RuntimeError("proceso interrumpido tras enviar")
        if step == "lost":
            raise TransientError("tiempo de espera agotado")
        return item

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        self.network.fetch_cursors.append(dict(cursor or {}))
        step = self.network._next()
        if isinstance(step, BaseException):
            raise step
        if not self.network.pages:
            return FetchResult(mentions=[], cursor=dict(cursor or {}))
        return self.network.pages.pop(0)

    def test_connection(self) -> str:
        step = self.network._next()
        if isinstance(step, BaseException):
            raise step
        return "Cuenta de prueba"

    def send_reply(
        self, *, in_reply_to: str, text: str, idempotency_key: str, created_at: datetime | None = None
    ) -> SentItem:
        return self._post("reply", in_reply_to, text, idempotency_key)

    def send_private(
        self, *, recipient: str, text: str, idempotency_key: str, in_reply_to: str | None = None
    ) -> SentItem:
        return self._post("private", recipient, text, idempotency_key)

    def moderate(self, *, action: Any, target: str) -> None:
        step = self.network._next()
        if isinstance(step, BaseException):
            raise step
        self.network.actions.append((action, target))

    def refresh_metrics(self, external_ids: Iterable[str]) -> dict[str, MetricsIn]:
        return {i: self.network.metrics[i] for i in external_ids if i in self.network.metrics}

    def find_existing_reply(
        self, in_reply_to: str, idempotency_key: str, *, created_at: datetime | None = None
    ) -> SentItem | None:
        if self.network.failing_lookups > 0:
            self.network.failing_lookups -= 1
            raise TransientError("búsqueda no disponible")
        return self.network.by_key.get(idempotency_key)


def provider(network: Network) -> Any:
    def build(channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
        return RecordingConnector(network)

    return build


@dataclass
class World:
    db: Database
    brand: Brand
    channel_id: int
    case_id: int
    mention_id: int
    agent: Principal
    supervisor: Principal
    outsider: Principal


def build_world(
    db: Database,
    *,
    kind: str = "demo",
    text: str = "Me cobraron dos veces la factura de octubre",
    handle: str = "@ana",
    triage: dict[str, Any] | None = None,
    channel: str = "twitter",
) -> World:
    """A brand with a demo channel serving `channel`, one complaint routed into a case, and users."""
    brand = make_brand(db, name="Conectel")
    other = make_brand(db, name="Otra Marca")
    with db.session() as s:
        account = construction.add_channel(
            s, brand=brand, kind=kind, name="Canal de prueba", settings={"serves": ["*"]}, credentials={}, actor=SYSTEM
        )
        extra: dict[str, Any] = {"test_triage": triage} if triage else {}
        result = mentions.ingest(s, mention(1, text=text, handle=handle, channel=channel, **extra))
        assert result.case_id is not None and result.mention_id is not None
        agent = auth.create_user(
            s,
            email="laura@conectel.co",
            name="Laura Gómez",
            role="agent",
            password="clave-segura",
            brand_ids=[brand.id],
            actor=SYSTEM,
        )
        sup = auth.create_user(
            s,
            email="sofia@conectel.co",
            name="Sofía Ruiz",
            role="supervisor",
            password="clave-segura",
            brand_ids=[brand.id],
            actor=SYSTEM,
        )
        out = auth.create_user(
            s,
            email="otro@otra.co",
            name="Pedro Otro",
            role="agent",
            password="clave-segura",
            brand_ids=[other.id],
            actor=SYSTEM,
        )
        return World(
            db,
            brand,
            account.id,
            result.case_id,
            result.mention_id,
            auth.principal_for(s, agent),
            auth.principal_for(s, sup),
            auth.principal_for(s, out),
        )


def more_mention(db: Database, n: int, **kwargs: Any) -> MentionIn:
    item = mention(n, **kwargs)
    with db.session() as s:
        mentions.ingest(s, item)
    return item
