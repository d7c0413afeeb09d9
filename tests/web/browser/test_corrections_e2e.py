"""Correcting triage with the keyboard in headless Chromium, against a real server: `c` in the case
view opens the dialog, the agent changes the PQR type and presses Enter, and it is saved (mention,
case, audit, labelled example); Escape closes the dialog; `c` works from the inbox too."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from test_e2e_agent_flow import ingest_mention

from cauce.audit.models import AuditEvent
from cauce.brands.models import Brand
from cauce.cases.models import Case
from cauce.corrections import training
from cauce.corrections.models import TriageExample
from cauce.mentions.models import Mention
from conftest import LiveServer, login, shot

pytestmark = pytest.mark.browser


def test_agent_corrects_the_pqr_type_with_the_keyboard(page: Any, live_server: LiveServer) -> None:
    server = live_server
    case_id = ingest_mention(server, brand="conectel", handle="@rosa_lema", name="Rosa Lema",
                             text="@conectel me cobraron dos veces la reconexión y nadie responde en la línea")
    with server.db.session() as s:
        mention = s.scalar(select(Mention).where(Mention.case_id == case_id))
        assert mention is not None
        mention_id, before = mention.id, mention.pqr_type
    target = "sugerencia" if before != "sugerencia" else "peticion"
    label = {"sugerencia": "Sugerencia", "peticion": "Petición"}[target]

    login(page, server, "laura@conectel.demo")
    page.goto(f"{server.url}/cases/{case_id}")
    page.wait_for_selector("article.case")

    # Escape closes the dialog without saving.
    page.keyboard.press("c")
    dialog = page.locator("#correction-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#corr-pqr_type")).to_have_value(before or "otro")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # `c` again, change the PQR type from the keyboard, Enter saves.
    page.keyboard.press("c")
    expect(dialog).to_be_visible()
    page.locator("#corr-is_complaint").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#corr-pqr_type")).to_be_focused()
    page.locator("#corr-pqr_type").select_option(target)
    shot(page, "correction-dialog")
    with page.expect_navigation():  # the page reloads with the saved correction
        page.keyboard.press("Enter")
    expect(page.locator(f"#mention-{mention_id} .msg-triage")).to_contain_text(label)
    assert page.js_errors == [], page.js_errors

    with server.db.session() as s:
        stored = s.get(Mention, mention_id)
        assert stored is not None and stored.pqr_type == target and stored.is_complaint is False
        case = s.get(Case, case_id)
        assert case is not None and case.pqr_type == target
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "mention.triage_corrected",
                                                 AuditEvent.entity_id == str(mention_id))) is not None
        fields = set(s.scalars(select(TriageExample.field).where(TriageExample.mention_id == mention_id)))
        assert "pqr_type" in fields
        organisation_id = s.get(Brand, case.brand_id).organisation_id  # type: ignore[union-attr]
        run = training.train_organisation(s, organisation_id=organisation_id)
        assert run.accepted, run.reason

    # The supervisor sees the organisation's learning curve.
    page.context.clear_cookies()
    login(page, server, "supervisora@cauce.demo")
    page.goto(f"{server.url}/reports/learning?brand={server.brand_ids['conectel']}")
    expect(page.locator("#learning-runs")).to_contain_text(f"v{run.version}")
    expect(page.locator("#learning-active")).to_contain_text(str(run.version))
    shot(page, "learning-curve")


def test_c_opens_the_correction_of_the_selected_inbox_case(page: Any, live_server: LiveServer) -> None:
    server = live_server
    case_id = ingest_mention(server, brand="conectel", handle="@tomas_r", name="Tomás Rivas",
                             text="@conectel tengo cinco días sin internet en Suba y nadie da razón")
    login(page, server, "laura@conectel.demo")
    page.goto(f"{server.url}/inbox")
    row = page.locator(f"#case-{case_id}")
    row.wait_for()
    page.evaluate("id => window.cauceSelectRow(document.getElementById(id))", f"case-{case_id}")
    page.keyboard.press("c")
    dialog = page.locator("#correction-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("cinco días sin internet")
    expect(page.locator("#corr-is_complaint")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert page.js_errors == [], page.js_errors
