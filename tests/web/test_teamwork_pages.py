"""The team's tools through the routes: bulk actions (web form and API), saved views per user, the
brand's macros (settings page and the composer's picker). Forms refused keep what was typed."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cauce.audit.service import SYSTEM, events_for_case
from cauce.auth import service as auth
from cauce.cases import service as cases
from cauce.cases.models import Case, SavedView
from cauce.config import Settings
from cauce.db import Database
from cauce.macros.models import Macro
from cauce.mentions.service import ingest
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"
SECRET_B = "SECRETO-DE-B"


@dataclass
class Team:
    db: Database
    app_settings: Settings
    brand_a: int
    brand_b: int
    laura: int
    sol: int
    area: int
    own: list[int]
    foreign: int
    token: str


def _login(team: Team, email: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(team.app_settings, db=team.db, run_scheduler=False))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
    assert csrf
    return client, csrf.group(1)


@pytest.fixture
def team(db: Database) -> Iterator[Team]:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    with db.session() as s:
        laura = auth.create_user(s, email="laura@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                                 brand_ids=[a.id], actor=SYSTEM)
        sol = auth.create_user(s, email="sol@a.co", name="Sol Díaz", role="supervisor", password=PASSWORD,
                               brand_ids=[a.id], actor=SYSTEM)
        area = cases.create_area(s, brand_id=a.id, name="Facturación", slug="cobros", investigation_hours=24,
                                 categories=["cobro"], actor=SYSTEM)
        token = auth.create_api_token(s, user_id=laura.id, name="script", actor=SYSTEM)
        ids = (laura.id, sol.id, area.id)
    with scripted_triage(), db.session() as s:
        own = [ingest(s, mention(i, brand=a.slug, handle=f"@cliente{i}", text=f"Me cobraron doble {i}")).case_id
               for i in (1, 2, 3)]
        foreign = ingest(s, mention(9, brand=b.slug, handle="@otro", text=f"Cobro doble {SECRET_B}")).case_id
    assert foreign is not None
    yield Team(db, Settings(database_url=db.url), a.id, b.id, *ids, [c for c in own if c is not None], foreign, token)


def _error(page: str, key: str) -> str:
    found = re.search(rf'id="err-{key}">([^<]*)<', page)
    assert found, f"no inline error for {key}"
    return html.unescape(found.group(1))


def test_api_bulk_assign_refuses_another_brands_case_per_case(team: Team) -> None:
    with TestClient(create_app(team.app_settings, db=team.db, run_scheduler=False)) as client:
        response = client.post("/api/v1/bulk/cases", headers={"Authorization": f"Bearer {team.token}"},
                               json={"action": "assign", "case_ids": [*team.own, team.foreign],
                                     "user_id": team.laura, "reason": "Reparto de la mañana"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["done"] == team.own
    assert body["refused"] == [{"case_id": team.foreign, "message": f"No existe el caso {team.foreign}."}]
    assert SECRET_B not in response.text
    with team.db.read_session() as s:
        assert all(s.get(Case, i).assigned_user_id == team.laura for i in team.own)  # type: ignore[union-attr]
        assert s.get(Case, team.foreign).assigned_user_id is None  # type: ignore[union-attr]
        assert [e.action for e in events_for_case(s, team.own[0])].count("case.assigned") == 1


def test_web_bulk_assign_then_a_refused_close_keeps_the_selection_and_what_was_typed(team: Team) -> None:
    client, csrf = _login(team, "laura@a.co")
    page = client.get("/inbox").text
    assert 'name="case_ids"' in page and 'form="bulk-form"' in page
    done = client.post("/inbox/bulk", data={"csrf_token": csrf, "action": "assign", "user_id": str(team.laura),
                                            "case_ids": [str(i) for i in team.own]})
    assert done.status_code == 200
    assert "Casos actualizados: 3." in done.text
    # Closing needs the outcome: refused as a whole, inline, the typed reason and the selection kept.
    bad = client.post("/inbox/bulk", data={"csrf_token": csrf, "action": "close", "reason": "Ya resuelto hoy",
                                           "case_ids": [str(i) for i in team.own[:2]]})
    assert bad.status_code == 422 and "Algo salió mal" not in bad.text
    assert "resultado" in _error(bad.text, "bulk")
    assert 'value="Ya resuelto hoy"' in bad.text
    for case_id in team.own[:2]:
        assert re.search(rf'value="{case_id}" form="bulk-form"[^>]*checked', bad.text)
    assert not re.search(rf'value="{team.own[2]}" form="bulk-form"[^>]*checked', bad.text)
    # With the outcome, the new cases cannot be closed yet: each is reported with the lifecycle's reason.
    refused = client.post("/inbox/bulk", data={"csrf_token": csrf, "action": "close", "reason": "Ya resuelto",
                                               "outcome": "not_applicable",
                                               "case_ids": [str(i) for i in team.own[:2]] + [str(team.foreign)]})
    assert refused.status_code == 200
    assert "Casos actualizados: 0." in refused.text
    for case_id in [*team.own[:2], team.foreign]:
        assert f'data-refused="{case_id}"' in refused.text
    assert "primera respuesta" in refused.text and SECRET_B not in refused.text
    with team.db.read_session() as s:
        assert all(s.get(Case, i).is_open for i in team.own)  # type: ignore[union-attr]
    # Tagging in bulk: the tag shows in the inbox row and on the case page.
    tagged = client.post("/inbox/bulk", data={"csrf_token": csrf, "action": "tag", "tag": "Doble cobro",
                                              "case_ids": [str(team.own[0])]})
    assert tagged.status_code == 200 and "Casos actualizados: 1." in tagged.text
    assert "#doble-cobro" in client.get("/inbox").text and "#doble-cobro" in client.get(f"/cases/{team.own[0]}").text


def test_saved_views_are_their_owners_only(team: Team) -> None:
    laura, csrf = _login(team, "laura@a.co")
    saved = laura.post("/inbox/views", data={"csrf_token": csrf, "name": "Mis nuevos", "status": "nuevo",
                                             "assignee": "me"}, follow_redirects=False)
    assert saved.status_code == 303 and "status=nuevo" in saved.headers["location"]
    page = laura.get("/inbox").text
    assert "Mis nuevos" in page and "status=nuevo" in page
    twice = laura.post("/inbox/views", data={"csrf_token": csrf, "name": "Mis nuevos", "status": "nuevo"})
    assert twice.status_code == 422 and "Ya tiene una vista" in _error(twice.text, "view_new")
    assert 'id="view-name" name="name" maxlength="80" required value="Mis nuevos"' in twice.text
    with team.db.read_session() as s:
        view_id = s.scalar(select(SavedView.id).where(SavedView.user_id == team.laura))
    sol, sol_csrf = _login(team, "sol@a.co")
    assert "Mis nuevos" not in sol.get("/inbox").text
    assert sol.post(f"/inbox/views/{view_id}/rename", data={"csrf_token": sol_csrf, "name": "Mía"}).status_code == 404
    assert sol.post(f"/inbox/views/{view_id}/delete", data={"csrf_token": sol_csrf}).status_code == 404
    empty = laura.post(f"/inbox/views/{view_id}/rename", data={"csrf_token": csrf, "name": "  "})
    assert empty.status_code == 422 and _error(empty.text, f"view_{view_id}")
    assert laura.post(f"/inbox/views/{view_id}/rename", data={"csrf_token": csrf, "name": "Hoy"},
                      follow_redirects=False).status_code == 303
    assert "Hoy" in laura.get("/inbox").text
    assert laura.post(f"/inbox/views/{view_id}/delete", data={"csrf_token": csrf},
                      follow_redirects=False).status_code == 303
    with team.db.read_session() as s:
        assert s.scalar(select(SavedView.id)) is None


def test_macros_settings_keep_what_was_typed_and_agents_only_use_them(team: Team) -> None:
    laura, laura_csrf = _login(team, "laura@a.co")
    assert laura.get("/settings/macros").status_code == 403
    assert laura.post("/settings/macros", data={"csrf_token": laura_csrf, "brand_id": str(team.brand_a),
                                                "title": "X", "text": "Hola"}).status_code == 403
    sol, csrf = _login(team, "sol@a.co")
    bad = sol.post("/settings/macros", data={"csrf_token": csrf, "brand_id": str(team.brand_a),
                                             "title": "Pedir datos", "text": "Hola {cliente}, escríbenos"})
    assert bad.status_code == 422 and "{cliente}" in _error(bad.text, "new")
    assert 'value="Pedir datos"' in bad.text and "Hola {cliente}, escríbenos</textarea>" in bad.text
    assert sol.post("/settings/macros", data={"csrf_token": csrf, "brand_id": str(team.brand_b),
                                              "title": "Ajena", "text": "Hola"}).status_code == 404
    good = sol.post("/settings/macros", data={"csrf_token": csrf, "brand_id": str(team.brand_a),
                                              "title": "Pedir datos",
                                              "text": "Hola {nombre}, soy {agente} de {marca} ({caso})."},
                    follow_redirects=False)
    assert good.status_code == 303
    with team.db.read_session() as s:
        macro_id = s.scalar(select(Macro.id))
    assert macro_id is not None
    # The agent picks it in the composer: filled for the case, in the reply box that re-runs the tone check.
    case_id = team.own[0]
    assert 'id="macro-select"' in laura.get(f"/cases/{case_id}").text
    filled = laura.post(f"/cases/{case_id}/composer/macro", data={"macro_id": str(macro_id)},
                        headers={"X-CSRF-Token": laura_csrf, "HX-Request": "true"})
    assert filled.status_code == 200
    assert f"Hola Ana, soy Laura de Marca A (#{case_id})." in html.unescape(filled.text)
    assert f'hx-post="/cases/{case_id}/composer/check"' in filled.text and "load" in filled.text
    assert laura.post(f"/cases/{team.foreign}/composer/macro", data={"macro_id": str(macro_id)},
                      headers={"X-CSRF-Token": laura_csrf, "HX-Request": "true"}).status_code == 404
    edit = sol.post(f"/settings/macros/{macro_id}", data={"csrf_token": csrf, "title": "", "text": "Hola"})
    assert edit.status_code == 422 and _error(edit.text, f"m{macro_id}")
    assert sol.post(f"/settings/macros/{macro_id}/delete", data={"csrf_token": csrf},
                    follow_redirects=False).status_code == 303
    with team.db.read_session() as s:
        assert s.scalar(select(Macro.id)) is None


def test_macros_api(team: Team) -> None:
    with team.db.session() as s:
        sol = auth.create_api_token(s, user_id=team.sol, name="sol", actor=SYSTEM)
    with TestClient(create_app(team.app_settings, db=team.db, run_scheduler=False)) as client:
        agent = {"Authorization": f"Bearer {team.token}"}
        boss = {"Authorization": f"Bearer {sol}"}
        body = {"title": "Gracias", "text": "Gracias, {nombre}."}
        assert client.post(f"/api/v1/brands/{team.brand_a}/macros", json=body, headers=agent).status_code == 403
        assert client.post(f"/api/v1/brands/{team.brand_b}/macros", json=body, headers=boss).status_code == 404
        created = client.post(f"/api/v1/brands/{team.brand_a}/macros", json=body, headers=boss)
        assert created.status_code == 201, created.text
        macro_id = created.json()["id"]
        listed = client.get(f"/api/v1/brands/{team.brand_a}/macros", headers=agent).json()
        assert [m["title"] for m in listed] == ["Gracias"]
        assert client.get(f"/api/v1/brands/{team.brand_b}/macros", headers=agent).status_code == 404
        filled = client.get(f"/api/v1/cases/{team.own[0]}/macros/{macro_id}", headers=agent).json()
        assert filled["text"] == "Gracias, Ana."
        assert client.put(f"/api/v1/macros/{macro_id}", json={"title": "Gracias", "text": "{x}"},
                          headers=boss).status_code == 422
        assert client.delete(f"/api/v1/macros/{macro_id}", headers=agent).status_code == 403
        assert client.delete(f"/api/v1/macros/{macro_id}", headers=boss).status_code == 204
