"""Data rights in the web app: the person page's export and erase (people.privacy) for supervisors of
the person's brands, never for agents; the reason is required; the brand's retention period is a
setting (issue #12)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import service as brands
from cauce.brands.policy import DEFAULT_RESOLUTION_BUSINESS_HOURS, load_policy
from cauce.cases.models import Case
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest
from cauce.people.models import Person
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


@dataclass
class Site:
    app: object
    db: Database
    brand: int
    person: int


@pytest.fixture
def site(db: Database) -> Iterator[Site]:
    a = make_brand(db, name="Marca A")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="super@a.co", name="Sara Supervisora", role="supervisor", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="admin@a.co", name="Ada Admin", role="admin", password=PASSWORD, actor=SYSTEM)
    with scripted_triage(), db.session() as s:
        result = ingest(s, mention(1, brand="marca-a", handle="@rosa", text="Me cobraron doble, cédula 1234567"),
                        actor=SYSTEM)
        person_id = s.get(Case, result.case_id).person_id  # type: ignore[union-attr]
    yield Site(create_app(Settings(database_url=db.url), db=db, run_scheduler=False), db, a.id, person_id)


def login(app: object, email: str) -> tuple[TestClient, str]:
    client = TestClient(app)  # type: ignore[arg-type]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1),
                                           "next": "/inbox"}, follow_redirects=False)
    assert response.status_code == 303
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/inbox").text)
    assert csrf
    return client, csrf.group(1)


def test_an_agent_sees_no_data_rights_buttons_and_cannot_post_them(site: Site) -> None:
    client, csrf = login(site.app, "agente@a.co")
    page = client.get(f"/people/{site.person}")
    assert page.status_code == 200 and "Exportar datos (JSON)" not in page.text
    assert client.post(f"/people/{site.person}/export", data={"csrf_token": csrf}).status_code == 403
    assert client.get(f"/people/{site.person}/forget").status_code == 403
    refused = client.post(f"/people/{site.person}/forget", data={"csrf_token": csrf, "reason": "Solicitud 1"})
    assert refused.status_code == 403
    with site.db.read_session() as s:
        assert s.get(Person, site.person).anonymised_at is None  # type: ignore[union-attr]


def test_a_supervisor_exports_and_forgets_with_a_reason(site: Site) -> None:
    client, csrf = login(site.app, "super@a.co")
    page = client.get(f"/people/{site.person}")
    assert "Exportar datos (JSON)" in page.text and f'href="/people/{site.person}/forget"' in page.text
    assert client.post(f"/people/{site.person}/export").status_code == 403  # CSRF: an audited action
    exported = client.post(f"/people/{site.person}/export", data={"csrf_token": csrf})
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == f'attachment; filename="cauce-persona-{site.person}.json"'
    assert "cédula 1234567" in json.loads(exported.text)["mentions"][0]["text"]
    confirm = client.get(f"/people/{site.person}/forget")
    assert confirm.status_code == 200 and 'name="reason"' in confirm.text and "required" in confirm.text
    no_reason = client.post(f"/people/{site.person}/forget", data={"csrf_token": csrf, "reason": "  "})
    assert no_reason.status_code == 422
    with site.db.read_session() as s:
        assert s.get(Person, site.person).anonymised_at is None  # type: ignore[union-attr]
    done = client.post(f"/people/{site.person}/forget", data={"csrf_token": csrf, "reason": "Radicado 77"})
    assert done.status_code == 200 and "Datos personales eliminados" in done.text
    assert "cédula 1234567" not in done.text
    with site.db.read_session() as s:
        assert s.get(Person, site.person).anonymised_at is not None  # type: ignore[union-attr]


def test_the_brand_retention_period_is_set_in_the_settings_form(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    page = client.get(f"/settings/brands/{site.brand}")
    assert 'name="retention_days"' in page.text
    form = {"csrf_token": csrf, "first_response_minutes": "60", "next_response_minutes": "240",
            **{f"resolution_{t}": "72" for t in DEFAULT_RESOLUTION_BUSINESS_HOURS}}
    assert client.post(f"/settings/brands/{site.brand}/policy", data={**form, "retention_days": "365"},
                       follow_redirects=False).status_code == 303
    with site.db.read_session() as s:
        assert load_policy(brands.get(s, brand_id=site.brand).policy).retention_days == 365
    assert 'value="365"' in client.get(f"/settings/brands/{site.brand}").text
    assert client.post(f"/settings/brands/{site.brand}/policy", data={**form, "retention_days": ""},
                       follow_redirects=False).status_code == 303
    with site.db.read_session() as s:
        assert load_policy(brands.get(s, brand_id=site.brand).policy).retention_days is None
    assert client.post(f"/settings/brands/{site.brand}/policy", data={**form, "retention_days": "0"},
                       follow_redirects=False).status_code == 422
