"""A troll in a customer's thread, in headless Chromium: the customer's case stays hers, his messages
are marked as third-party, his own entry is one click away, and he is moderated under a clause."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from cauce.demo.conversations import TROLL_IN_THREAD
from cauce.mentions.service import ingest_many
from conftest import LiveServer, login

pytestmark = pytest.mark.browser


def test_the_customers_case_shows_the_troll_as_a_third_party_and_he_is_moderated_from_there(
        page: Any, live_server: LiveServer) -> None:
    run = uuid.uuid4().hex[:6]
    items = TROLL_IN_THREAD.mentions(brand="conectel", start=datetime.now(UTC) - timedelta(minutes=30),
                                     id_prefix=f"e2e-{run}-", suffix=f"_{run}")
    with live_server.db.session() as session:  # the shipped triage model, the real routing
        results = ingest_many(session, items, source="e2e")
    customer_case = results[0].case_id
    assert customer_case is not None and results[3].case_id == customer_case

    login(page, live_server, "supervisora@cauce.demo")
    row = page.locator(f"tr#case-{customer_case}")
    expect(row.locator(".name")).to_have_text("Marcela Ríos")  # the inbox shows the customer
    row.locator("a[data-open]").click()
    page.wait_for_url(f"**/cases/{customer_case}")

    third = page.locator("#thread li.msg-third-party")
    expect(third).to_have_count(2)
    expect(third.first).to_contain_text("Tercero")
    expect(third.first).to_contain_text("Don Burlón")
    expect(page.locator("#thread li.msg-in:not(.msg-third-party)")).to_have_count(2)
    panel = page.locator("#participants")
    expect(panel).to_contain_text("Otros en esta conversación")
    expect(panel).to_contain_text("Troll")

    panel.locator("a[data-linked-case]").click()
    page.wait_for_url("**/cases/*")
    assert not page.url.endswith(f"/cases/{customer_case}")
    expect(page.locator(".person-name")).to_have_text("Don Burlón")
    expect(page.locator("a[data-parent-case]")).to_have_attribute("href", f"/cases/{customer_case}")

    page.get_by_role("link", name="Moderación de esta persona").click()
    page.wait_for_url("**/moderation?**")
    expect(page.locator("#moderation")).to_contain_text("Don Burlón")
    page.select_option("#mod-action", "warn")
    clause = page.locator("#mod-clause").input_value()
    assert clause
    page.fill("#mod-reason", "Burlas e insultos a una clienta en su hilo («bola de llorones», «idiotas»).")
    page.click("button:has-text('Aplicar acción')")
    expect(page.locator("#moderation table.wide tbody tr").first).to_contain_text(clause)
    assert not page.js_errors, page.js_errors
