"""The team's tools in headless Chromium: a supervisor writes a saved reply (a wrong placeholder
first, kept as typed with the error beside it), filters the inbox to one brand and saves the view,
ticks three cases with the keyboard (j, x) and assigns them in bulk, then inserts the saved reply
into a case's reply box, where the tone reviewer checks it like any draft. Every page is checked
with axe-core for serious or critical accessibility violations."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from test_team_day_e2e import check_a11y

from conftest import LiveServer, login, shot

pytestmark = pytest.mark.browser


def test_bulk_assign_a_saved_reply_and_a_saved_view(page: Any, live_server: LiveServer) -> None:
    from cauce.audit.service import events_for_case
    from cauce.auth.models import User
    from cauce.cases.models import Case, SavedView

    server = live_server
    conectel = server.brand_ids["conectel"]
    login(page, server, "supervisora@cauce.demo")

    # A saved reply: the wrong placeholder is refused beside the form, with the typed text kept.
    page.get_by_role("link", name="Respuestas guardadas").click()
    page.wait_for_url("**/settings/macros")
    check_a11y(page, "saved replies")
    page.locator("#new-brand").select_option(str(conectel))
    page.locator("#new-title").fill("Pedir datos por privado")
    page.locator("#new-text").fill("Hola {cliente}, soy {agente} de {marca}.")
    page.get_by_role("button", name="Crear").click()
    expect(page.locator("#err-new")).to_contain_text("{cliente}")
    expect(page.locator("#new-text")).to_have_value("Hola {cliente}, soy {agente} de {marca}.")
    expect(page.locator("#new-title")).to_have_value("Pedir datos por privado")
    check_a11y(page, "saved replies with an error")
    page.locator("#new-text").fill("Hola {nombre}, soy {agente} de {marca}. [Escríbenos|Escríbanos] por "
                                   "mensaje privado [tu|su] número de cuenta para revisar el caso {caso}.")
    page.get_by_role("button", name="Crear").click()
    expect(page.get_by_text("Cambios guardados.")).to_be_visible()
    shot(page, "team-saved-replies", full_page=True)

    # The inbox filtered to one brand, saved as a view of the supervisor's own.
    page.goto(f"{server.url}/inbox?brand_id={conectel}")
    page.locator("tr.case-row").nth(2).wait_for()
    page.get_by_label("Guardar estos filtros como").fill("Solo Conectel")
    page.get_by_role("button", name="Guardar vista").click()
    page.wait_for_url(f"**/inbox?brand_id={conectel}&view=*")
    view_link = page.locator(".saved-views").get_by_role("link", name="Solo Conectel")
    expect(view_link).to_have_attribute("aria-current", "page")
    check_a11y(page, "inbox with a saved view")

    # Three cases ticked with the keyboard (j moves, x ticks), assigned to Laura in one go.
    rows = page.locator("tr.case-row")
    ids = [int(rows.nth(i).get_attribute("data-case-id") or 0) for i in range(3)]
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(3):
        page.keyboard.press("j")
        page.keyboard.press("x")
    expect(page.locator("#bulk-count")).to_contain_text("3")
    for case_id in ids:
        expect(page.locator(f"#case-{case_id} [data-bulk-check]")).to_be_checked()
    page.get_by_label("Acción").select_option("assign")
    expect(page.locator("#bulk-tag")).to_be_hidden()  # only the chosen action's fields
    page.locator("#bulk-user").select_option(label="Laura Gómez")
    page.get_by_role("button", name="Aplicar a los seleccionados").click()
    expect(page.locator("#bulk-result")).to_contain_text("Casos actualizados: 3.")
    shot(page, "team-bulk-assigned", full_page=True)
    # Shift+x ticks the range from the last ticked row to this one.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Shift+X")
    expect(page.locator("#bulk-count")).to_contain_text("3")
    expect(page.locator("[data-bulk-check]:checked")).to_have_count(3)
    check_a11y(page, "inbox after a bulk action")
    with server.db.read_session() as s:
        laura = s.scalar(select(User.id).where(User.email == "laura@conectel.demo"))
        for case_id in ids:
            case = s.get(Case, case_id)
            assert case is not None and case.assigned_user_id == laura
            assert [e.action for e in events_for_case(s, case_id)].count("case.assigned") >= 1
        assert [v.name for v in s.scalars(select(SavedView))] == ["Solo Conectel"]

    # The saved reply, inserted into the first case's reply box and checked by the tone reviewer.
    page.goto(f"{server.url}/cases/{ids[0]}")
    page.get_by_label("Respuesta guardada").select_option(label="Pedir datos por privado")
    page.get_by_role("button", name="Insertar respuesta guardada").click()
    reply = page.locator("#reply-text")
    page.wait_for_function("() => (document.getElementById('reply-text') || {}).value"
                           "&& document.getElementById('reply-text').value.includes('Valentina')")
    text = reply.input_value()
    assert f"caso #{ids[0]}" in text and "de Conectel" in text and "{" not in text, text
    assert "Escríbanos" in text and "su número" in text, text  # Conectel treats its customers as usted
    # The box re-ran the tone check on load: a verdict replaces the empty findings panel.
    page.wait_for_selector('#findings:not([data-verdict="none"])')
    assert page.locator("#findings").get_attribute("data-verdict") != "block"
    shot(page, "team-macro-inserted", full_page=True)
    check_a11y(page, "case page with a saved reply")
    assert [e for e in page.js_errors if "status of 422" not in e] == []  # the refused saved reply answered 422
