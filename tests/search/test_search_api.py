"""GET /api/v1/search: typed results, brand isolation, clean answers to hostile queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage


@pytest.fixture
def api(db: Database) -> Iterator[dict[str, Any]]:
    a = make_brand(db, name="Marca A", organisation="Grupo")
    make_brand(db, name="Marca B", organisation="Grupo")
    with db.session() as s:
        agent = auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password="clave-segura",
                                 brand_ids=[a.id], actor=SYSTEM)
        admin = auth.create_user(s, email="admin@a.co", name="Admin", role="admin", password="clave-segura",
                                 actor=SYSTEM)
        tokens = {"agent": auth.create_api_token(s, user_id=agent.id, name="t", actor=SYSTEM),
                  "admin": auth.create_api_token(s, user_id=admin.id, name="t", actor=SYSTEM)}
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    with scripted_triage(), TestClient(app) as client:
        for n, brand, handle, name, text in (
                (1, "marca-a", "@Troll_Ruidoso", "Ñoño Troll", "Ustedes son unos ladrones, devuelvan el cobro"),
                (2, "marca-b", "@cliente_b", "Beatriz Ortiz", "Mi pedido no llegó y nadie responde")):
            body = mention(n, brand=brand, handle=handle, text=text,
                           author={"handle": handle, "name": name, "followers": 5}).model_dump(mode="json")
            assert client.post("/api/v1/mentions", json=body,
                               headers={"Authorization": f"Bearer {tokens['admin']}"}).status_code == 201
        yield {"client": client, **{k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}}


def _get(api: dict[str, Any], who: str = "agent", **params: Any) -> Any:
    return api["client"].get("/api/v1/search", params=params, headers=api[who])


def test_people_and_cases_come_back_typed_with_links(api: dict[str, Any]) -> None:
    body = _get(api, q="@troll").json()
    assert body["kind"] == "all" and body["query"] == "@troll"
    [person] = body["people"]
    assert person["name"] == "Ñoño Troll" and person["url"] == f"/people/{person['id']}"
    assert person["handles"] == [{"channel": "twitter", "handle": "troll_ruidoso", "display_name": "Ñoño Troll"}]
    cases = _get(api, q="cobros", kind="cases").json()
    assert cases["people"] == [] and [c["title"] for c in cases["cases"]] == [
        "Ustedes son unos ladrones, devuelvan el cobro"]
    case_id = cases["cases"][0]["id"]
    by_number = _get(api, q=f"caso {case_id}").json()["cases"]
    assert by_number[0]["id"] == case_id and by_number[0]["matched"] == "number"
    assert _get(api, q="nono", kind="people").json()["cases"] == []


def test_an_agent_sees_only_the_brands_they_work_for(api: dict[str, Any]) -> None:
    assert _get(api, q="beatriz").json()["people"] == []
    assert _get(api, q="pedido").json()["cases"] == []
    assert [p["name"] for p in _get(api, "admin", q="beatriz").json()["people"]] == ["Beatriz Ortiz"]
    assert len(_get(api, "admin", q="pedido").json()["cases"]) == 1
    assert api["client"].get("/api/v1/search", params={"q": "x"}).status_code == 401


def test_hostile_queries_get_a_clean_answer_and_invalid_requests_a_422(api: dict[str, Any]) -> None:
    for q in ('"', "*", "NEAR(", "-", ":", "mari\x00a", "\x00", "' OR 1=1 --", "a & | !", "x" * 200):
        response = _get(api, q=q)
        assert response.status_code == 200, q
        assert response.json()["cases"] == [] and response.json()["people"] == [], q
    for params in ({"q": "x" * 201}, {}, {"q": ""}, {"q": "ana", "kind": "mentions"}, {"q": "ana", "limit": 0},
                   {"q": "ana", "limit": 51}):
        response = _get(api, **params)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input", params
