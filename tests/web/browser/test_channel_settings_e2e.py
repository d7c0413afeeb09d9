"""An admin adds an e-mail channel in headless Chromium against a real Dovecot + Postfix: a wrong
password fails the connection test (nothing saved, typed input kept, no «Funciona»), the right one
saves it as working; then the channel is tested again, paused and deleted from the list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import LiveServer, login
from connectors.realnet import mailnet

pytestmark = pytest.mark.browser
SUPPORT = mailnet.Account("soporte@conectel.example", "clave-soporte-2026")


@pytest.fixture(scope="module")
def mail() -> Iterator[mailnet.MailNet]:
    why = mailnet.unavailable()
    if why is not None:
        pytest.skip(why)
    with mailnet.running((SUPPORT,)) as running:
        yield running


def _settings(net: mailnet.MailNet) -> str:
    return "\n".join([
        "imap_host = 127.0.0.1", f"imap_port = {net.imap_port}", "imap_ssl = false", f"username = {SUPPORT.address}",
        "smtp_host = 127.0.0.1", f"smtp_port = {net.smtp_port}", "smtp_starttls = false",
        f"from_address = {SUPPORT.address}"])


def test_an_email_channel_is_tested_before_it_is_saved_then_paused_and_deleted(
        page: Any, live_server: LiveServer, mail: mailnet.MailNet) -> None:
    login(page, live_server, "admin@cauce.demo")
    page.goto(f"{live_server.url}/settings/channels")
    page.get_by_text("Qué necesita cada tipo de canal").click()
    expect(page.locator('[data-kind-needs="email"]')).to_contain_text("imap_host")
    page.get_by_label("Tipo").select_option("email")
    page.get_by_label("Nombre").fill("Correo de soporte")
    page.locator("#c-creds").fill("password = no-es-la-clave")
    page.locator("#c-settings").fill(_settings(mail))
    page.get_by_role("button", name="Probar y agregar").click()
    alert = page.locator("#channel-error")
    expect(alert).to_contain_text("La prueba de conexión falló")
    expect(alert).to_contain_text("Credenciales rechazadas")
    expect(page.get_by_label("Nombre")).to_have_value("Correo de soporte")  # what was typed stays
    expect(page.locator("#c-settings")).to_have_value(_settings(mail))
    expect(page.locator("tr", has_text="Correo de soporte")).to_have_count(0)  # nothing was saved
    page.locator("#c-creds").fill(f"password = {SUPPORT.password}")
    page.get_by_role("button", name="Probar y agregar").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    row = page.locator("tbody tr", has_text="Correo de soporte")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "ok")
    expect(row).to_contain_text("Funciona")
    row.get_by_role("button", name="Probar conexión").click()
    expect(row.locator("output.test-result")).to_contain_text(f"Conectado: {SUPPORT.address}")
    row.get_by_role("button", name="Pausar").click()
    row = page.locator("tbody tr", has_text="Correo de soporte")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "paused")
    row.get_by_role("button", name="Eliminar").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    expect(page.locator("tbody tr", has_text="Correo de soporte")).to_have_count(0)
    assert [e for e in page.js_errors if "status of 422" not in e] == []  # the refused save answered 422
