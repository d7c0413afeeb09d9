"""Webhook endpoints: signatures on the raw body, replays, bad payloads → 4xx with a reason, ingest."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.config import Settings
from cauce.connectors import construction
from cauce.connectors.signing import b64_signature, hex_signature
from cauce.connectors.webhook import sign
from cauce.db import Database
from cauce.mentions.models import Mention
from cauce.web.app import create_app
from connectors.runtime.recording import TEST_KEY
from helpers import T0, make_brand, mention, scripted_triage

SECRET = "un-secreto-de-webhook-bien-largo"
TG_SECRET = "tg-secreto-123"


@pytest.fixture
def hooks(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, int]]]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("CAUCE_JOBS", "none")
    brand = make_brand(db)
    with db.session() as s:
        generic = construction.add_channel(
            s, brand=brand, kind="webhook", name="CRM", credentials={"secret": SECRET}, actor=SYSTEM
        )
        telegram = construction.add_channel(
            s,
            brand=brand,
            kind="telegram",
            name="Bot",
            credentials={"bot_token": "123:abc", "webhook_secret": TG_SECRET},
            settings={"bot_username": "conectel_bot"},
            actor=SYSTEM,
        )
        ids = {"generic": generic.id, "telegram": telegram.id}
    with scripted_triage():
        yield TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)), ids


def _count(db: Database) -> int:
    with db.session() as s:
        return s.query(Mention).count()


def test_generic_webhook_verifies_ingests_and_rejects_replays(
    db: Database, hooks: tuple[TestClient, dict[str, int]]
) -> None:
    client, ids = hooks
    url = f"/webhooks/generic/{ids['generic']}"
    # Unique per run: the replay memory is process-wide and signatures include only time and body.
    nonce = uuid.uuid4().hex
    body = json.dumps(
        mention(nonce, text="<script>alert(1)</script> Me cobraron doble").model_dump(mode="json")
    ).encode()
    headers = sign(SECRET, int(time.time()), body)
    ok = client.post(url, content=body, headers=headers)
    assert ok.status_code == 200 and ok.json() == {"ingested": 1, "duplicates": 0, "errors": 0}
    replay = client.post(url, content=body, headers=headers)
    assert replay.status_code == 401 and "repetida" in replay.json()["error"]["message"]
    forged = client.post(url, content=body + b" ", headers=sign(SECRET, int(time.time()), body))
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "bad_signature"
    old = client.post(url, content=body, headers=sign(SECRET, int(time.time()) - 3600, body))
    assert old.status_code == 401
    junk = b"{no es json " + nonce.encode()
    bad = client.post(url, content=junk, headers=sign(SECRET, int(time.time()), junk))
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]["message"]
    assert client.post(url, content=body).status_code == 401
    assert _count(db) == 1


def test_webhooks_for_unknown_or_mismatched_channels_are_404(hooks: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = hooks
    assert client.post("/webhooks/generic/999", content=b"{}").status_code == 404
    assert client.post(f"/webhooks/telegram/{ids['generic']}", content=b"{}").status_code == 404
    assert client.post(f"/webhooks/myspace/{ids['generic']}", content=b"{}").status_code == 404


def test_telegram_webhook_checks_the_secret_token_header(
    db: Database, hooks: tuple[TestClient, dict[str, int]]
) -> None:
    client, ids = hooks
    url = f"/webhooks/telegram/{ids['telegram']}"
    update = {
        "update_id": 10,
        "message": {
            "message_id": 5,
            "date": int(T0.timestamp()),
            "chat": {"id": 77, "type": "private"},
            "from": {"id": 77, "username": "ana", "first_name": "Ana"},
            "text": "Hola, me cobraron dos veces",
        },
    }
    denied = client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "otro"})
    assert denied.status_code == 401
    ok = client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    assert ok.status_code == 200 and ok.json()["ingested"] == 1
    bad = client.post(url, content=b"[]", headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    assert bad.status_code == 400
    with db.session() as s:
        [row] = s.query(Mention).all()
        assert row.private and row.channel == "telegram" and row.external_id == "77:5"


@pytest.fixture
def meta_x(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, int, int]]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("CAUCE_JOBS", "none")
    brand = make_brand(db)
    with db.session() as s:
        meta = construction.add_channel(
            s,
            brand=brand,
            kind="meta",
            name="Página",
            settings={"page_id": "900"},
            credentials={
                "page_access_token": "EAAtoken123",
                "app_secret": "app-secreto",
                "verify_token": "verifica-esto",
            },
            actor=SYSTEM,
        )
        x = construction.add_channel(
            s,
            brand=brand,
            kind="x",
            name="X",
            settings={"user_id": "42"},
            credentials={"access_token": "x-token-123", "consumer_secret": "consumidor"},
            actor=SYSTEM,
        )
        ids = (meta.id, x.id)
    with scripted_triage():
        yield TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)), *ids


def test_meta_verification_and_signed_comments(db: Database, meta_x: tuple[TestClient, int, int]) -> None:
    client, meta_id, _ = meta_x
    url = f"/webhooks/meta/{meta_id}"
    ok = client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "verifica-esto", "hub.challenge": "1158201444"}
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert (
        client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "otro", "hub.challenge": "1"}).status_code
        == 403
    )
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "900",
                "time": int(T0.timestamp()),
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": "900_1_7",
                            "post_id": "900_1",
                            "from": {"id": "555", "name": "Ana Pérez"},
                            "message": "Me cobraron doble",
                            "created_time": int(T0.timestamp()),
                        },
                    }
                ],
            }
        ],
    }
    raw = json.dumps(payload).encode()
    good = client.post(url, content=raw, headers={"X-Hub-Signature-256": hex_signature("app-secreto", raw)})
    assert good.status_code == 200 and good.json()["ingested"] == 1
    forged = client.post(url, content=raw, headers={"X-Hub-Signature-256": hex_signature("otro", raw)})
    assert forged.status_code == 401 and "X-Hub-Signature-256" in forged.json()["error"]["message"]
    weird = b'{"object": "page"}'
    bad = client.post(url, content=weird, headers={"X-Hub-Signature-256": hex_signature("app-secreto", weird)})
    assert bad.status_code == 400 and _count(db) == 1


def test_x_crc_and_signature(meta_x: tuple[TestClient, int, int]) -> None:
    client, _, x_id = meta_x
    url = f"/webhooks/x/{x_id}"
    crc = client.get(url, params={"crc_token": "abc"})
    assert crc.status_code == 200
    assert crc.json() == {"response_token": b64_signature("consumidor", b"abc")}
    assert client.get(url).status_code == 403
    raw = b'{"for_user_id": "42", "tweet_create_events": []}'
    assert client.post(url, content=raw, headers={"x-twitter-webhooks-signature": "sha256=nope"}).status_code == 401
    ok = client.post(url, content=raw, headers={"x-twitter-webhooks-signature": b64_signature("consumidor", raw)})
    assert ok.status_code == 200 and ok.json() == {"ingested": 0, "duplicates": 0, "errors": 0}
