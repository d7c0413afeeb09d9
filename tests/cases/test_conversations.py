"""A case belongs to its customer: other people replying in the customer's thread never take it over.

Every scenario runs the SHIPPED triage model (no scripted stand-in) through the two real doors —
`cauce ingest` on a JSONL file and the web app's API — and then reads what an agent sees: who owns
which case, the roles on the cases, the inbox's "who" column, whom the drafts greet, the tone
guard's context and the case page's thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands.models import Brand, ChannelAccount
from cauce.cases.models import Case
from cauce.cli import app as cli_app
from cauce.config import Settings
from cauce.db import Database
from cauce.demo.conversations import (
    BRAND_REPLY,
    BRIGADE,
    HOSTILE_EX_CUSTOMER,
    QUOTED_INSULT,
    TROLL_IN_THREAD,
    TWO_CUSTOMERS,
    Conversation,
)
from cauce.mentions.models import Mention
from cauce.people.models import Handle
from cauce.replies import context as ctx
from cauce.triage import service as triage
from cauce.web.app import create_app
from helpers import T0, make_brand

PASSWORD = "clave-segura-1"
BRAND = "conectel"


@dataclass
class Desk:
    db: Database
    client: TestClient
    api: dict[str, str]  # the agent's API token
    headers: dict[str, str]  # the agent's logged-in page requests (CSRF)
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch

    def ingest(self, conversation: Conversation, door: str) -> None:
        items = conversation.mentions(brand=BRAND, start=T0)
        if door == "cli":
            path = self.tmp_path / f"{conversation.key}.jsonl"
            path.write_text("\n".join(m.model_dump_json() for m in items) + "\n", encoding="utf-8")
            self.monkeypatch.setenv("CAUCE_DATABASE_URL", self.db.url)
            result = CliRunner().invoke(cli_app, ["ingest", str(path)])
            assert result.exit_code == 0, result.output
            assert f'"created": {len(items)}' in result.stdout
        else:
            response = self.client.post("/api/v1/mentions", headers=self.api,
                                        json=[m.model_dump(mode="json") for m in items])
            assert response.status_code == 200, response.text
            assert response.json()["summary"]["created"] == len(items)

    def draft(self, case_id: int) -> str:
        html = self.client.post(f"/cases/{case_id}/composer/draft", headers=self.headers,
                                data={"draft_intent": "first_reply", "visibility": "public"}).text
        found = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
        assert found, html[:500]
        return found.group(1)

    def inbox(self) -> str:
        response = self.client.get("/inbox")
        assert response.status_code == 200
        return response.text

    def page(self, case_id: int) -> str:
        response = self.client.get(f"/cases/{case_id}")
        assert response.status_code == 200
        return response.text


@pytest.fixture
def desk(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    triage.set_assessor(None)  # the shipped model, whatever an earlier test installed
    brand = make_brand(db, name="Conectel", handles=["@conectel"])
    with db.session() as s:
        agent = auth.create_user(s, email="agente@conectel.co", name="Laura Gómez", role="agent",
                                 password=PASSWORD, brand_ids=[brand.id], actor=SYSTEM)
        token = auth.create_api_token(s, user_id=agent.id, name="pruebas", actor=SYSTEM)
    with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        client.post("/login", data={"email": "agente@conectel.co", "password": PASSWORD,
                                    "csrf_token": csrf.group(1)})
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
        assert meta
        yield Desk(db, client, {"Authorization": f"Bearer {token}"},
                   {"X-CSRF-Token": meta.group(1), "HX-Request": "true"}, tmp_path, monkeypatch)


def _person_of(db: Database, handle: str) -> int:
    with db.session() as s:
        row = s.scalar(select(Handle).where(Handle.handle == handle.lstrip("@").casefold()))
        if row is None:
            row = s.scalar(select(Handle).where(Handle.handle == "@" + handle.lstrip("@").casefold()))
        assert row is not None, handle
        return row.person_id


def _cases(db: Database) -> list[Case]:
    with db.session() as s:
        rows = list(s.scalars(select(Case).order_by(Case.id)))
        s.expunge_all()
        return rows


def _mentions(db: Database) -> list[Mention]:
    with db.session() as s:
        rows = list(s.scalars(select(Mention).order_by(Mention.id)))
        s.expunge_all()
        return rows


def _customer_case(db: Database, conversation: Conversation) -> Case:
    person = _person_of(db, conversation.speaker(conversation.customer).handle)
    owned = [c for c in _cases(db) if c.person_id == person]
    assert len(owned) == 1, owned
    case = owned[0]
    assert getattr(case, "related_case_id", None) is None
    return case


def _row_of(inbox: str, case_id: int) -> str:
    found = re.search(rf'<tr id="case-{case_id}".*?</tr>', inbox, re.S)
    assert found, f"case {case_id} is not in the inbox"
    return found.group(0)


def _who(inbox: str, case_id: int) -> str:
    found = re.search(r'<strong class="name">(.*?)</strong>', _row_of(inbox, case_id), re.S)
    assert found
    return found.group(1).strip()


def _guard_context(db: Database, case_id: int) -> tuple[str | None, str | None]:
    with db.session() as s:
        context = ctx.guard_context_from_db(s, case_id=case_id, brand_ref=None)
        facts = ctx.facts_for(s, s.get(Case, case_id))  # type: ignore[arg-type]
        return facts.recipient_name, getattr(context, "author_role", None)


def _greeting(draft: str) -> str:
    """The draft's opening sentence (e.g. "Buen día, Marcela.")."""
    found = re.match(r"\s*[^.!?\n]*[.!?]", draft)
    assert found, draft
    return found.group(0)


def _first_name(conversation: Conversation, who: str) -> str:
    return conversation.speaker(who).name.split()[0]


def _assert_addresses_the_customer(desk: Desk, conversation: Conversation, case: Case,
                                   strangers: list[str]) -> None:
    """Inbox, drafts, tone guard and playbook speak to the case's customer, never to a third party."""
    customer = conversation.speaker(conversation.customer)
    assert _who(desk.inbox(), case.id) == customer.name
    greeting = _greeting(desk.draft(case.id))
    assert _first_name(conversation, conversation.customer) in greeting
    for who in strangers:
        assert _first_name(conversation, who) not in greeting
    recipient, role = _guard_context(desk.db, case.id)
    assert recipient == customer.name
    assert role == "cliente"
    assert "Solo la primera respuesta es pública" not in desk.page(case.id)


DOORS = ["cli", "web"]


@pytest.mark.parametrize("door", DOORS)
def test_a_troll_in_a_customers_thread_gets_his_own_case_and_never_hers(desk: Desk, door: str) -> None:
    conversation = TROLL_IN_THREAD
    desk.ingest(conversation, door)
    case = _customer_case(desk.db, conversation)
    troll = _person_of(desk.db, "don_burlon")
    assert case.author_role == "cliente" and case.role_confidence >= 0.5
    assert "abusive" not in case.flags  # his insults are his, not hers
    assert case.pqr_type in ("queja", "reclamo")
    troll_cases = [c for c in _cases(desk.db) if c.person_id == troll]
    assert len(troll_cases) == 1
    own = troll_cases[0]
    assert own.related_case_id == case.id and own.author_role == "troll" and "abusive" in own.flags
    _assert_addresses_the_customer(desk, conversation, case, ["don"])
    # The thread keeps his messages, marked as third-party, with a way to his own entry.
    page = desk.page(case.id)
    assert page.count('class="msg msg-in msg-public msg-third-party"') == 2
    assert "Tercero" in page and "Otros en esta conversación" in page
    assert f'data-linked-case="{own.id}"' in page
    # His own entry is a normal queue row that says it is linked, and it greets him.
    inbox = desk.inbox()
    assert _who(inbox, own.id) == "Don Burlón"
    assert f'data-linked-to="{case.id}"' in _row_of(inbox, own.id)
    assert "Don" in _greeting(desk.draft(own.id))
    troll_page = desk.page(own.id)
    assert "data-parent-case" in troll_page
    assert "Solo la primera respuesta es pública" in troll_page  # the troll rules address him, not her
    # ...and through the person.
    person = desk.client.get(f"/api/v1/people/{troll}", headers=desk.api).json()
    assert [c["id"] for c in person["cases"]] == [own.id]


@pytest.mark.parametrize("door", DOORS)
def test_two_customers_with_the_same_outage_in_one_thread_each_get_their_case(desk: Desk, door: str) -> None:
    conversation = TWO_CUSTOMERS
    desk.ingest(conversation, door)
    case = _customer_case(desk.db, conversation)
    paola = _person_of(desk.db, "paola_m")
    theirs = [c for c in _cases(desk.db) if c.person_id == paola]
    assert len(theirs) == 1 and theirs[0].related_case_id == case.id
    assert case.author_role == "cliente" and theirs[0].author_role == "cliente"
    assert case.mention_count == 2  # Julián's two messages; Paola's went to her own case
    _assert_addresses_the_customer(desk, conversation, case, ["paola"])
    greeting = _greeting(desk.draft(theirs[0].id))
    assert "Paola" in greeting and "Julián" not in greeting
    assert _who(desk.inbox(), theirs[0].id) == "Paola Mejía"


@pytest.mark.parametrize("door", DOORS)
def test_a_brigade_of_five_accounts_under_one_complaint_never_takes_it_over(desk: Desk, door: str) -> None:
    conversation = BRIGADE
    desk.ingest(conversation, door)
    case = _customer_case(desk.db, conversation)
    assert case.author_role == "cliente" and case.flags == [] and case.pqr_type == "reclamo"
    mentions = _mentions(desk.db)
    cases = _cases(desk.db)
    with_case = 0
    page = desk.page(case.id)
    for who in conversation.others():
        person = _person_of(desk.db, conversation.speaker(who).handle)
        own = [c for c in cases if c.person_id == person]
        in_thread = [m for m in mentions if m.person_id == person and m.case_id == case.id]
        # Each account is reachable: a case of its own linked to hers, or a third-party message in her thread.
        assert own or in_thread, who
        assert all(c.related_case_id == case.id for c in own)
        assert all(m.third_party for m in in_thread)
        if own:
            assert f'data-linked-case="{own[0].id}"' in page
        else:  # no case of their own: moderated from her thread, by their person, never hers
            assert f'data-moderate-person="{person}"' in page
        with_case += bool(own)
    assert with_case >= 3  # the insulting ones (abusive flag) need attention of their own
    _assert_addresses_the_customer(desk, conversation, case, ["b1", "b2", "b3", "b4", "b5"])
    assert page.count("msg-third-party") == 5


@pytest.mark.parametrize("door", DOORS)
def test_a_hostile_ex_customer_replying_to_a_happy_customer(desk: Desk, door: str) -> None:
    conversation = HOSTILE_EX_CUSTOMER
    desk.ingest(conversation, door)
    case = _customer_case(desk.db, conversation)
    assert case.pqr_type == "felicitacion" and case.author_role == "cliente" and case.flags == []
    hostile = _person_of(desk.db, "nunca_mas_conectel")
    theirs = [c for c in _cases(desk.db) if c.person_id == hostile]
    assert len(theirs) == 1
    own = theirs[0]
    assert own.related_case_id == case.id and own.author_role == "hostil" and "legal_risk" in own.flags
    assert case.priority < own.priority  # his grudge does not raise her thank-you's priority
    _assert_addresses_the_customer(desk, conversation, case, ["ex"])


@pytest.mark.parametrize("door", DOORS)
def test_a_customer_quoting_an_insult_said_to_her_is_still_the_customer(desk: Desk, door: str) -> None:
    conversation = QUOTED_INSULT
    desk.ingest(conversation, door)
    case = _customer_case(desk.db, conversation)
    assert len(_cases(desk.db)) == 1
    assert case.author_role == "cliente"
    _assert_addresses_the_customer(desk, conversation, case, [])
    assert "msg-third-party" not in desk.page(case.id)


@pytest.mark.parametrize("door", DOORS)
def test_a_reply_from_the_brands_own_account_is_neither_a_customer_nor_a_participant(desk: Desk,
                                                                                     door: str) -> None:
    conversation = BRAND_REPLY
    desk.ingest(conversation, door)
    case = _customer_case(desk.db, conversation)
    brand_person = _person_of(desk.db, "conectel")
    assert [c.id for c in _cases(desk.db)] == [case.id]
    assert not any(c.person_id == brand_person for c in _cases(desk.db))
    ours = [m for m in _mentions(desk.db) if m.person_id == brand_person]
    assert len(ours) == 1 and ours[0].case_id == case.id and ours[0].third_party
    assert case.mention_count == 2 and case.author_role == "cliente"
    _assert_addresses_the_customer(desk, conversation, case, [])
    page = desk.page(case.id)
    assert "Cuenta de la marca" in page
    assert f"/moderation?person_id={brand_person}&" not in page


def test_a_later_thread_message_of_a_linked_third_party_goes_to_their_own_case(desk: Desk) -> None:
    """Someone with a case in the thread keeps talking there, even with a message that alone would not need one."""
    conversation = TROLL_IN_THREAD
    desk.ingest(conversation, "cli")
    later = conversation.mentions(brand=BRAND, start=T0 + timedelta(minutes=30), id_prefix="later-")[1]
    later = later.model_copy(update={"text": "jajaja", "in_reply_to": "troll-en-hilo-3",
                                     "conversation_id": "troll-en-hilo-0"})
    response = desk.client.post("/api/v1/mentions", headers=desk.api, json=later.model_dump(mode="json"))
    assert response.status_code == 201, response.text
    troll_case = next(c for c in _cases(desk.db) if c.person_id == _person_of(desk.db, "don_burlon"))
    assert response.json()["case_id"] == troll_case.id


def test_a_reply_from_one_of_the_brands_channel_accounts_is_the_brand_too(desk: Desk) -> None:
    """The brand answers from the account its channel posts as (here Bluesky), not only its listed handles."""
    with desk.db.session() as s:
        brand_id = s.scalar(select(Brand.id).where(Brand.slug == BRAND))
        s.add(ChannelAccount(brand_id=brand_id, kind="bluesky", name="Bluesky",
                             settings={"identifier": "ayuda.conectel.bsky.social"}))
    thread = BRAND_REPLY.mentions(brand=BRAND, start=T0, channel="bluesky", brand_handle="ayuda.conectel.bsky.social")
    response = desk.client.post("/api/v1/mentions", headers=desk.api, json=[m.model_dump(mode="json") for m in thread])
    assert response.json()["summary"]["created"] == 3
    case = _customer_case(desk.db, BRAND_REPLY)
    assert [c.id for c in _cases(desk.db)] == [case.id]
    ours = [m for m in _mentions(desk.db) if m.author_handle == "@ayuda.conectel.bsky.social"]
    assert len(ours) == 1 and ours[0].case_id == case.id and ours[0].third_party
    assert _who(desk.inbox(), case.id) == "Andrés López"
