"""A supervisor's day (dashboard numbers, breaches, management report, a Spanish-Excel CSV) and an
admin's day (a new brand, guidelines as a form with one invalid value then fixed, a user with a
duplicate e-mail then fixed), in headless Chromium; every page is checked with axe-core for
serious or critical accessibility violations."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import LiveServer, login, shot

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_violations(page: Any) -> list[str]:
    """Serious and critical WCAG 2.x A/AA violations on the page as it is now (axe-core from npm)."""
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run scripts/bootstrap.sh (npm ci)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # through the debugger: the page's CSP does not apply
    found = page.evaluate("""async () => {
        const result = await window.axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in found if v["impact"] in SERIOUS]


def check_a11y(page: Any, where: str) -> None:
    problems = axe_violations(page)
    assert not problems, f"{where}:\n" + "\n".join(problems)


def _overdue_case(server: LiveServer) -> int:
    """A complaint whose first answer is two hours late, so the breaches table has a row."""
    from datetime import UTC, datetime, timedelta

    from cauce.brands.models import Brand
    from cauce.cases.models import Case
    from cauce.people.models import Person

    now = datetime.now(UTC)
    with server.db.session() as s:
        brand = s.get(Brand, server.brand_ids["conectel"])
        assert brand is not None
        person = Person(organisation_id=brand.organisation_id, display_name="Cliente sin respuesta")
        s.add(person)
        s.flush()
        case = Case(brand_id=brand.id, person_id=person.id, channel="twitter", conversation_key="e2e-late",
                    title="Llevo tres horas sin respuesta", pqr_type="queja", category="cobro", status="nuevo",
                    opened_at=now - timedelta(hours=3), last_inbound_at=now - timedelta(hours=3),
                    first_response_due=now - timedelta(hours=2, seconds=7), unanswered_count=1)
        s.add(case)
        s.flush()
        return case.id


def test_a_supervisors_day(page: Any, live_server: LiveServer) -> None:
    late = _overdue_case(live_server)
    login(page, live_server, "supervisora@cauce.demo")
    check_a11y(page, "inbox")
    page.get_by_role("link", name="Tablero").click()
    page.wait_for_url("**/dashboard")
    received = int(page.locator('[data-kpi="cases"]').inner_text())
    answered = page.locator('[data-kpi="answered"]').inner_text()
    # "Con 1.ª respuesta: n de m" — the base is the number received, never a bare percentage.
    found = re.search(r"(\d+) de (\d+)", answered)
    assert found and int(found.group(2)) == received and int(found.group(1)) <= received
    expect(page.locator('[data-kpi="first-in-target"]')).to_contain_text(" de ")
    expect(page.get_by_text("Vencidos ahora")).to_be_visible()
    breaches = page.get_by_role("heading", name="Casos con plazos vencidos (ahora)")
    expect(breaches).to_be_visible()
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length >= 3")
    shot(page, "supervisor-dashboard", full_page=True)
    check_a11y(page, "dashboard")
    # The breaches table as CSV: Spanish reader, so ';' and decimal commas.
    table = page.locator("section.report-table", has=breaches)
    with page.expect_download() as download:
        table.get_by_role("link", name="CSV", exact=True).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0])
    assert dialect.delimiter == ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Caso", "Título"]
    overdue = {r[0]: r[-1] for r in rows[1:]}
    assert re.fullmatch(r"1[23]\d,\d", overdue[str(late)]), overdue  # minutes with a decimal comma
    # The management report says received and answered, each share with its base.
    page.get_by_role("link", name="Informe para la gerencia").click()
    expect(page.get_by_role("heading", name="Cifras principales")).to_be_visible()
    expect(page.locator('[data-figure="received"]')).to_have_text(str(received))
    expect(page.locator('[data-figure="answered"]')).to_contain_text(f"de {received}")
    expect(page.locator('[data-figure="first-in-target"]')).to_contain_text(" de ")
    expect(page.get_by_text("Casos atendidos")).to_have_count(0)
    shot(page, "supervisor-report", full_page=True)
    check_a11y(page, "management report")
    assert page.js_errors == []


def test_an_admins_day(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "admin@cauce.demo")
    page.get_by_role("link", name="Configuración").click()
    page.wait_for_url("**/settings/brands")
    check_a11y(page, "brands")
    # A new brand: a wrong time zone first (kept as typed, error next to the form), then fixed.
    page.get_by_label("Nombre", exact=True).fill("Tienda Sol")
    page.get_by_label("País (código ISO)").fill("CO")
    page.get_by_label("Zona horaria (vacía: la del país)").fill("America/Bogot")
    page.get_by_label("Términos de búsqueda: nombres, productos, etiquetas, errores comunes (uno por línea)") \
        .fill("tiendasol\n#TiendaSol")
    page.get_by_role("button", name="Crear marca").click()
    expect(page.locator("#err-new_brand")).to_contain_text("Zona horaria desconocida")
    expect(page.get_by_label("Nombre", exact=True)).to_have_value("Tienda Sol")
    expect(page.get_by_label("Zona horaria (vacía: la del país)")).to_have_value("America/Bogot")
    expect(page.get_by_text("Algo salió mal")).to_have_count(0)
    shot(page, "admin-brand-error")
    check_a11y(page, "brands with an error")
    page.get_by_label("Zona horaria (vacía: la del país)").fill("America/Bogota")
    page.get_by_role("button", name="Crear marca").click()
    page.wait_for_url(re.compile(r".*/settings/brands/\d+\?ok=1"))
    expect(page.get_by_role("heading", name="Tienda Sol")).to_be_visible()
    expect(page.locator(".flash-ok")).to_contain_text("Cambios guardados")
    check_a11y(page, "brand page")
    # Guidelines as a form: one clause's text too short, then fixed.
    first_text = page.locator("textarea[name='clause_0_text']")
    original = first_text.input_value()
    first_text.fill("corto")
    page.get_by_label("Título", exact=True).fill("Normas de Tienda Sol")
    page.get_by_role("button", name="Publicar nueva versión").click()
    expect(page.locator("#err-guidelines")).to_contain_text("texto")
    expect(page.locator("textarea[name='clause_0_text']")).to_have_value("corto")
    expect(page.get_by_label("Título", exact=True)).to_have_value("Normas de Tienda Sol")
    expect(page.locator("#err-guidelines")).to_be_in_viewport()
    shot(page, "admin-guidelines-error")
    check_a11y(page, "guidelines with an error")
    page.locator("textarea[name='clause_0_text']").fill(original)
    page.get_by_role("button", name="Publicar nueva versión").click()
    expect(page.locator(".flash-ok")).to_contain_text("Cambios guardados")
    expect(page.get_by_text("Versión vigente: 1")).to_be_visible()
    # A user whose e-mail is taken, then fixed.
    page.goto(f"{live_server.url}/settings/users")
    check_a11y(page, "users")
    form = page.locator("form[action='/settings/users']")
    form.get_by_label("Nombre", exact=True).fill("Camilo Torres")
    form.get_by_label("Correo").fill("admin@cauce.demo")
    form.get_by_label("Rol").select_option("agent")
    form.get_by_label("Contraseña inicial (mínimo 12 caracteres o 4 palabras)").fill("cafe arepa lluvia montaña")
    form.get_by_label("Tienda Sol").check()
    form.get_by_role("button", name="Crear usuario").click()
    expect(page.locator("#err-new_user")).to_contain_text("Ya existe un usuario")
    expect(page.locator("#err-new_user")).to_be_in_viewport()  # the page opens on the refused form
    form = page.locator("form[action='/settings/users']")
    expect(form.get_by_label("Nombre", exact=True)).to_have_value("Camilo Torres")
    expect(form.get_by_label("Tienda Sol")).to_be_checked()
    shot(page, "admin-user-error")
    check_a11y(page, "users with an error")
    form.get_by_label("Correo").fill("camilo@tiendasol.demo")
    form.get_by_label("Contraseña inicial (mínimo 12 caracteres o 4 palabras)").fill("cafe arepa lluvia montaña")
    form.get_by_role("button", name="Crear usuario").click()
    expect(page.locator(".flash-ok")).to_contain_text("Cambios guardados")
    expect(page.get_by_role("rowheader", name=re.compile("Camilo Torres"))).to_be_visible()
    # The refused forms answer 422 on purpose (the browser logs that status); nothing else may appear.
    assert [e for e in page.js_errors if "status of 422" not in e] == []
