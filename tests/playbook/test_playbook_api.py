"""The playbook over HTTP: next actions, checklist, close, moderation, guidelines, policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playbook_helpers import ingest, reply, setup_brand

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from helpers import scripted_triage


@pytest.fixture
def api(db: Database) -> Iterator[dict[str, Any]]:
    brand = setup_brand(db, "Conectel")
    other = setup_brand(db, "Lumina")
    with db.session() as s:
        agent = auth.create_user(s, email="laura@c.co", name="Laura Gómez", role="agent", password="clave-segura",
                                 brand_ids=[brand.id], actor=SYSTEM)
        sup = auth.create_user(s, email="vale@c.co", name="Valentina Ríos", role="supervisor",
                               password="clave-segura", brand_ids=[brand.id, other.id], actor=SYSTEM)
        tokens = {"agent": auth.create_api_token(s, user_id=agent.id, name="t", actor=SYSTEM),
                  "sup": auth.create_api_token(s, user_id=sup.id, name="t", actor=SYSTEM)}
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    with scripted_triage(), TestClient(app) as client:
        yield {"client": client, "brand": brand, "other": other, "db": db,
               **{k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}}


def test_next_actions_checklist_and_close(api: dict[str, Any]) -> None:
    """§5: «Either way, close the loop: every claim gets an explanation, even when it is rejected, and the
    customer's confirmation is recorded.»"""
    c: TestClient = api["client"]
    _, case_id = ingest(api["db"], 1, triage={"category": "cobro", "pqr_type": "reclamo"})
    r = c.get(f"/api/v1/cases/{case_id}/next-actions", headers=api["agent"])
    assert r.status_code == 200
    rules = [a["rule_id"] for a in r.json()["actions"]]
    assert rules[0] == "§3.first-reply-public" and "§3.ask-data-private" in rules
    reply(api["db"], case_id, visibility="public")
    assert c.post(f"/api/v1/cases/{case_id}/outcome", json={"outcome": "not_at_fault"},
                  headers=api["agent"]).status_code == 200
    r = c.post(f"/api/v1/cases/{case_id}/close", json={}, headers=api["agent"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    assert len(r.json()["error"]["details"]) == 5
    for item in ("§5.1.result-private", "§5.1.explain-scope", "§5.1.link-published-info",
                 "§5.1.prevention-measure"):
        r = c.post(f"/api/v1/cases/{case_id}/checklist", json={"item": item}, headers=api["agent"])
        assert r.status_code == 200
    assert r.json()["can_close"] is False
    r = c.post(f"/api/v1/cases/{case_id}/confirmation", json={"kind": "confirmed"}, headers=api["agent"])
    assert r.json()["can_close"] is True
    r = c.post(f"/api/v1/cases/{case_id}/close", json={}, headers=api["agent"])
    assert r.status_code == 200 and r.json()["status"] == "cerrado"
    bad = c.post(f"/api/v1/cases/{case_id}/checklist", json={"item": "x", "state": "maybe"}, headers=api["agent"])
    assert bad.status_code == 422


def test_other_brands_cases_are_not_found(api: dict[str, Any]) -> None:
    _, case_id = ingest(api["db"], 1, brand="lumina")
    r = api["client"].get(f"/api/v1/cases/{case_id}/next-actions", headers=api["agent"])
    assert r.status_code == 404


def test_moderation_refusal_override_and_reverse(api: dict[str, Any]) -> None:
    """§6: «**Never block them or delete their messages**, unless they use rude or disrespectful words.»"""
    c: TestClient = api["client"]
    mention_id, case_id = ingest(api["db"], 1, triage={"author_role": "hostil"})
    person_id = c.get(f"/api/v1/cases/{case_id}", headers=api["agent"]).json()["summary"]["person_id"]
    body = {"brand_id": api["brand"].id, "person_id": person_id, "action": "block", "clause_id": "respeto",
            "case_id": case_id, "mention_id": mention_id}
    r = c.post("/api/v1/moderation/actions", json=body, headers=api["agent"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "playbook_refused"
    assert {d["rule_id"] for d in r.json()["error"]["details"]} == {
        "§6.never-block-without-rude-words", "§8.warn-before-block"}
    r = c.post("/api/v1/moderation/actions", json=body | {"override_reason": "Suplantó a un empleado"},
               headers=api["sup"])
    assert r.status_code == 201 and r.json()["status"] == "applied"
    action_id = r.json()["id"]
    assert c.post(f"/api/v1/moderation/actions/{action_id}/reverse", json={"reason": "Revisado"},
                  headers=api["agent"]).status_code == 403
    r = c.post(f"/api/v1/moderation/actions/{action_id}/reverse", json={"reason": "Revisado con legal"},
               headers=api["sup"])
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    listed = c.get("/api/v1/moderation/actions", headers=api["agent"]).json()
    assert [a["id"] for a in listed] == [action_id]


def test_troll_proposals_queue_and_decision(api: dict[str, Any]) -> None:
    """§7: «The system must be conservative, explain its evidence, and let a person confirm.»"""
    c: TestClient = api["client"]
    _, case_id = ingest(api["db"], 1, triage={"author_role": "troll", "role_confidence": 0.9})
    queue = c.get("/api/v1/moderation/proposals", headers=api["agent"]).json()
    assert len(queue) == 1 and queue[0]["case_ids"] == [case_id]
    person_id = queue[0]["person_id"]
    body = {"brand_id": api["brand"].id, "role": "troll", "reason": "Provoca en hilos ajenos"}
    assert c.post(f"/api/v1/moderation/proposals/{person_id}/decide", json=body,
                  headers=api["agent"]).status_code == 403
    r = c.post(f"/api/v1/moderation/proposals/{person_id}/decide", json=body, headers=api["sup"])
    assert r.status_code == 200 and r.json()["confirmed_role"] == "troll"
    assert c.get("/api/v1/moderation/proposals", headers=api["agent"]).json() == []


def test_guidelines_crud_and_public_page(api: dict[str, Any]) -> None:
    """§8: «The guidelines are written, published and applied the same way to everyone»"""
    c: TestClient = api["client"]
    brand_id = api["brand"].id
    current = c.get(f"/api/v1/brands/{brand_id}/guidelines", headers=api["agent"]).json()
    assert current["version"] == 0
    new = {"id": "nueva", "title": "Nueva norma", "text": "Texto de la norma nueva.", "actions": ["warn"]}
    clauses = [*current["clauses"][:2], new]
    assert c.put(f"/api/v1/brands/{brand_id}/guidelines", json={"clauses": clauses},
                 headers=api["agent"]).status_code == 403
    r = c.put(f"/api/v1/brands/{brand_id}/guidelines", json={"clauses": clauses}, headers=api["sup"])
    assert r.status_code == 200 and r.json()["version"] == 1
    page = c.get("/guidelines/conectel")
    assert page.status_code == 200 and "Nueva norma" in page.text and page.headers["content-type"].startswith(
        "text/html")
    assert c.get("/guidelines/no-existe").status_code == 404
    bad = c.put(f"/api/v1/brands/{brand_id}/guidelines", json={"clauses": [{"id": "x"}]}, headers=api["sup"])
    assert bad.status_code == 422


def test_policy_is_readable_and_validated(api: dict[str, Any]) -> None:
    c: TestClient = api["client"]
    brand_id = api["brand"].id
    r = c.get(f"/api/v1/brands/{brand_id}/playbook", headers=api["agent"])
    assert r.json()["effective"]["times"]["follow_up_days"] == 7
    assert c.get(f"/api/v1/brands/{api['other'].id}/playbook", headers=api["agent"]).status_code == 404
