from __future__ import annotations

import json
import time

import pytest

from cauce.connectors.base import PayloadError, SignatureError
from cauce.connectors.signing import MemoryReplayGuard
from cauce.connectors.webhook import WebhookConfig, WebhookConnector, sign

SECRET = "un-secreto-largo-de-canal"
ITEM = {
    "id": "t-1",
    "created_at": "2026-11-23T08:00:00Z",
    "author": {"handle": "@ana", "followers": 10},
    "text": "<b>me cobraron doble</b>",
}


def make() -> WebhookConnector:
    return WebhookConnector(WebhookConfig(brand="moviplus", secret=SECRET), replay_guard=MemoryReplayGuard())  # type: ignore[arg-type]


def test_signed_single_and_list_bodies() -> None:
    conn = make()
    body = json.dumps(ITEM).encode()
    batch = conn.parse_webhook(sign(SECRET, int(time.time()), body), body)
    [mention] = batch.mentions
    assert mention.brand == "moviplus" and mention.channel == "webhook" and mention.text == "<b>me cobraron doble</b>"
    body = json.dumps([{**ITEM, "id": "t-2"}, {"id": "sin-campos"}, 7]).encode()
    batch = conn.parse_webhook(sign(SECRET, int(time.time()), body), body)
    assert [m.id for m in batch.mentions] == ["t-2"] and len(batch.errors) == 2
    assert "elemento 2" in batch.errors[0]


def test_signature_failures() -> None:
    conn = make()
    body = json.dumps(ITEM).encode()
    now = int(time.time())
    headers = sign(SECRET, now, body)
    with pytest.raises(SignatureError, match="no coincide"):
        conn.parse_webhook(headers, body.replace(b"doble", b"triple"))
    with pytest.raises(SignatureError, match="no coincide"):
        conn.parse_webhook(sign("otro-secreto-cualquiera", now, body), body)
    with pytest.raises(SignatureError, match="5 minutos"):
        conn.parse_webhook(sign(SECRET, now - 301, body), body)
    with pytest.raises(SignatureError, match="5 minutos"):
        conn.parse_webhook(sign(SECRET, now + 400, body), body)
    with pytest.raises(SignatureError, match="faltan"):
        conn.parse_webhook({}, body)
    with pytest.raises(SignatureError, match="inválida"):
        conn.parse_webhook({**headers, "X-Cauce-Timestamp": "abc"}, body)
    conn.parse_webhook(headers, body)
    with pytest.raises(SignatureError, match="repetida"):
        conn.parse_webhook(headers, body)


def test_malformed_bodies() -> None:
    conn = make()
    for body in (b"{no json", json.dumps([1, 2]).encode(), json.dumps({"id": "x"}).encode()):
        with pytest.raises(PayloadError):
            conn.parse_webhook(sign(SECRET, int(time.time()), body), body)
    huge = b"[" + b" " * 5_000_001 + b"]"
    with pytest.raises(PayloadError, match="grande"):
        conn.parse_webhook(sign(SECRET, int(time.time()), huge), huge)
    many = json.dumps([ITEM] * 1001).encode()
    with pytest.raises(PayloadError, match="demasiadas"):
        conn.parse_webhook(sign(SECRET, int(time.time()), many), many)


def test_replay_guard_expires() -> None:
    guard = MemoryReplayGuard(max_keys=2)
    assert guard.first_time("a", ttl_s=60) and not guard.first_time("a", ttl_s=60)
    assert guard.first_time("b", ttl_s=0) and guard.first_time("b", ttl_s=60)  # expired → new again
    guard.first_time("c", ttl_s=60)
    guard.first_time("d", ttl_s=60)
    assert guard.first_time("a", ttl_s=60)  # evicted by size bound
