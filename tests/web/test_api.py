"""The HTTP API under /api/v1: auth, brand isolation, mentions, cases, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database, DatabaseNotMigrated
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage


@pytest.fixture
def world(db: Database) -> Iterator[dict[str, object]]:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    with db.session() as s:
        agent = auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password="clave-segura",
                                 brand_ids=[a.id], actor=SYSTEM)
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password="clave-segura",
                                 actor=SYSTEM)
        agent_token = auth.create_api_token(s, user_id=agent.id, name="t", actor=SYSTEM)
        admin_token = auth.create_api_token(s, user_id=admin.id, name="t", actor=SYSTEM)
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    with scripted_triage(), TestClient(app) as client:
        yield {"client": client, "a": a, "b": b, "agent": {"Authorization": f"Bearer {agent_token}"},
               "admin": {"Authorization": f"Bearer {admin_token}"}}


def _post(world: dict[str, object], body: object, who: str = "admin") -> object:
    client = world["client"]
    assert isinstance(client, TestClient)
    return client.post("/api/v1/mentions", json=body, headers=world[who])  # type: ignore[arg-type]


def test_health_and_openapi(world: dict[str, object]) -> None:
    client = world["client"]
    assert isinstance(client, TestClient)
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/v1/cases" in spec["paths"] and "/api/v1/mentions" in spec["paths"]


def test_requests_without_credentials_get_a_consistent_401(world: dict[str, object]) -> None:
    client = world["client"]
    assert isinstance(client, TestClient)
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_post_single_and_batch_mentions(world: dict[str, object]) -> None:
    one = mention(1, brand="marca-a").model_dump(mode="json")
    r = _post(world, one)
    assert r.status_code == 201 and r.json()["status"] == "created"  # type: ignore[attr-defined]
    assert _post(world, one).json()["status"] == "duplicate"  # type: ignore[attr-defined]
    batch = [mention(2, brand="marca-a", handle="@b").model_dump(mode="json"),
             {"id": "bad", "text": "sin campos"},
             mention(3, brand="desconocida").model_dump(mode="json")]
    r = _post(world, batch)
    body = r.json()  # type: ignore[attr-defined]
    assert r.status_code == 207  # type: ignore[attr-defined]
    assert body["summary"] == {"created": 1, "duplicate": 0, "error": 2}
    assert "created_at" in body["results"][1]["error"]
    assert "Marca desconocida" in body["results"][2]["error"]


def test_agent_cannot_post_or_read_other_brands(world: dict[str, object]) -> None:
    client = world["client"]
    assert isinstance(client, TestClient)
    r_b = _post(world, mention(9, brand="marca-b").model_dump(mode="json"))
    case_b = r_b.json()["case_id"]  # type: ignore[attr-defined]
    r = _post(world, mention(10, brand="marca-b").model_dump(mode="json"), who="agent")
    assert r.status_code == 422 and "acceso" in r.json()["error"]  # type: ignore[attr-defined]
    agent = world["agent"]
    assert client.get(f"/api/v1/cases/{case_b}", headers=agent).status_code == 404  # type: ignore[arg-type]
    assert client.get(f"/api/v1/cases/{case_b}/export?format=html",
                      headers=agent).status_code == 404  # type: ignore[arg-type]
    assert client.get("/api/v1/cases", headers=agent).json() == []  # type: ignore[arg-type]
    assert client.get("/api/v1/users", headers=agent).status_code == 403  # type: ignore[arg-type]


def test_case_routes_transition_assign_note_and_export(world: dict[str, object]) -> None:
    client = world["client"]
    assert isinstance(client, TestClient)
    agent = world["agent"]
    created = _post(world, mention(1, brand="marca-a", text="<b>Me cobraron doble</b>").model_dump(mode="json"),
                    who="agent").json()  # type: ignore[attr-defined]
    case_id = created["case_id"]
    listing = client.get("/api/v1/cases", headers=agent).json()  # type: ignore[arg-type]
    assert [c["id"] for c in listing] == [case_id] and listing[0]["clocks"][0]["name"] == "first_response"
    bad = client.post(f"/api/v1/cases/{case_id}/transition", json={"to": "cerrado"},
                      headers=agent)  # type: ignore[arg-type]
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "invalid_transition"
    note = client.post(f"/api/v1/cases/{case_id}/notes", json={"text": "Revisar factura de marzo"},
                       headers=agent)  # type: ignore[arg-type]
    assert note.status_code == 201
    detail = client.get(f"/api/v1/cases/{case_id}", headers=agent).json()  # type: ignore[arg-type]
    assert detail["notes"][0]["text"] == "Revisar factura de marzo"
    assert [e["action"] for e in detail["audit"]][:2] == ["case.opened", "mention.ingested"]
    html = client.get(f"/api/v1/cases/{case_id}/export?format=html", headers=agent).text  # type: ignore[arg-type]
    assert "&lt;b&gt;Me cobraron doble&lt;/b&gt;" in html and "<b>Me cobraron" not in html
    person = client.get(f"/api/v1/people/{detail['person']['id']}", headers=agent).json()  # type: ignore[arg-type]
    assert person["cases"][0]["id"] == case_id and person["handles"][0]["handle"] == "ana"


def test_validation_errors_use_the_common_error_body(world: dict[str, object]) -> None:
    client = world["client"]
    assert isinstance(client, TestClient)
    r = client.get("/api/v1/cases?limit=0", headers=world["agent"])  # type: ignore[arg-type]
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


def test_server_refuses_an_unmigrated_database(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    with pytest.raises(DatabaseNotMigrated, match="cauce db upgrade"):
        create_app(Settings(database_url=url), run_scheduler=False)
