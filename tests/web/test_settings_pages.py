"""Admin settings: who may open them, CSRF on every form, and changes that are validated and audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.models import BrandMembership, User
from cauce.brands import service as brands
from cauce.brands.policy import load_policy
from cauce.cases import service as cases
from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from helpers import make_brand

PASSWORD = "clave-segura-1"


@dataclass
class Site:
    app: object
    db: Database
    brand: int
    other: int


@pytest.fixture
def site(db: Database) -> Iterator[Site]:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B", country="MX")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="super@a.co", name="Sara Supervisora", role="supervisor", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="admin@a.co", name="Ada Admin", role="admin", password=PASSWORD, actor=SYSTEM)
    yield Site(create_app(Settings(database_url=db.url), db=db, run_scheduler=False), db, a.id, b.id)


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


@dataclass(frozen=True)
class Event:
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None


def _events(db: Database, action: str) -> list[Event]:
    with db.read_session() as s:
        return [Event(e.action, e.before, e.after)
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action))]


@pytest.mark.parametrize("email", ["agente@a.co", "super@a.co"])
def test_only_admins_open_settings(site: Site, email: str) -> None:
    client, csrf = login(site.app, email)
    for path in ("/settings/brands", f"/settings/brands/{site.brand}", "/settings/channels", "/settings/users"):
        assert client.get(path).status_code == 403, path
    response = client.post(f"/settings/brands/{site.brand}/profile", data={"csrf_token": csrf, "voice": "usted"})
    assert response.status_code == 403
    with site.db.read_session() as s:
        assert brands.get(s, brand_id=site.brand).voice == "tu"


def test_supervisor_opens_the_dashboard_but_not_settings(site: Site) -> None:
    client, _ = login(site.app, "super@a.co")
    assert client.get("/dashboard").status_code == 200
    assert client.get("/settings", follow_redirects=True).status_code == 403


def test_admin_sees_every_settings_page(site: Site) -> None:
    client, _ = login(site.app, "admin@a.co")
    assert client.get("/settings", follow_redirects=False).headers["location"] == "/settings/brands"
    brand_page = client.get(f"/settings/brands/{site.brand}")
    assert brand_page.status_code == 200
    assert "Próximos festivos nacionales" in brand_page.text
    assert client.get("/settings/channels").status_code == 200
    users = client.get("/settings/users")
    assert users.status_code == 200 and "agente@a.co" in users.text
    assert client.get("/settings/brands/99999").status_code == 404


def test_forms_without_the_csrf_token_are_refused(site: Site) -> None:
    client, _ = login(site.app, "admin@a.co")
    response = client.post(f"/settings/brands/{site.brand}/profile",
                           data={"name": "Hackeada", "voice": "usted", "country": "CO", "timezone": "America/Bogota",
                                 "handles": "", "search_terms": "x"})
    assert response.status_code == 403
    forged = client.post(f"/settings/brands/{site.brand}/policy",
                         data={"csrf_token": "falso", "first_response_minutes": "5"})
    assert forged.status_code == 403
    with site.db.read_session() as s:
        assert brands.get(s, brand_id=site.brand).name == "Marca A"


def test_brand_profile_is_saved_validated_and_audited(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    response = client.post(f"/settings/brands/{site.brand}/profile", data={
        "csrf_token": csrf, "name": "Marca A", "voice": "usted", "country": "mx", "timezone": "America/Mexico_City",
        "handles": "@marca_a\n@marca_a_ayuda", "search_terms": "Marca A, marcaa, #MarcaA"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("?ok=1")
    with site.db.read_session() as s:
        brand = brands.get(s, brand_id=site.brand)
        assert (brand.voice, brand.country, brand.timezone) == ("usted", "MX", "America/Mexico_City")
        assert brand.handles == ["@marca_a", "@marca_a_ayuda"]
        assert brand.search_terms == ["Marca A", "marcaa", "#MarcaA"]
    (event,) = _events(site.db, "brand.updated")
    assert event.before["voice"] == "tu" and event.after["voice"] == "usted"
    bad = client.post(f"/settings/brands/{site.brand}/profile", data={
        "csrf_token": csrf, "name": "Marca A", "voice": "vos", "country": "MX", "timezone": "America/Mexico_City",
        "handles": "", "search_terms": "x"})
    assert bad.status_code == 422 and "tu" in bad.text
    hostile = client.post(f"/settings/brands/{site.brand}/profile", data={
        "csrf_token": csrf, "name": "Marca A", "voice": "tu", "country": "MX", "timezone": "<script>x</script>",
        "handles": "", "search_terms": "x"})
    assert hostile.status_code == 422 and "<script>x</script>" not in hostile.text


def test_sla_policy_and_business_hours(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    data = {"csrf_token": csrf, "first_response_minutes": "30", "next_response_minutes": "120", "legal_pqrs": "on",
            **{f"resolution_{t}": "16" for t in ("peticion", "queja", "reclamo", "sugerencia", "felicitacion", "otro")}}
    assert client.post(f"/settings/brands/{site.brand}/policy", data=data, follow_redirects=False).status_code == 303
    too_slow = client.post(f"/settings/brands/{site.brand}/policy", data={**data, "first_response_minutes": "2000"})
    assert too_slow.status_code == 422 and "1440" in too_slow.text
    hours = {"csrf_token": csrf, "open_mon": "on", "start_mon": "07:00", "end_mon": "19:00",
             "open_sat": "on", "start_sat": "09:00", "end_sat": "13:00", "country": "CO"}
    assert client.post(f"/settings/brands/{site.brand}/hours", data=hours, follow_redirects=False).status_code == 303
    backwards = client.post(f"/settings/brands/{site.brand}/hours",
                            data={**hours, "start_mon": "19:00", "end_mon": "07:00"})
    assert backwards.status_code == 422
    with site.db.read_session() as s:
        policy = load_policy(brands.get(s, brand_id=site.brand).policy)
    assert policy.first_response_minutes == 30 and policy.legal_pqrs is True
    assert policy.resolution_hours_for("queja") == 16
    assert policy.business_hours == {"mon": "07:00-19:00", "sat": "09:00-13:00"}
    assert len(_events(site.db, "brand.policy_updated")) == 2


def test_areas_are_created_and_their_times_changed(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    created = client.post(f"/settings/brands/{site.brand}/areas", data={
        "csrf_token": csrf, "name": "Facturación", "investigation_hours": "24", "categories": "cobro, inventada"},
        follow_redirects=False)
    assert created.status_code == 303
    with site.db.read_session() as s:
        (area,) = cases.areas_of(s, brand_id=site.brand)
        area_id, categories = area.id, area.categories
    assert categories == ["cobro"]
    client.post(f"/settings/areas/{area_id}", data={"csrf_token": csrf, "name": "Facturación",
                                                   "investigation_hours": "12"})
    with site.db.read_session() as s:
        (area,) = cases.areas_of(s, brand_id=site.brand)
        assert area.investigation_hours == 12
    (event,) = _events(site.db, "area.updated")
    assert event.before == {"investigation_hours": 24} and event.after == {"investigation_hours": 12}
    zero = client.post(f"/settings/areas/{area_id}", data={"csrf_token": csrf, "investigation_hours": "0"})
    assert zero.status_code == 422


def test_users_roles_brands_and_deactivation(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    created = client.post("/settings/users", data={
        "csrf_token": csrf, "name": "Nuevo Agente", "email": "nuevo@a.co", "role": "agent",
        "password": "clave-larga-123", "brand_ids": [str(site.brand), str(site.other)]},
        follow_redirects=False)
    assert created.status_code == 303
    with site.db.read_session() as s:
        assert s.scalar(select(User.id).where(User.email == "nuevo@a.co")) is not None
        laura_id = s.scalar(select(User.id).where(User.email == "agente@a.co"))
        me_id = s.scalar(select(User.id).where(User.email == "admin@a.co"))
    agent_client, _ = login(site.app, "agente@a.co")
    assert agent_client.get("/inbox").status_code == 200
    # Promote Laura to supervisor of brand B only, then deactivate her.
    client.post(f"/settings/users/{laura_id}", data={"csrf_token": csrf, "role": "supervisor", "active": "on",
                                                      "brand_ids": [str(site.other)]})
    with site.db.read_session() as s:
        assert s.get(User, laura_id).role == "supervisor"  # type: ignore[union-attr]
        assert list(s.scalars(select(BrandMembership.brand_id).where(BrandMembership.user_id == laura_id))) \
            == [site.other]
    client.post(f"/settings/users/{laura_id}", data={"csrf_token": csrf, "role": "supervisor",
                                                  "brand_ids": [str(site.other)]})
    with site.db.read_session() as s:
        assert s.get(User, laura_id).active is False  # type: ignore[union-attr]
    # Her open session ended with the deactivation.
    assert agent_client.get("/inbox", follow_redirects=False).status_code == 303
    assert [e.after for e in _events(site.db, "user.updated")] == [{"role": "supervisor"}, {"active": False}]
    assert len(_events(site.db, "user.brands_changed")) == 1
    # The last admin cannot switch themselves off or demote themselves.
    own = client.post(f"/settings/users/{me_id}", data={"csrf_token": csrf, "role": "agent", "active": "on"})
    assert own.status_code == 409


def test_channel_accounts_are_listed_masked_and_tested(site: Site) -> None:
    client, csrf = login(site.app, "admin@a.co")
    added = client.post("/settings/channels", data={
        "csrf_token": csrf, "brand_id": str(site.brand), "kind": "demo", "name": "Canal demo",
        "credentials": "", "settings": ""}, follow_redirects=False)
    assert added.status_code == 303, added.text
    page = client.get("/settings/channels")
    assert "Canal demo" in page.text and "Probar conexión" in page.text
    channel_id = int(re.search(r'data-test-channel="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    tested = client.post(f"/api/v1/channels/{channel_id}/test", headers={"X-CSRF-Token": csrf})
    assert tested.status_code == 200 and tested.json()["ok"] is True
    bad = client.post("/settings/channels", data={"csrf_token": csrf, "brand_id": str(site.brand), "kind": "demo",
                                                  "credentials": "sin signo igual"})
    assert bad.status_code == 422 and "clave = valor" in bad.text
