"""The noise routes end to end: the API (typed answers, idempotent, the mention's brand authorises)
and the Ruido page (reasons, counts, search, one click into the queue, mark noise from a case)."""

from __future__ import annotations

import re
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

PASSWORD = "clave-segura-1"
NOISE = {"relevant": False, "relevance": 0.12, "relevance_reasons": ["homónimo: Deportivo Conectel"],
         "is_complaint": False, "pqr_type": "otro", "category": None, "author_role": "ninguno"}


@pytest.fixture
def world(db: Database) -> Iterator[dict[str, Any]]:
    a = make_brand(db, name="Conectel", handles=["@ConectelCO"])
    make_brand(db, name="Lumina")
    with db.session() as s:
        agent = auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                                 brand_ids=[a.id], actor=SYSTEM)
        token = auth.create_api_token(s, user_id=agent.id, name="t", actor=SYSTEM)
        admin = auth.create_user(s, email="admin@a.co", name="Ada", role="admin", password=PASSWORD, actor=SYSTEM)
        admin_token = auth.create_api_token(s, user_id=admin.id, name="t", actor=SYSTEM)
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    with scripted_triage(), TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        ids = {}
        for n, brand, text in ((1, "conectel", "Golazo del Deportivo Conectel"),
                               (2, "conectel", "Conectel Ingeniería busca electricistas"),
                               (3, "lumina", "Lumina, la estrella más brillante")):
            body = mention(n, brand=brand, handle=f"@p{n}", text=text, test_triage=NOISE).model_dump(mode="json")
            answer = client.post("/api/v1/mentions", json=body, headers=headers if brand == "conectel" else {
                "Authorization": f"Bearer {admin_token}"})
            assert answer.status_code == 201 and answer.json()["noise"] is True and "case_id" not in answer.json()
            ids[n] = answer.json()["mention_id"]
        yield {"client": client, "headers": headers, "ids": ids}


def test_api_brings_a_mention_into_the_queue_once_and_marks_it_noise_again(world: dict[str, Any]) -> None:
    client, headers, ids = world["client"], world["headers"], world["ids"]
    first = client.post(f"/api/v1/mentions/{ids[1]}/bring-into-queue", json={"reason": "Es cliente"},
                        headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["relevant"] is True and body["case_created"] is True and body["changed"] is True
    again = client.post(f"/api/v1/mentions/{ids[1]}/bring-into-queue", headers=headers).json()
    assert again["case_id"] == body["case_id"] and again["changed"] is False and again["case_created"] is False
    case = client.get(f"/api/v1/cases/{body['case_id']}", headers=headers)
    assert case.status_code == 200
    noise = client.post(f"/api/v1/mentions/{ids[1]}/mark-noise", json={"reason": "Era el club"}, headers=headers)
    assert noise.status_code == 200 and noise.json()["relevant"] is False
    assert noise.json()["discarded_case_id"] == body["case_id"]
    # Another brand's mention answers like a missing one.
    foreign = client.post(f"/api/v1/mentions/{ids[3]}/bring-into-queue", headers=headers)
    missing = client.post(f"/api/v1/mentions/{ids[3] + 999}/bring-into-queue", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert re.sub(r"\d+", "N", foreign.text) == re.sub(r"\d+", "N", missing.text)


def _login(client: TestClient) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token.group(1),
                                "next": "/noise"})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/noise").text)
    assert csrf
    return csrf.group(1)


def test_the_ruido_page_lists_reasons_and_counts_and_brings_one_in(world: dict[str, Any]) -> None:
    client, ids = world["client"], world["ids"]
    csrf = _login(client)
    page = client.get("/noise")
    assert page.status_code == 200
    assert "Golazo del Deportivo Conectel" in page.text and "homónimo: Deportivo Conectel" in page.text
    assert "Lumina, la estrella" not in page.text  # another brand's noise
    assert re.search(r"<strong>2</strong>", page.text)
    assert 'href="/noise"' in page.text  # the nav link
    found = client.get("/noise", params={"q": "electricistas"}).text
    assert "Conectel Ingeniería" in found and "Golazo" not in found
    done = client.post(f"/noise/{ids[2]}/bring-into-queue", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert done.status_code == 200 and "cauce-flash" in done.headers["HX-Trigger"]
    case_id = int(re.search(r'href="/cases/(\d+)"', done.text).group(1))  # type: ignore[union-attr]
    case_page = client.get(f"/cases/{case_id}").text
    assert "Conectel Ingeniería busca electricistas" in case_page and "data-mark-noise" in case_page
    marked = client.post(f"/noise/{ids[2]}/mark", data={"csrf_token": csrf}, follow_redirects=False)
    assert marked.status_code == 303 and marked.headers["location"] == "/noise?ok=1"
    assert "Conectel Ingeniería" in client.get("/noise").text


def test_the_brand_category_shows_on_the_case_and_filters_the_inbox(world: dict[str, Any], db: Database) -> None:
    from cauce.brands import service as brands
    from cauce.demo.relevance import TRIAGE_SETTINGS

    client, headers = world["client"], world["headers"]
    with db.session() as s:
        brand = brands.resolve(s, "conectel")
        brands.update_triage_settings(s, brand_id=brand.id, settings=TRIAGE_SETTINGS["conectel"], actor=SYSTEM)
    for n, text in ((10, "El módem tiene la luz roja y se reinicia solo"),
                    (11, "Me cobraron dos veces la factura del mes")):
        body = mention(n, handle=f"@c{n}", text=text).model_dump(mode="json")
        assert client.post("/api/v1/mentions", json=body, headers=headers).status_code == 201
    listed = client.get("/api/v1/cases", params={"brand_category": "equipos"}, headers=headers).json()
    assert [c["brand_category"] for c in listed] == ["equipos"]
    case_id = listed[0]["id"]
    _login(client)
    case_page = client.get(f"/cases/{case_id}").text
    assert re.search(r'class="chip chip-brand-cat"[^>]*>equipos<', case_page)
    inbox = client.get("/inbox", params={"brand_category": "equipos"}).text
    assert 'name="brand_category"' in inbox and "luz roja" in inbox and "dos veces la factura" not in inbox
