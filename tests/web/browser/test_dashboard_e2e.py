"""A supervisor opens the dashboard, a case gets resolved, and the dashboard counts it; screenshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from cauce.audit.service import SYSTEM
from cauce.cases import service as cases
from cauce.mentions.schemas import MentionIn
from cauce.mentions.service import ingest
from conftest import LiveServer, login, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def history(live_server: LiveServer) -> int:
    """A month of closed cases (so the charts have a shape): replies around the 60-min target,
    a billing spike five days ago, ratings mostly good. Closed, so the live inbox is untouched."""
    import random

    from sqlalchemy import select

    from cauce.auth.models import User
    from cauce.cases.models import Case, Satisfaction
    from cauce.people.models import Person

    rng = random.Random(7)
    now = datetime.now(UTC)
    with live_server.db.session() as s:
        agents = list(s.scalars(select(User.id).where(User.role == "agent")))
        made = 0
        for slug in ("conectel", "lumina"):
            brand_id = live_server.brand_ids[slug]
            from cauce.brands.models import Brand

            brand = s.get(Brand, brand_id)
            assert brand is not None
            person = Person(organisation_id=brand.organisation_id, display_name="Cliente histórico")
            s.add(person)
            s.flush()
            for day in range(1, 29):
                count = rng.randint(2, 6) + (18 if day == 5 and slug == "conectel" else 0)
                for n in range(count):
                    opened = now - timedelta(days=day, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
                    first = opened + timedelta(minutes=rng.choice([8, 15, 25, 35, 50, 70, 95, 140]))
                    resolved = first + timedelta(hours=rng.choice([2, 5, 9, 20, 30, 44, 70]))
                    pqr = rng.choice(["queja", "queja", "reclamo", "peticion", "felicitacion"])
                    category = "cobro" if day == 5 else rng.choice(["cobro", "entrega", "atencion", "producto"])
                    case = Case(brand_id=brand_id, person_id=person.id, channel=rng.choice(
                        ["twitter", "facebook", "instagram"]), conversation_key=f"hist-{slug}-{day}-{n}",
                        title="Caso histórico", pqr_type=pqr, category=category if pqr != "peticion" else None,
                        status="cerrado", is_open=False, opened_at=opened, first_response_at=first,
                        first_response_due=opened + timedelta(minutes=60), resolved_at=resolved,
                        closed_at=resolved + timedelta(hours=1), resolution_due=opened + timedelta(hours=40),
                        outcome=rng.choice(["at_fault", "at_fault", "not_at_fault"]),
                        customer_confirmed=rng.random() < 0.6,
                        assigned_user_id=rng.choice(agents) if agents else None, updated_at=now)
                    s.add(case)
                    s.flush()
                    if rng.random() < 0.45:
                        s.add(Satisfaction(case_id=case.id, score=rng.choice([5, 5, 4, 4, 4, 3, 2, 1])))
                    made += 1
    return made


def _resolve_a_case(server: LiveServer) -> int:
    """A complaint that goes all the way: public reply, answer, closed at fault, rated 5."""
    now = datetime.now(UTC)
    with server.db.session() as s:
        result = ingest(s, MentionIn.model_validate({
            "id": "dash-e2e-1", "created_at": (now - timedelta(minutes=95)).isoformat(), "channel": "twitter",
            "brand": "conectel",
            "author": {"handle": "@camila_dash", "name": "Camila Torres", "followers": 800},
            "text": "@conectel me cobraron dos veces la factura de este mes y nadie me devuelve la plata"}),
            source="e2e")
        assert result.case_id is not None
        case = cases.get(s, case_id=result.case_id)
        cases.record_response(s, case=case, at=now - timedelta(minutes=78), public=True, actor=SYSTEM)
        cases.transition(s, case_id=case.id, to="respondido", actor=SYSTEM)
        cases.transition(s, case_id=case.id, to="cerrado", outcome="at_fault", actor=SYSTEM)
        cases.record_satisfaction(s, case_id=case.id, score=5, comment="Me devolvieron el cobro el mismo día",
                                  channel="twitter", actor=SYSTEM)
        return case.id


def _resolved(page: Any) -> int:
    return int(page.locator("[data-resolved]").get_attribute("data-resolved"))


def test_dashboard_counts_a_resolved_case(page: Any, live_server: LiveServer, history: int) -> None:
    login(page, live_server, "supervisora@cauce.demo")
    page.get_by_role("link", name="Tablero").click()
    page.wait_for_url("**/dashboard")
    expect(page.get_by_role("heading", name="Tablero de supervisión")).to_be_visible()
    before = _resolved(page)
    _resolve_a_case(live_server)
    page.reload()
    assert _resolved(page) == before + 1
    # chart.js drew the charts from the embedded JSON (no inline script, no console errors).
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length >= 3")
    expect(page.locator(".report-table").first).to_be_visible()
    shot(page, "dashboard", full_page=True)
    assert page.js_errors == []


def test_management_report_and_agents_are_kept_out(page: Any, live_server: LiveServer, history: int) -> None:
    if not _has_rated_case(live_server):
        _resolve_a_case(live_server)
    login(page, live_server, "supervisora@cauce.demo")
    page.goto(f"{live_server.url}/dashboard")
    page.get_by_role("link", name="Informe para la gerencia").click()
    expect(page.get_by_role("heading", name="Historia de éxito")).to_be_visible()
    expect(page.locator(".story")).to_contain_text("5 de 5")
    expect(page.locator(".topbar")).to_have_count(0)
    page.emulate_media(media="print")
    expect(page.locator(".report-actions")).to_be_hidden()
    page.emulate_media(media="screen")
    shot(page, "management-report", full_page=True)
    assert page.js_errors == []
    page.context.clear_cookies()
    login(page, live_server, "laura@conectel.demo")
    response = page.goto(f"{live_server.url}/dashboard")
    assert response is not None and response.status == 403
    expect(page.get_by_role("link", name="Tablero")).to_have_count(0)


def _has_rated_case(server: LiveServer) -> bool:
    from sqlalchemy import func, select

    from cauce.cases.models import Satisfaction

    with server.db.read_session() as s:
        return bool(s.scalar(select(func.count()).select_from(Satisfaction)))


def test_admin_settings_and_channel_test_button(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "admin@cauce.demo")
    page.get_by_role("link", name="Configuración").click()
    page.wait_for_url("**/settings/brands")
    page.goto(f"{live_server.url}/settings/brands/{live_server.brand_ids['conectel']}")
    expect(page.get_by_role("heading", name="Próximos festivos nacionales")).to_be_visible()
    page.get_by_label("Primera respuesta pública (minutos hábiles, máximo 1440)").fill("45")
    page.get_by_role("button", name="Guardar plazos").click()
    expect(page.locator(".flash-ok")).to_contain_text("Cambios guardados")
    expect(page.get_by_label("Primera respuesta pública (minutos hábiles, máximo 1440)")).to_have_value("45")
    shot(page, "settings")
    page.goto(f"{live_server.url}/settings/channels")
    row = page.locator("tr", has=page.locator("[data-test-channel]")).first
    row.get_by_role("button", name="Probar conexión").click()
    expect(row.locator(".test-result")).to_contain_text("Conectado")
    assert page.js_errors == []
