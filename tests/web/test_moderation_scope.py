"""Issue #12 (part 1): moderation is authorised by the person's own brands, not the request's brand_id.

Brands A and B share organisation «Uno», so people are shared rows; an agent or supervisor of A
must not warn, block or label a person who only ever wrote to B, nor see B's people on the
moderation page, nor tell a missing person id from one of B's. B keeps seeing and appealing its own
actions; A's actions about A's people stay invisible to B.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cauce.app_deps.deps import SESSION_COOKIE
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cases.models import ModerationAction
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest
from cauce.people.models import Person
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

ROLE = {"author_role": "troll", "role_confidence": 0.95, "abusive": True}


@dataclass
class World:
    client: TestClient
    db: Database
    a: int
    b: int
    ana: int  # wrote only to A
    bea: int  # wrote only to B
    mixta: int  # wrote to A and to B
    case_a: int
    case_b: int
    headers: dict[str, dict[str, str]]
    web: dict[str, tuple[str, str]]  # web session cookie and CSRF token


def _person(db: Database, n: int, brand: str, handle: str, name: str) -> tuple[int, int]:
    with db.session() as s:
        result = ingest(s, mention(n, brand=brand, author={"handle": handle, "name": name, "followers": 5},
                                   text=f"Son unos estafadores, {name}", test_triage=ROLE))
        m = s.scalar(select(Mention).where(Mention.external_id == str(n)))
        assert m is not None and result.case_id is not None
        return m.person_id, result.case_id


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    a = make_brand(db, name="Marca A", organisation="Uno").id
    b = make_brand(db, name="Marca B", organisation="Uno").id
    headers: dict[str, dict[str, str]] = {}
    web: dict[str, tuple[str, str]] = {}
    with db.session() as s:
        for key, role, brand in (("agent_a", "agent", a), ("sup_a", "supervisor", a),
                                 ("agent_b", "agent", b), ("sup_b", "supervisor", b)):
            user = auth.create_user(s, email=f"{key}@uno.co", name=key, role=role, password="clave-segura-1",
                                    brand_ids=[brand], actor=SYSTEM)
            token = auth.create_api_token(s, user_id=user.id, name="t", actor=SYSTEM)
            headers[key] = {"Authorization": f"Bearer {token}"}
            session = auth.start_session(s, user=user)
            web[key] = (session.token, session.csrf_token)
    with scripted_triage():
        ana, case_a = _person(db, 1, "marca-a", "@ana", "Ana Alfa")
        bea, case_b = _person(db, 2, "marca-b", "@bea", "Bea Secreta")
        mixta, _ = _person(db, 3, "marca-a", "@mixta", "Mixta Ambas")
        assert _person(db, 4, "marca-b", "@mixta", "Mixta Ambas")[0] == mixta
        app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
        with TestClient(app) as client:
            yield World(client, db, a, b, ana, bea, mixta, case_a, case_b, headers, web)


def _web(world: World, who: str) -> dict[str, str]:
    cookie, csrf = world.web[who]
    world.client.cookies.clear()
    return {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}


def _person_row(world: World, person_id: int) -> tuple[int, bool, str | None]:
    with world.db.read_session() as s:
        person = s.get(Person, person_id)
        assert person is not None
        return person.strikes, person.blocked, person.confirmed_role


def _actions(world: World) -> int:
    with world.db.read_session() as s:
        return s.scalar(select(func.count()).select_from(ModerationAction)) or 0


@pytest.mark.parametrize("action", ["warn", "block"])
def test_an_agent_of_a_cannot_warn_or_block_a_person_of_b(world: World, action: str) -> None:
    before = _person_row(world, world.bea)
    body = {"brand_id": world.a, "person_id": world.bea, "action": action, "clause_id": "respeto",
            "override_reason": "Insulta a todos sin parar"}
    for who in ("agent_a", "sup_a"):
        r = world.client.post("/api/v1/moderation/actions", json=body, headers=world.headers[who])
        assert r.status_code == 404, r.text
        assert r.json()["error"]["message"] == f"No existe la persona {world.bea}."
    # …also when naming B's case or B's message as the evidence
    r = world.client.post("/api/v1/moderation/actions", headers=world.headers["sup_a"],
                          json=body | {"person_id": world.ana, "case_id": world.case_b})
    assert r.status_code == 404
    assert _person_row(world, world.bea) == before and _actions(world) == 0


def test_a_supervisor_of_a_cannot_label_a_person_of_b_a_troll(world: World) -> None:
    r = world.client.post(f"/api/v1/moderation/proposals/{world.bea}/decide", headers=world.headers["sup_a"],
                          json={"brand_id": world.a, "role": "troll", "reason": "Provoca en cada mensaje"})
    assert r.status_code == 404 and r.json()["error"]["message"] == f"No existe la persona {world.bea}."
    r = world.client.post(f"/api/v1/moderation/proposals/{world.bea}/decide", headers=world.headers["sup_a"],
                          json={"brand_id": world.b, "role": "ninguno"})
    assert r.status_code == 404
    assert _person_row(world, world.bea)[2] is None and _actions(world) == 0
    # B's own supervisor decides B's proposal
    r = world.client.post(f"/api/v1/moderation/proposals/{world.bea}/decide", headers=world.headers["sup_b"],
                          json={"brand_id": world.b, "role": "troll", "reason": "Provoca en cada mensaje"})
    assert r.status_code == 200 and r.json()["confirmed_role"] == "troll"


def test_the_web_forms_refuse_another_brands_person_and_the_page_never_shows_them(world: World) -> None:
    form = {"brand_id": str(world.a), "person_id": str(world.bea), "action": "block", "clause_id": "respeto",
            "override_reason": "Insulta a todos sin parar"}
    r = world.client.post("/moderation/actions", data=form, headers=_web(world, "sup_a"))
    assert r.status_code == 404 and "Bea Secreta" not in r.text
    r = world.client.post(f"/moderation/people/{world.bea}/role", headers=_web(world, "sup_a"),
                          data={"brand_id": str(world.a), "role": "troll", "reason": "Provoca siempre"})
    assert r.status_code == 404
    assert _person_row(world, world.bea) == (0, False, None) and _actions(world) == 0
    page = world.client.get(f"/moderation?brand_id={world.a}&person_id={world.bea}", headers=_web(world, "sup_a"))
    assert page.status_code == 200 and "Bea Secreta" not in page.text and "bea" not in page.text.lower()
    assert "Ana Alfa" in page.text  # A's own troll proposal is listed
    listing = world.client.get(f"/api/v1/moderation/actions?person_id={world.bea}", headers=world.headers["sup_a"])
    assert listing.json() == []


def test_a_missing_person_and_another_brands_person_answer_alike(world: World) -> None:
    missing = world.bea + 1000

    def answer(person_id: int, path: str, body: dict[str, object]) -> tuple[int, str]:
        r = world.client.post(path.format(person_id), json=body, headers=world.headers["sup_a"])
        return r.status_code, r.json()["error"]["message"].replace(str(person_id), "N")

    for path, body in (("/api/v1/moderation/actions", {"brand_id": world.a, "action": "warn", "clause_id": "respeto"}),
                       ("/api/v1/moderation/proposals/{}/decide", {"brand_id": world.a, "role": "troll"})):
        with_b = answer(world.bea, path, body | {"person_id": world.bea})
        with_missing = answer(missing, path, body | {"person_id": missing})
        assert with_b == with_missing == (404, "No existe la persona N.")
    got_b = world.client.get(f"/api/v1/people/{world.bea}", headers=world.headers["agent_a"])
    got_missing = world.client.get(f"/api/v1/people/{missing}", headers=world.headers["agent_a"])
    assert got_b.status_code == got_missing.status_code == 404
    assert got_b.json()["error"]["message"].replace(str(world.bea), "N") == \
        got_missing.json()["error"]["message"].replace(str(missing), "N")
    # a mention of another case (B's) as evidence answers like a missing mention
    with world.db.read_session() as s:
        b_mention = s.scalar(select(Mention.id).where(Mention.brand_id == world.b).limit(1))
    assert b_mention is not None
    answers = [world.client.post(f"/api/v1/cases/{world.case_a}/evidence", json={"mention_id": mid},
                                 headers=world.headers["agent_a"]) for mid in (b_mention, b_mention + 1000)]
    assert [r.status_code for r in answers] == [404, 404]
    assert answers[0].json()["error"]["message"].replace(str(b_mention), "N") == \
        answers[1].json()["error"]["message"].replace(str(b_mention + 1000), "N")


def test_b_sees_and_appeals_its_own_actions_and_never_sees_as_actions(world: World) -> None:
    warn_b = world.client.post("/api/v1/moderation/actions", headers=world.headers["agent_b"],
                               json={"brand_id": world.b, "person_id": world.bea, "action": "warn",
                                     "clause_id": "respeto"})
    assert warn_b.status_code == 201, warn_b.text
    warn_a = world.client.post("/api/v1/moderation/actions", headers=world.headers["agent_a"],
                               json={"brand_id": world.a, "person_id": world.ana, "action": "warn",
                                     "clause_id": "respeto"})
    assert warn_a.status_code == 201, warn_a.text
    # a person who wrote to both brands may be moderated by each, for its own brand only
    shared = world.client.post("/api/v1/moderation/actions", headers=world.headers["agent_a"],
                               json={"brand_id": world.a, "person_id": world.mixta, "action": "warn",
                                     "clause_id": "respeto"})
    assert shared.status_code == 201
    seen_by_b = world.client.get("/api/v1/moderation/actions", headers=world.headers["agent_b"]).json()
    assert [row["id"] for row in seen_by_b] == [warn_b.json()["id"]]
    page = world.client.get(f"/moderation?brand_id={world.b}", headers=_web(world, "sup_b"))
    assert "Bea Secreta" in page.text and "Ana Alfa" not in page.text
    appeal = world.client.post(f"/api/v1/moderation/actions/{warn_b.json()['id']}/appeal",
                               headers=world.headers["agent_b"], json={"reason": "No insulté a nadie"})
    assert appeal.status_code == 200 and appeal.json()["status"] == "appealed"
    for action_id in (warn_a.json()["id"], shared.json()["id"]):
        other = world.client.post(f"/api/v1/moderation/actions/{action_id}/appeal",
                                  headers=world.headers["agent_b"], json={"reason": "No insulté a nadie"})
        assert other.status_code == 404
        assert re.fullmatch(r"No existe la acción de moderación \d+\.", other.json()["error"]["message"])
