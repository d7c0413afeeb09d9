"""Playbook steps an agent or a supervisor completes in the browser: one message of a thread hidden
under a published clause from the case page (§8), an appeal rejected with a reason (supervisors)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cauce.audit.service import SYSTEM, events_for_case
from cauce.auth import service as auth
from cauce.auth.models import User
from cauce.cases.models import ModerationAction
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest
from cauce.playbook import moderation
from cauce.playbook.moderation import ModerationRequest, Principalish
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


@dataclass
class Desk:
    db: Database
    app: object
    brand_id: int
    case_id: int
    rude_id: int
    calm_id: int


@pytest.fixture
def desk(db: Database) -> Iterator[Desk]:
    brand = make_brand(db, name="Conectel")
    with db.session() as s:
        for email, name, role in (("agente@a.co", "Laura Gómez", "agent"), ("super@a.co", "Sara Ruiz", "supervisor")):
            auth.create_user(s, email=email, name=name, role=role, password=PASSWORD, brand_ids=[brand.id],
                             actor=SYSTEM)
    with scripted_triage(), db.session() as s:
        first = ingest(s, mention(1, text="Me cobraron doble la factura",
                                  test_triage={"pqr_type": "reclamo", "category": "cobro"}))
        rude = ingest(s, mention(2, text="Son unos idiotas y ladrones", minutes=5, in_reply_to="1",
                                 test_triage={"abusive": True, "pqr_type": "reclamo", "category": "cobro"}))
    assert first.case_id is not None and rude.case_id == first.case_id
    assert first.mention_id is not None and rude.mention_id is not None
    yield Desk(db, create_app(Settings(database_url=db.url), db=db, run_scheduler=False), brand.id, first.case_id,
               rude.mention_id, first.mention_id)


def _login(app: object, email: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)  # type: ignore[arg-type]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
    assert csrf
    return client, {"X-CSRF-Token": csrf.group(1), "HX-Request": "true"}


def test_one_message_of_the_thread_is_hidden_from_the_case_page(desk: Desk) -> None:
    agent, headers = _login(desk.app, "agente@a.co")
    page = agent.get(f"/cases/{desk.case_id}").text
    assert f'data-moderate-message="{desk.rude_id}"' in page and 'value="respeto"' in page
    done = agent.post(f"/cases/{desk.case_id}/mentions/{desk.rude_id}/moderate",
                      data={"action": "hide", "clause_id": "respeto", "reason": "Insulto"}, headers=headers)
    assert done.status_code == 200 and f'data-hidden-message="{desk.rude_id}"' in done.text
    with desk.db.read_session() as s:
        hidden = {m.id: m.hidden for m in s.scalars(select(Mention).where(Mention.case_id == desk.case_id))}
        row = s.scalar(select(ModerationAction).where(ModerationAction.mention_id == desk.rude_id))
        assert row is not None and row.action == "hide" and row.rule == "respeto" and row.case_id == desk.case_id
        assert "moderation.hide" in [e.action for e in events_for_case(s, desk.case_id)]
    assert hidden == {desk.rude_id: True, desk.calm_id: False}  # only that message, not the whole person


def test_the_playbook_still_refuses_hiding_a_customers_civil_message(desk: Desk) -> None:
    agent, headers = _login(desk.app, "agente@a.co")
    refused = agent.post(f"/cases/{desk.case_id}/mentions/{desk.calm_id}/moderate",
                         data={"action": "hide", "clause_id": "respeto"}, headers=headers)
    assert refused.status_code == 409 and "§6" in refused.text
    # A message of another case is answered like a missing one.
    assert agent.post(f"/cases/{desk.case_id}/mentions/999999/moderate",
                      data={"action": "hide", "clause_id": "respeto"}, headers=headers).status_code == 404


def _appealed(desk: Desk) -> int:
    with desk.db.session() as s:
        person_id = s.get(Mention, desk.rude_id).person_id  # type: ignore[union-attr]
        who = Principalish(SYSTEM, None, False)
        row = moderation.moderate(s, ModerationRequest(brand_id=desk.brand_id, person_id=person_id, action="warn",
                                                       clause_id="respeto", case_id=desk.case_id,
                                                       mention_id=desk.rude_id), who=who)
        moderation.appeal(s, action_id=row.id, reason="No insulté a nadie", who=who)
        return row.id


def test_a_supervisor_rejects_an_appeal_with_a_reason(desk: Desk) -> None:
    action_id = _appealed(desk)
    agent, agent_headers = _login(desk.app, "agente@a.co")
    assert agent.post(f"/moderation/actions/{action_id}/reject-appeal", data={"reason": "Se mantiene"},
                      headers=agent_headers).status_code == 403
    supervisor, headers = _login(desk.app, "super@a.co")
    queue = supervisor.get("/moderation").text
    assert f'data-reject-appeal="{action_id}"' in queue
    done = supervisor.post(f"/moderation/actions/{action_id}/reject-appeal",
                           data={"reason": "El mensaje llama «idiotas» al equipo"}, headers=headers)
    assert done.status_code == 200 and "data-appeal-rejected" in done.text and "Apelación rechazada" in done.text
    with desk.db.read_session() as s:
        row = s.get(ModerationAction, action_id)
        assert row is not None and row.status == "upheld"
        assert row.evidence["appeal"]["decision"] == "rejected" and row.evidence["appeal"]["by"] == "Sara Ruiz"
        events = [(e.action, e.reason) for e in events_for_case(s, desk.case_id)]
    assert ("moderation.appeal_rejected", "El mensaje llama «idiotas» al equipo") in events
    # Decided once: no second rejection, no new appeal of a kept action.
    assert supervisor.post(f"/moderation/actions/{action_id}/reject-appeal", data={"reason": "Otra vez"},
                           headers=headers).status_code == 409


def test_the_api_rejects_an_appeal_for_supervisors_only(desk: Desk) -> None:
    action_id = _appealed(desk)
    with desk.db.session() as s:
        ids = dict(s.execute(select(User.email, User.id)).all())
        agent_token = auth.create_api_token(s, user_id=ids["agente@a.co"], name="t", actor=SYSTEM)
        super_token = auth.create_api_token(s, user_id=ids["super@a.co"], name="t", actor=SYSTEM)
    client = TestClient(desk.app)  # type: ignore[arg-type]
    path = f"/api/v1/moderation/actions/{action_id}/reject-appeal"
    assert client.post(path, json={"reason": "Se mantiene"},
                       headers={"Authorization": f"Bearer {agent_token}"}).status_code == 403
    response = client.post(path, json={"reason": "Se mantiene"}, headers={"Authorization": f"Bearer {super_token}"})
    assert response.status_code == 200 and response.json()["status"] == "upheld"
