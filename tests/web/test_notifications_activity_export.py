"""The bell, the notification list and preferences, the «Actividad» page and the full case-list export,
through the web app and the API — each with its cross-brand rule."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cauce.audit.service import SYSTEM, Actor
from cauce.auth import service as auth
from cauce.cases import service as cases
from cauce.config import Settings
from cauce.db import Database
from cauce.notifications import service as notifications
from cauce.web.app import create_app
from helpers import scripted_triage
from notify_world import PASSWORD, World, build, ingest

EXTRA_A = 54  # brand A gets 55 open cases: more than one inbox page (50)


@pytest.fixture
def world(db: Database) -> Iterator[dict[str, Any]]:
    w = build(db)
    with db.session() as s:
        token = auth.create_api_token(s, user_id=w.agent_a, name="t", actor=SYSTEM)
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    with TestClient(app) as client:
        yield {"w": w, "client": client, "db": db, "api": {"Authorization": f"Bearer {token}"}}


def _login(client: TestClient, email: str) -> str:
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/notifications").text)
    assert csrf
    return csrf.group(1)


def _bell_count(client: TestClient) -> str:
    found = re.search(r'data-unread="(\d*)"', client.get("/notifications/bell").text)
    assert found
    return found.group(1)


def test_bell_list_open_mark_read_and_all_read(world: dict[str, Any]) -> None:
    w: World = world["w"]
    client, db = world["client"], world["db"]
    with db.session() as s:
        cases.assign(s, case_id=w.case_a, actor=Actor.user(w.super_a, "Valentina"), user_id=w.agent_a)
        notifications.notify(s, kind="crisis", key="crisis:77", brand_id=w.brand_a, user_ids=[w.agent_a],
                             title="Crisis en Conectel: pico de cobros")
    csrf = _login(client, "laura@marca.example")
    assert _bell_count(client) == "2"
    page = client.get("/notifications").text
    assert "Crisis en Conectel" in page and f"#{w.case_a}" in page
    ids = [int(i) for i in re.findall(r'id="notification-(\d+)"', page)]
    assert len(ids) == 2
    # "Abrir" on the assignment (the older one) marks it read and goes to the case.
    opened = client.post(f"/notifications/{min(ids)}/read?open=1", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/cases/{w.case_a}"
    assert _bell_count(client) == "1"
    done = client.post("/notifications/read-all", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and _bell_count(client) == "0"
    # Without the CSRF token nothing is marked.
    assert client.post("/notifications/read-all").status_code == 403


def test_cross_brand_someone_elses_notification_is_not_found(world: dict[str, Any]) -> None:
    w: World = world["w"]
    client, db = world["client"], world["db"]
    with db.session() as s:
        [theirs] = notifications.notify(s, kind="crisis", key="crisis:88", brand_id=w.brand_b,
                                        user_ids=[w.agent_b], title="Crisis en Aguas del Valle")
    csrf = _login(client, "laura@marca.example")
    assert client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": csrf}).status_code == 404
    assert "Aguas del Valle" not in client.get("/notifications").text
    api = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=world["api"])
    assert api.status_code == 404
    with db.read_session() as s:
        assert notifications.unread_count(s, user_id=w.agent_b, brand_ids=frozenset({w.brand_b})) == 1


def test_api_lists_and_marks_the_callers_notifications(world: dict[str, Any]) -> None:
    w: World = world["w"]
    client, db, headers = world["client"], world["db"], world["api"]
    with db.session() as s:
        cases.assign(s, case_id=w.case_a, actor=Actor.user(w.super_a, "Valentina"), user_id=w.agent_a)
    body = client.get("/api/v1/notifications", headers=headers).json()
    assert body["unread"] == 1 and body["items"][0]["kind"] == "case_assigned"
    assert body["items"][0]["case_id"] == w.case_a and body["items"][0]["read_at"] is None
    one = client.post(f"/api/v1/notifications/{body['items'][0]['id']}/read", headers=headers)
    assert one.status_code == 200 and one.json()["read_at"] is not None
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json() == {"unread": 0, "items": []}
    assert client.post("/api/v1/notifications/read-all", headers=headers).json() == {"marked": 0}


def test_preferences_form_saves_what_the_user_chose(world: dict[str, Any]) -> None:
    w: World = world["w"]
    client, db = world["client"], world["db"]
    csrf = _login(client, "laura@marca.example")
    form = client.get("/notifications/settings").text
    assert "Apelación" not in form  # appeals go to supervisors: an agent is not offered them
    saved = client.post("/notifications/settings", follow_redirects=False, data={
        "csrf_token": csrf, "case_assigned.shown": "1", "case_assigned.in_app": "1", "case_assigned.email": "1",
        "crisis.shown": "1", "sla_warning.shown": "1", "sla_warning.in_app": "1"})
    assert saved.status_code == 303
    with db.read_session() as s:
        prefs = notifications.preferences_of(s, user_id=w.agent_a)
    assert (prefs["case_assigned"].in_app, prefs["case_assigned"].email) == (True, True)
    assert (prefs["crisis"].in_app, prefs["crisis"].email) == (False, False)
    assert (prefs["sla_warning"].in_app, prefs["sla_warning"].email) == (True, False)
    assert prefs["appeal"].in_app  # not in the form: unchanged


def test_activity_shows_todays_team_actions_filtered_and_never_another_brands(world: dict[str, Any]) -> None:
    w: World = world["w"]
    client, db = world["client"], world["db"]
    with db.session() as s:
        cases.assign(s, case_id=w.case_a, actor=Actor.user(w.super_a, "Valentina Ríos"), user_id=w.agent_a)
        cases.add_note(s, case_id=w.case_a, text="Llamar a la clienta mañana",
                       actor=Actor.user(w.agent_a, "Laura Gómez"), author_user_id=w.agent_a)
        cases.add_note(s, case_id=w.case_b, text="SECRETO de Aguas", actor=Actor.user(w.agent_b, "Beto Agua"),
                       author_user_id=w.agent_b)
        cases.transition(s, case_id=w.case_a, to="descartado", actor=SYSTEM, reason="spam")  # not a person's act
    _login(client, "laura@marca.example")
    page = client.get("/activity").text
    assert 'id="activity-total">2<' in page
    assert "Llamar a la clienta" in page and "Valentina Ríos" in page and "Laura Gómez" in page
    assert "SECRETO de Aguas" not in page and "Beto Agua" not in page
    only_laura = client.get(f"/activity?user_id={w.agent_a}").text
    assert 'id="activity-total">1<' in only_laura and 'data-action="case.assigned"' not in only_laura
    assert 'data-action="case.note_added"' in only_laura
    # Another brand's id in the filter shows nothing (not that brand's activity).
    assert 'id="activity-total">0<' in client.get(f"/activity?brand_id={w.brand_b}").text
    assert 'id="activity-total">0<' in client.get("/activity?day=2020-01-01").text
    # The admin sees both brands.
    _login(client, "admin@cauce.example")
    assert 'id="activity-total">3<' in client.get("/activity").text


@pytest.fixture
def many(world: dict[str, Any]) -> dict[str, Any]:
    w: World = world["w"]
    with scripted_triage():
        for i in range(EXTRA_A):
            ingest(world["db"], f"x{i}", brand=w.slug_a, handle=f"@c{i}", minutes=i,
                   triage={"priority": 40, "category": "cobro"})
    return world


def _csv(client: TestClient, query: str) -> list[list[str]]:
    response = client.get(f"/inbox/export.csv?{query}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    delimiter = ";" if "csv=es" in query else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_export_has_every_matching_case_not_just_the_page_and_only_my_brands(many: dict[str, Any]) -> None:
    w: World = many["w"]
    client = many["client"]
    _login(client, "laura@marca.example")
    assert 'rel="next"' in client.get("/inbox").text or "page=2" in client.get("/inbox").text  # a second page
    rows = _csv(client, "csv=es")
    assert rows[0][:3] == ["Caso", "Marca", "Título"]
    body = rows[1:]
    assert len(body) == EXTRA_A + 1  # every open case of brand A
    assert {r[1] for r in body} == {"Conectel"}
    hours = body[0][13]
    assert re.fullmatch(r"\d+(,\d)?", hours), hours  # decimal comma in the Spanish style
    intl = _csv(client, "csv=intl&category=cobro")
    assert len(intl) - 1 == EXTRA_A and all(r[5] == "Cobro" for r in intl[1:])
    assert re.fullmatch(r"\d+(\.\d)?", intl[1][13])
    # The inbox's own filter names brand B: nothing of it comes out.
    assert len(_csv(client, f"csv=es&brand_id={w.brand_b}")) == 1
    response = client.get("/inbox/export.xlsx?category=cobro")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Caso" and len(values) - 1 == EXTRA_A
    assert client.get("/inbox/export.pdf").status_code == 404


def test_export_from_an_admin_includes_both_brands(many: dict[str, Any]) -> None:
    client = many["client"]
    _login(client, "admin@cauce.example")
    rows = _csv(client, "csv=intl")
    assert {r[1] for r in rows[1:]} == {"Conectel", "Aguas del Valle"}
    assert len(rows) - 1 == EXTRA_A + 2
