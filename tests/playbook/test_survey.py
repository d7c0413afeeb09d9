"""§9 «Measure the customer's satisfaction with the answer»: the agent records it on the case page,
or the customer answers a survey link without logging in — once, before it expires — and the
«Encuesta de satisfacción» step closes and the dashboard shows the real mean."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from playbook_helpers import AGENT, case_of, ingest, reply, setup_brand
from sqlalchemy import func, select

from cauce.audit.service import SYSTEM, events_for_case
from cauce.auth import service as auth
from cauce.cases import service as cases
from cauce.cases.models import Satisfaction
from cauce.config import Settings
from cauce.db import Database, utcnow
from cauce.errors import Conflict, NotFound
from cauce.playbook import resolution, survey
from cauce.playbook.models import SatisfactionSurvey
from cauce.playbook.next_actions import next_actions
from cauce.web.app import create_app
from helpers import T0, scripted_triage

PASSWORD = "clave-segura-1"
BASE = "https://cauce.example"


def _resolved_case(db: Database, n: int = 1, handle: str = "@ana", at: datetime | None = None) -> int:
    with scripted_triage():
        _, case_id = ingest(db, n, handle=handle, triage={"category": "cobro", "pqr_type": "reclamo"})
    reply(db, case_id, visibility="public")
    with db.session() as s:
        area = next(a for a in cases.areas_of(s, brand_id=case_of(db, case_id).brand_id) if a.slug == "cobros")
        cases.assign(s, case_id=case_id, area_id=area.id, actor=AGENT)
        resolution.resolve_case(s, case_id=case_id, outcome="at_fault", actor=AGENT,
                                 now=at or T0 + timedelta(hours=3))
    return case_id


def _survey_done(db: Database, case_id: int) -> bool:
    with db.read_session() as s:
        case = cases.get(s, case_id=case_id)
        return next(a.done for a in next_actions(s, case, now=T0 + timedelta(days=1))
                    if a.rule_id == "§9.satisfaction-survey")


def test_resolving_creates_one_unguessable_link_that_answers_once(db: Database) -> None:
    setup_brand(db)
    case_id = _resolved_case(db)
    with db.session() as s:
        first = survey.open_survey(s, case_id=case_id, now=T0 + timedelta(hours=4))
        assert first is not None and len(first.token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", first.token)
        again = survey.create_survey(s, case_id=case_id, actor=AGENT, now=T0 + timedelta(hours=5))
        assert again.id == first.id  # asking again reuses the open link
        token = first.token
        assert survey.url_of(BASE + "/", first) == f"{BASE}/encuesta/{token}"
    assert _survey_done(db, case_id) is False
    with db.session() as s:
        survey.answer(s, token=token, score=4, comment="Rápidos y amables", now=T0 + timedelta(hours=6))
    assert _survey_done(db, case_id) is True
    with db.session() as s, pytest.raises(Conflict):
        survey.answer(s, token=token, score=5, comment=None, now=T0 + timedelta(hours=7))
    with db.read_session() as s:
        assert list(s.scalars(select(Satisfaction.score).where(Satisfaction.case_id == case_id))) == [4]
        events = [e for e in events_for_case(s, case_id) if e.action.startswith("playbook.survey")]
        assert [e.action for e in events] == ["playbook.survey_created", "playbook.survey_answered"]
        assert all(token not in str(e.after) for e in events)  # the token is a credential: never audited
        assert events[-1].actor_type == "customer"


def test_expired_or_unknown_links_are_refused(db: Database) -> None:
    setup_brand(db)
    case_id = _resolved_case(db)
    with db.read_session() as s:
        row = s.scalar(select(SatisfactionSurvey).where(SatisfactionSurvey.case_id == case_id))
        assert row is not None
        token, expires = row.token, row.expires_at
    with db.session() as s, pytest.raises(Conflict, match="venció"):
        survey.answer(s, token=token, score=5, comment=None, now=expires + timedelta(seconds=1))
    with db.session() as s, pytest.raises(NotFound):
        survey.answer(s, token=token[:-1] + ("A" if token[-1] != "A" else "B"), score=5, comment=None,
                      now=T0 + timedelta(hours=4))
    assert _survey_done(db, case_id) is False


def test_a_low_survey_score_reopens_the_case(db: Database) -> None:
    setup_brand(db)
    case_id = _resolved_case(db)
    with db.session() as s:
        token = survey.open_survey(s, case_id=case_id, now=T0 + timedelta(hours=4)).token  # type: ignore[union-attr]
        survey.answer(s, token=token, score=1, comment="No me solucionaron", now=T0 + timedelta(hours=4))
    case = case_of(db, case_id)
    assert case.is_open and case.status == "en_investigacion"  # respondido → back to the investigation


@dataclass
class Site:
    db: Database
    app: object
    case_id: int
    other_case_id: int


@pytest.fixture
def site(db: Database) -> Iterator[Site]:
    brand = setup_brand(db)
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[brand.id], actor=SYSTEM)
        auth.create_user(s, email="super@a.co", name="Sara Supervisora", role="supervisor", password=PASSWORD,
                         brand_ids=[brand.id], actor=SYSTEM)
    case_id = _resolved_case(db, at=utcnow())  # links valid today (the page's clock is the real one)
    other = _resolved_case(db, 2, handle="@beto", at=utcnow())
    yield Site(db, create_app(Settings(database_url=db.url, base_url=BASE), db=db, run_scheduler=False),
               case_id, other)


def _login(app: object, email: str) -> tuple[TestClient, str]:
    client = TestClient(app)  # type: ignore[arg-type]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
    assert csrf
    return client, csrf.group(1)


def test_the_customer_answers_the_public_page_without_logging_in(site: Site) -> None:
    agent, _ = _login(site.app, "agente@a.co")
    page = agent.get(f"/cases/{site.case_id}").text
    link = re.search(r'data-survey-url[^>]*|value="(https://cauce\.example/encuesta/[^"]+)"', page)
    url = re.search(r'value="(https://cauce\.example/encuesta/[A-Za-z0-9_-]+)"', page)
    assert link and url, "the case page shows the survey link to send"
    path = url.group(1).removeprefix(BASE)

    anonymous = TestClient(site.app)  # type: ignore[arg-type]
    form = anonymous.get(path)
    assert form.status_code == 200 and 'lang="es"' in form.text and "Conectel" in form.text
    assert "/static/survey.css" in form.text and "<style" not in form.text and "<script" not in form.text
    assert "script-src 'self'" in form.headers["content-security-policy"]
    assert form.headers["referrer-policy"] == "no-referrer" and "no-store" in form.headers["cache-control"]
    assert "Ana" not in form.text and "cobr" not in form.text  # nothing of the case or the person
    assert anonymous.get("/static/survey.css").status_code == 200

    assert anonymous.post(path, data={"score": "9"}).status_code == 422
    done = anonymous.post(path, data={"score": "4", "comment": "Bien"})
    assert done.status_code == 200 and "¡Gracias!" in done.text and "4 de 5" in done.text
    again = anonymous.post(path, data={"score": "1"})
    assert "ya fue respondida" in again.text
    assert anonymous.get("/encuesta/" + "x" * 32).status_code == 404
    with site.db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Satisfaction)) == 1
    assert _survey_done(site.db, site.case_id) is True


def test_the_agent_records_satisfaction_from_the_case_page_and_the_dashboard_shows_the_mean(site: Site) -> None:
    agent, csrf = _login(site.app, "agente@a.co")
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    page = agent.get(f"/cases/{site.other_case_id}").text
    assert f'hx-post="/cases/{site.other_case_id}/satisfaction"' in page and 'name="score"' in page
    response = agent.post(f"/cases/{site.other_case_id}/satisfaction", data={"score": "5", "comment": "Por teléfono"},
                          headers=headers)
    assert response.status_code == 200 and "data-csat-score>5/5" in response.text
    with site.db.session() as s:
        token = survey.open_survey(s, case_id=site.case_id).token  # type: ignore[union-attr]
        survey.answer(s, token=token, score=4, comment=None)
    supervisor, _ = _login(site.app, "super@a.co")
    board = supervisor.get("/dashboard?from=2026-03-01&to=2026-03-31").text
    kpi = re.search(r'Satisfacción \(CSAT\)</span>\s*<span class="kpi-value">([^<]*)<small>', board)
    assert kpi and kpi.group(1).strip() == "4,5", board[:200]  # (5 + 4) / 2, not «—»
