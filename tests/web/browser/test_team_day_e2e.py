"""A supervisor's day (dashboard numbers, breaches, appeals accepted and rejected, management report,
a Spanish-Excel CSV) and an admin's day (a new brand, an RSS channel whose connection test fails and
then works against a real local feed server, guidelines as a form with one invalid value then
fixed, a user with a duplicate e-mail then fixed), in headless Chromium, on SQLite and PostgreSQL;
every page is checked with axe-core for serious or critical accessibility violations."""

from __future__ import annotations

import csv
import io
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import LiveServer, check_a11y, login, shot

pytestmark = pytest.mark.browser

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


def _appealed_actions(server: LiveServer) -> dict[str, int]:
    """Two warnings the customers appealed (as an agent records it): one for each decision."""
    from sqlalchemy import select

    from cauce.audit.service import SYSTEM
    from cauce.people.models import Person
    from cauce.playbook import guidelines, moderation

    brand_id = server.brand_ids["conectel"]
    who = moderation.Principalish(SYSTEM, None, True)
    out: dict[str, int] = {}
    with server.db.session() as s:
        clause = next(c.id for c in guidelines.current(s, brand_id=brand_id).clauses if "warn" in c.actions)
        for name in ("El Negociante", "Juan Pablo Ortiz"):
            person_id = s.scalar(select(Person.id).where(Person.display_name == name))
            assert person_id is not None, name
            row = moderation.moderate(s, moderation.ModerationRequest(
                brand_id=brand_id, person_id=person_id, action="warn", clause_id=clause,
                reason="Tono agresivo en público", override_reason="Decisión de prueba del recorrido"), who=who)
            moderation.appeal(s, action_id=row.id, reason="No insulté a nadie, solo me quejé", who=who)
            out[name] = row.id
    return out


def test_a_supervisors_day(page: Any, day_server: LiveServer) -> None:
    late = _overdue_case(day_server)
    appealed = _appealed_actions(day_server)
    login(page, day_server, "supervisora@cauce.demo")
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
    # Appeals: one accepted (the warning is reversed), one rejected with the reason kept.
    page.get_by_role("link", name="Volver al tablero").click()  # the printable report has no menu
    page.get_by_role("link", name="Moderación", exact=True).click()
    page.wait_for_url("**/moderation")
    queue = page.locator("#moderation ul.queue").last
    accept = queue.locator("li", has_text="Juan Pablo Ortiz")
    expect(accept).to_be_visible()
    check_a11y(page, "moderation with appeals")
    accept.get_by_label("Motivo para revertir").fill("Era una queja legítima, sin insultos")
    accept.get_by_role("button", name="Aceptar apelación").click()
    expect(page.locator("#moderation ul.queue").last.locator("li", has_text="Juan Pablo Ortiz")).to_have_count(0)
    reject = page.locator("#moderation ul.queue").last.locator("li", has_text="El Negociante")
    reject.get_by_label("Motivo para rechazar la apelación").fill("Llamó «ladrones y estafadores» a la marca")
    reject.locator(f"[data-reject-appeal='{appealed['El Negociante']}']").click()
    expect(page.get_by_text(re.compile("Apelación rechazada")).first).to_be_visible()
    expect(page.locator("#moderation ul.queue").last).to_contain_text("Sin apelaciones pendientes")
    shot(page, "supervisor-appeals", full_page=True)
    check_a11y(page, "moderation after the appeals")
    from cauce.cases.models import ModerationAction

    with day_server.db.read_session() as s:
        accepted, rejected = (s.get(ModerationAction, appealed[n]) for n in ("Juan Pablo Ortiz", "El Negociante"))
        assert accepted is not None and accepted.status == "reversed"
        assert rejected is not None and rejected.status == "upheld"
        assert rejected.evidence["appeal"]["reason"] == "Llamó «ladrones y estafadores» a la marca"
    assert page.js_errors == []


FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Blog de Tienda Sol</title><link>http://127.0.0.1/</link>
<description>Novedades</description>
<item><title>Abrimos en Chapinero</title><link>http://127.0.0.1/abrimos</link><guid>abrimos</guid>
<description>tiendasol abre su tercera tienda</description></item></channel></rss>"""


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/feed.xml":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def feed_url() -> Iterator[str]:
    """A real RSS feed on a local HTTP server (the working connection test goes over the network)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket is closed


def test_an_admins_day(page: Any, day_server: LiveServer, feed_url: str) -> None:
    login(page, day_server, "admin@cauce.demo")
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
    brand_url = page.url.split("?")[0]
    # A channel for the new brand: the blog's feed at a wrong address fails the connection test
    # (nothing saved, what was typed kept), the right address works.
    page.get_by_role("link", name="Canales").click()
    page.wait_for_url("**/settings/channels")
    check_a11y(page, "channels")
    new_channel = page.get_by_role("region", name="Agregar una cuenta")
    new_channel.get_by_label("Marca").select_option(label="Tienda Sol")
    new_channel.get_by_label("Tipo").select_option("rss")
    page.get_by_label("Nombre").fill("Blog de Tienda Sol")
    wrong = f"http://127.0.0.1:{_closed_port()}/feed.xml"
    page.get_by_label("URL base (si aplica)").fill(wrong)
    page.get_by_role("button", name="Probar y agregar").click()
    expect(page.locator("#channel-error")).to_contain_text("La prueba de conexión falló")
    expect(page.get_by_label("Nombre")).to_have_value("Blog de Tienda Sol")
    expect(page.get_by_label("URL base (si aplica)")).to_have_value(wrong)
    expect(page.locator("tbody tr", has_text="Blog de Tienda Sol")).to_have_count(0)
    expect(page.get_by_text("Funciona", exact=True)).to_have_count(
        page.locator("[data-status=ok]").count())  # no green «Funciona» next to the error
    shot(page, "admin-channel-error")
    check_a11y(page, "channels with an error")
    page.get_by_label("URL base (si aplica)").fill(feed_url)
    page.get_by_role("button", name="Probar y agregar").click()
    expect(page.locator(".flash-ok")).to_contain_text("Cambios guardados")
    row = page.locator("tbody tr", has_text="Blog de Tienda Sol")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "ok")
    row.get_by_role("button", name="Probar conexión").click()
    expect(row.locator("output.test-result")).to_contain_text("Conectado: Blog de Tienda Sol")
    shot(page, "admin-channel-ok")
    page.goto(brand_url)
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
    page.goto(f"{day_server.url}/settings/users")
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
