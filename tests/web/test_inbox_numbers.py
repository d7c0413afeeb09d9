"""The inbox's numbers and order: the open count follows the filters, cases waiting for us come before
those waiting on the customer, and follower counts read as followers in the page's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.config import Settings
from cauce.db import Database, utcnow
from cauce.mentions.models import Mention
from cauce.people.models import Person
from cauce.web.app import create_app
from cauce.web.rendering import compact_number
from helpers import make_brand

PASSWORD = "clave-segura-1"


@dataclass
class Inbox:
    client: TestClient
    db: Database
    ids: dict[str, int]


@pytest.fixture
def inbox(db: Database) -> Iterator[Inbox]:
    brand = make_brand(db, name="Conectel")
    now = utcnow()
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura", role="agent", password=PASSWORD,
                         brand_ids=[brand.id], actor=SYSTEM)
        person = Person(organisation_id=brand.organisation_id, display_name="Ana")
        s.add(person)
        s.flush()

        def add(key: str, **kw: object) -> Case:
            row = Case(brand_id=brand.id, person_id=person.id, channel=kw.pop("channel", "twitter"),
                       conversation_key=key, title=f"Caso {key}", opened_at=now - timedelta(hours=1), **kw)
            s.add(row)
            return row

        rows = {
            # Answered, nothing new from the customer: waits on them, however high its priority.
            "answered": add("answered", status="respondido", priority=95, unanswered_count=0, pqr_type="queja"),
            # Answered, but the customer wrote again: waits for us.
            "wrote_again": add("wrote_again", status="respondido", priority=40, unanswered_count=1, pqr_type="queja"),
            "new_low": add("new_low", status="nuevo", priority=10, unanswered_count=1, pqr_type="queja"),
            "new_high": add("new_high", status="nuevo", priority=80, unanswered_count=1, pqr_type="reclamo",
                            channel="facebook"),
            "follow_up": add("follow_up", status="seguimiento", priority=90, unanswered_count=0, pqr_type="queja"),
            "closed": add("closed", status="cerrado", is_open=False, priority=99, pqr_type="queja"),
        }
        s.flush()
        s.add(Mention(brand_id=brand.id, channel="facebook", external_id="m1", author_handle="@ana",
                      author_name="Ana", author_followers=12_345, text="Sin servicio", case_id=rows["new_high"].id,
                      person_id=person.id, created_at=now, conversation_id="m1"))
        ids = {k: v.id for k, v in rows.items()}
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
    yield Inbox(client, db, ids)


def test_cases_waiting_for_us_come_first_then_priority(inbox: Inbox) -> None:
    with inbox.db.read_session() as s:
        order = [c.id for c in cases.list_cases(s)]
    i = inbox.ids
    assert order == [i["new_high"], i["wrote_again"], i["new_low"], i["answered"], i["follow_up"]]
    page = inbox.client.get("/inbox").text
    shown = [int(n) for n in re.findall(r'<tr id="case-(\d+)"', page)]
    assert shown == order
    assert page.count("Esperando al cliente") == 2


def test_the_open_count_follows_the_filters(inbox: Inbox) -> None:
    def count(query: str) -> int:
        found = re.search(r'id="open-count">(\d+)<', inbox.client.get("/inbox" + query).text)
        assert found
        return int(found.group(1))

    with inbox.db.read_session() as s:
        independent = dict(s.execute(text(
            "SELECT pqr_type, COUNT(*) FROM cases WHERE is_open = :yes GROUP BY pqr_type"), {"yes": True}).all())
    assert count("") == 5
    assert count("?pqr_type=reclamo") == independent["reclamo"] == 1
    assert count("?pqr_type=queja") == independent["queja"] == 4
    assert count("?channel=facebook") == 1
    assert count("?status=nuevo") == 2
    with inbox.db.read_session() as s:
        assert cases.count_cases(s, filters=cases.CaseFilters(status="respondido")) == 2


def test_followers_read_as_followers_in_the_page_language(inbox: Inbox) -> None:
    assert compact_number(870, "es") == "870"
    assert compact_number(12_345, "es") == "12,3\xa0mil"
    assert compact_number(1_234_567, "es") == "1,2\xa0M"
    assert compact_number(12_345, "en") == "12.3K"
    page = inbox.client.get("/inbox").text
    assert "seg." not in page
    assert "12,3\xa0mil seguidores" in page
    inbox.client.cookies.set("cauce_lang", "en")
    assert "12.3K followers" in inbox.client.get("/inbox").text


def test_a_claimed_row_keeps_its_queue_place_marker(inbox: Inbox) -> None:
    """The row htmx swaps in after 'Tomar caso' carries the same order data as the page's rows."""
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', inbox.client.get("/inbox").text)
    assert csrf
    answered = inbox.ids["answered"]
    row = inbox.client.post(f"/cases/{answered}/claim?from=inbox", headers={"X-CSRF-Token": csrf.group(1),
                                                                          "HX-Request": "true"})
    assert row.status_code == 200, row.text
    assert f'id="case-{answered}"' in row.text and 'data-waiting="1"' in row.text
    assert "Esperando al cliente" in row.text and "Laura" in row.text
