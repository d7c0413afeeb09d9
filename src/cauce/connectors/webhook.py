"""Generic signed webhook: any system can push mentions to a channel.

The sender signs `"{timestamp}.{raw body}"` with the channel's secret:
    X-Cauce-Timestamp: 1763884800
    X-Cauce-Signature: sha256=<hex HMAC-SHA256>
Timestamps more than 5 minutes away are refused, and a signature is accepted only once, so a
captured request cannot be replayed. The body is one mention (the MentionIn schema) or a list;
`brand` and `channel` default to the channel's own. Good items are kept, bad ones reported.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from cauce.connectors.base import (
    Connector,
    ConnectorConfig,
    FetchResult,
    PayloadError,
    SignatureError,
    make_mention,
    secret,
)
from cauce.connectors.signing import MemoryReplayGuard, ReplayGuard, header, hex_signature, same
from cauce.mentions.schemas import MentionIn

TIMESTAMP_HEADER = "X-Cauce-Timestamp"
SIGNATURE_HEADER = "X-Cauce-Signature"
MAX_BODY_BYTES = 5_000_000
MAX_ITEMS = 1_000
_DEFAULT_GUARD = MemoryReplayGuard()


class WebhookConfig(ConnectorConfig):
    secret: SecretStr
    channel_name: str = "webhook"
    max_age_s: int = 300


@dataclass
class WebhookBatch:
    mentions: list[MentionIn]
    errors: list[str] = field(default_factory=list)


def sign(secret_value: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers a sender must add (used by our tests and documented for integrators)."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: hex_signature(secret_value, f"{timestamp}.".encode() + body),
    }


class WebhookConnector(Connector):
    kind = "webhook"
    config_class = WebhookConfig

    def __init__(self, config: WebhookConfig, *, replay_guard: ReplayGuard | None = None) -> None:
        self.config = config
        self.replay_guard = replay_guard or _DEFAULT_GUARD

    def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
        # Push-only: mentions arrive through parse_webhook.
        return FetchResult(mentions=[], cursor=dict(cursor or {}))

    def test_connection(self) -> str:
        if len(secret(self.config.secret)) < 16:
            raise PayloadError("webhook: el secreto debe tener al menos 16 caracteres")
        return self.config.channel_name

    def verify(self, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> None:
        key = secret(self.config.secret)
        if not key:
            raise SignatureError("webhook: el canal no tiene secreto configurado")
        stamp, signature = header(headers, TIMESTAMP_HEADER), header(headers, SIGNATURE_HEADER)
        if not stamp or not signature:
            raise SignatureError(f"webhook: faltan los encabezados {TIMESTAMP_HEADER} y {SIGNATURE_HEADER}")
        if not stamp.isdigit() or len(stamp) > 12:
            raise SignatureError("webhook: marca de tiempo inválida")
        now = time.time() if now is None else now
        if abs(now - int(stamp)) > self.config.max_age_s:
            raise SignatureError("webhook: marca de tiempo fuera de la ventana de 5 minutos")
        if not same(signature, hex_signature(key, f"{stamp}.".encode() + body)):
            raise SignatureError("webhook: la firma no coincide")
        # Only after the signature verified: an attacker cannot fill the replay memory.
        if not self.replay_guard.first_time(signature, ttl_s=2 * self.config.max_age_s):
            raise SignatureError("webhook: petición repetida (la firma ya se usó)")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> WebhookBatch:
        if len(body) > MAX_BODY_BYTES:
            raise PayloadError(f"webhook: cuerpo demasiado grande (máximo {MAX_BODY_BYTES} bytes)")
        self.verify(headers, body, now=now)
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise PayloadError(f"webhook: el cuerpo no es JSON válido ({exc})") from None
        items = data if isinstance(data, list) else [data]
        if len(items) > MAX_ITEMS:
            raise PayloadError(f"webhook: demasiadas menciones en un envío (máximo {MAX_ITEMS})")
        batch = WebhookBatch(mentions=[])
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                batch.errors.append(f"elemento {number}: se esperaba un objeto con los campos de la mención")
                continue
            item = {"brand": self.config.brand, "channel": self.config.channel_name, **item}
            try:
                batch.mentions.append(make_mention(item, network="webhook"))
            except PayloadError as exc:
                batch.errors.append(f"elemento {number}: {exc.reason}")
        if not batch.mentions and batch.errors:
            raise PayloadError("webhook: ninguna mención válida; " + "; ".join(batch.errors[:5]))
        return batch
