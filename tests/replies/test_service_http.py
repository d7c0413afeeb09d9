"""The replies HTTP API: queue, list, draft, check-reply, external replies, retry and channel admin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from connectors.runtime.recording import TEST_KEY, World, build_world
from helpers import scripted_triage

GOOD = ("Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
        "escribimos por mensaje privado hoy mismo. Laura")


@pytest.fixture
def api(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, World, dict[str, dict[str, str]]]]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("CAUCE_JOBS", "none")
    with scripted_triage():
        w = build_world(db)
        with db.session() as s:
            admin = auth.create_user(s, email="admin@conectel.co", name="Admin", role="admin",
                                     password="clave-segura", actor=SYSTEM)
            tokens = {who: auth.create_api_token(s, user_id=uid, name="t", actor=SYSTEM)
                      for who, uid in (("agent", w.agent.user_id), ("supervisor", w.supervisor.user_id),
                                       ("outsider", w.outsider.user_id), ("admin", admin.id))}
        client = TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False))
        yield client, w, {who: {"Authorization": f"Bearer {t}"} for who, t in tokens.items()}


def test_queue_list_and_idempotent_retries_of_the_same_request(
        api: tuple[TestClient, World, dict[str, dict[str, str]]]) -> None:
    client, w, h = api
    url = f"/api/v1/cases/{w.case_id}/replies"
    first = client.post(url, json={"text": GOOD}, headers={**h["agent"], "Idempotency-Key": "clic-1"})
    again = client.post(url, json={"text": GOOD}, headers={**h["agent"], "Idempotency-Key": "clic-1"})
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    body = first.json()
    assert body["state"] == "queued" and body["visibility"] == "public" and body["guard"]["verdict"] == "ok"
    listed = client.get(url, headers=h["agent"]).json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert client.get(url, headers=h["outsider"]).status_code == 404
    assert client.post(url, json={"text": GOOD}, headers=h["outsider"]).status_code == 404


def test_blocked_reply_is_a_409_with_findings_and_a_supervisor_can_override(
        api: tuple[TestClient, World, dict[str, dict[str, str]]]) -> None:
    client, w, h = api
    url = f"/api/v1/cases/{w.case_id}/replies"
    bad = {"text": "Hola Ana, envíanos tu número de cédula y teléfono aquí mismo. Laura"}
    response = client.post(url, json=bad, headers=h["agent"])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "reply_blocked" and "dato personal" in error["message"]
    assert error["details"]["findings"][0]["rule"] == "public-personal-data"
    assert client.post(url, json={**bad, "override_reason": "x"}, headers=h["agent"]).status_code == 403
    ok = client.post(url, json={**bad, "override_reason": "Lo pidió la persona"}, headers=h["supervisor"])
    assert ok.status_code == 201 and ok.json()["override_reason"] == "Lo pidió la persona"


def test_check_reply_and_draft(api: tuple[TestClient, World, dict[str, dict[str, str]]]) -> None:
    client, w, h = api
    check = client.post(f"/api/v1/cases/{w.case_id}/check-reply",
                        json={"text": "Quizá no leíste nuestra página 🙄", "visibility": "public"}, headers=h["agent"])
    assert check.status_code == 200
    verdict = check.json()
    assert verdict["verdict"] in ("warn", "block") and verdict["findings"]
    assert set(verdict["findings"][0]) == {"rule", "severity", "message", "suggestion"}
    assert client.post(f"/api/v1/cases/{w.case_id}/check-reply", json={"text": "hola", "visibility": "a gritos"},
                       headers=h["agent"]).status_code == 422
    drafted = client.post(f"/api/v1/cases/{w.case_id}/draft", json={"intent": "first_reply"}, headers=h["agent"])
    assert drafted.status_code == 200, drafted.text
    text = drafted.json()["text"]
    assert "Laura" in text and drafted.json()["guard"]["verdict"] in ("ok", "warn")
    assert client.post(f"/api/v1/cases/{w.case_id}/draft", json={"intent": "insultar"},
                       headers=h["agent"]).status_code == 422


def test_external_reply_and_retry(api: tuple[TestClient, World, dict[str, dict[str, str]]]) -> None:
    client, w, h = api
    recorded = client.post(f"/api/v1/cases/{w.case_id}/replies/external",
                           json={"text": "Le llamamos y quedó resuelto.", "visibility": "private"}, headers=h["agent"])
    assert recorded.status_code == 201 and recorded.json()["state"] == "recorded"
    assert client.post(f"/api/v1/replies/{recorded.json()['id']}/retry", headers=h["agent"]).status_code == 409
    assert client.post("/api/v1/replies/9999/retry", headers=h["agent"]).status_code == 404


def test_channel_admin_is_masked_and_admin_only(api: tuple[TestClient, World, dict[str, dict[str, str]]]) -> None:
    client, _, h = api
    body = {"brand": "conectel", "kind": "demo", "name": "Demo 2", "credentials": {"token": "secreto-largo-42"}}
    assert client.post("/api/v1/channels", json=body, headers=h["agent"]).status_code == 403
    created = client.post("/api/v1/channels", json=body, headers=h["admin"])
    assert created.status_code == 201 and created.json()["credentials"] == {"token": "sec…42"}
    listed = client.get("/api/v1/channels", headers=h["admin"])
    assert "secreto-largo-42" not in listed.text and len(listed.json()) == 2
    tested = client.post(f"/api/v1/channels/{created.json()['id']}/test", headers=h["admin"]).json()
    assert tested == {"ok": True, "account": "Cuenta demo"}
    patched = client.patch(f"/api/v1/channels/{created.json()['id']}", json={"enabled": False}, headers=h["admin"])
    assert patched.json()["enabled"] is False
    bad = client.post("/api/v1/channels", json={**body, "kind": "<script>"}, headers=h["admin"])
    assert bad.status_code == 422 and "desconocido" in bad.json()["error"]["message"]
