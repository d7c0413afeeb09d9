"""The case page's actions through the web routes: composer (draft, guard, send), assignment,
notes, state changes and the §5 checklist — each one audited, each one brand-scoped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from cauce.audit import service as audit
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cases import service as cases
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


@dataclass
class Desk:
    client: TestClient
    db: Database
    case_id: int
    area_id: int
    headers: dict[str, str]


@pytest.fixture
def desk(db: Database) -> Iterator[Desk]:
    brand = make_brand(db, name="Marca A")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[brand.id], actor=SYSTEM)
        area = cases.create_area(s, brand_id=brand.id, name="Facturación", slug="cobros", investigation_hours=24,
                                 categories=["cobro"], actor=SYSTEM)
        area_id = area.id
    with scripted_triage():
        with db.session() as s:
            case_id = ingest(s, mention(1, brand="marca-a", text="Me cobraron doble la factura",
                                        handle="@ana")).case_id
        assert case_id is not None
        with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
            csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
            assert csrf
            yield Desk(client, db, case_id, area_id, {"X-CSRF-Token": csrf.group(1), "HX-Request": "true"})


def _post(desk: Desk, path: str, data: dict[str, str]) -> str:
    response = desk.client.post(f"/cases/{desk.case_id}{path}", data=data, headers=desk.headers)
    assert response.status_code == 200, response.text
    return response.text


def _actions(desk: Desk) -> list[str]:
    with desk.db.read_session() as s:
        return [e.action for e in audit.events_for_case(s, desk.case_id)]


def test_the_guard_reviews_the_text_as_the_agent_types(desk: Desk) -> None:
    sarcastic = _post(desk, "/composer/check", {"text": "Hola Ana, qué raro que no te llegó la factura. Laura",
                                                "visibility": "public"})
    assert 'data-verdict="block"' in sarcastic and "Sugerencia:" in sarcastic
    asks_data = _post(desk, "/composer/check", {"text": "Hola Ana, escríbenos aquí tu número de pedido. Laura",
                                                "visibility": "public"})
    assert 'data-verdict="block"' in asks_data and "dato personal" in asks_data
    fine = _post(desk, "/composer/check", {"text": "Hola Ana, lamentamos mucho el cobro doble; ya lo revisamos "
                                                   "y te escribimos por DM. Laura", "visibility": "public"})
    assert 'data-verdict="ok"' in fine


def test_a_draft_greets_by_name_and_is_signed_by_the_agent(desk: Desk) -> None:
    html = _post(desk, "/composer/draft", {"draft_intent": "first_reply", "visibility": "public"})
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert text and "Laura" in text.group(1) and ("Ana" in text.group(1) or "@ana" in text.group(1))
    refused = desk.client.post(f"/cases/{desk.case_id}/composer/draft", data={"draft_intent": "nope"},
                               headers=desk.headers)
    assert refused.status_code == 422


def test_a_blocked_reply_is_not_sent(desk: Desk) -> None:
    response = desk.client.post(f"/cases/{desk.case_id}/composer/send", headers=desk.headers,
                                data={"text": "Hola Ana, qué raro que no te llegó. Laura", "visibility": "public"})
    assert response.status_code in (409, 422)  # blocked by the guard (or no channel to send through)
    assert "reply.queued" not in _actions(desk)


def test_assign_note_and_checklist_are_audited(desk: Desk) -> None:
    html = _post(desk, "/assign", {"area_id": str(desk.area_id)})
    assert "Facturación" in html
    _post(desk, "/notes", {"text": "Llamé a la clienta <b>hoy</b>"})
    page = desk.client.get(f"/cases/{desk.case_id}").text
    assert "Llamé a la clienta &lt;b&gt;hoy&lt;/b&gt;" in page
    _post(desk, "/outcome", {"outcome": "at_fault"})
    html = _post(desk, "/checklist", {"item": "§5.2.strong-apology", "state": "done"})
    assert 'data-check-item="§5.2.strong-apology"' in html and 'aria-checked="true"' in html
    actions = _actions(desk)
    for expected in ("case.assigned", "case.note_added", "playbook.outcome_set", "playbook.checklist_ticked"):
        assert expected in actions


def test_closing_without_the_checklist_is_refused_with_the_reason(desk: Desk) -> None:
    response = desk.client.post(f"/cases/{desk.case_id}/transition", headers=desk.headers,
                                data={"to": "cerrado", "outcome": "at_fault"})
    assert response.status_code == 409
    assert 'class="flash flash-error"' in response.text
    with desk.db.read_session() as s:
        assert cases.get(s, case_id=desk.case_id).status == "nuevo"


def test_bad_form_values_get_a_readable_error(desk: Desk) -> None:
    response = desk.client.post(f"/cases/{desk.case_id}/satisfaction", data={"score": "9"}, headers=desk.headers)
    assert response.status_code == 422 and "Revise el formulario" in response.text
