"""Presence and collision warnings, moderation, the phone-width inbox — and their screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import LiveServer, login, shot

pytestmark = pytest.mark.browser


def _first_case_id(page: Any) -> int:
    return int(page.locator("tr.case-row").first.get_attribute("data-case-id"))


def test_claiming_and_replying_show_who_is_on_the_case(browser: Any, live_server: LiveServer) -> None:
    laura_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
    boss_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
    laura_ctx.set_default_timeout(15_000)
    boss_ctx.set_default_timeout(15_000)
    try:
        laura, boss = laura_ctx.new_page(), boss_ctx.new_page()
        login(laura, live_server, "laura@conectel.demo")
        case_id = _first_case_id(laura)
        # "a" on the selected row claims the case for the agent.
        laura.keyboard.press("j")
        expect(laura.locator(f"#case-{case_id}.is-selected")).to_have_count(1)
        laura.keyboard.press("a")
        expect(laura.locator(f"#case-{case_id} .owner")).to_contain_text("Laura Gómez", timeout=10_000)
        expect(laura.locator(f"#case-{case_id}.is-selected")).to_have_count(1)
        laura.goto(f"{live_server.url}/cases/{case_id}")
        laura.locator("#reply-text").click()
        laura.keyboard.type("Hola")
        login(boss, live_server, "supervisora@cauce.demo")
        expect(boss.locator(f"#case-{case_id} .owner")).to_contain_text("Laura Gómez")
        boss.goto(f"{live_server.url}/cases/{case_id}")
        expect(boss.locator(".collision-replying")).to_contain_text("Laura Gómez está respondiendo")
    finally:
        laura_ctx.close()
        boss_ctx.close()


def test_moderation_screen_cites_the_guideline_and_keeps_strikes(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "supervisora@cauce.demo")
    row = page.locator("tr.case-row", has_text="El Negociante").first
    row.locator("a[data-open]").click()
    page.get_by_role("link", name="Moderación de esta persona").click()
    page.wait_for_url("**/moderation?**")
    page.select_option("#mod-action", "warn")
    # Only the clauses that justify a warning are offered; the first one is preselected.
    clause = page.locator("#mod-clause").input_value()
    assert "warn" in page.locator(f"#mod-clause option[value='{clause}']").get_attribute("data-actions")
    page.fill("#mod-reason", "Insultos a la marca en público («ladrones y estafadores»).")
    page.click("button:has-text('Aplicar acción')")
    expect(page.locator("#moderation table.wide tbody tr").first).to_contain_text(clause)
    expect(page.locator("#moderation .chip").first).to_contain_text("Faltas: 1")
    shot(page, "moderation", full_page=True)


def test_inbox_is_usable_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="es-CO")
    try:
        page = context.new_page()
        login(page, live_server, "laura@conectel.demo")
        first = page.locator("tr.case-row").first
        expect(first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"the page scrolls sideways on a phone ({width}px)"
        shot(page, "inbox-phone", full_page=False)
        first.locator("a[data-open]").click()
        expect(page.locator("#composer")).to_be_attached()
        assert page.evaluate("document.documentElement.scrollWidth") <= 392
    finally:
        context.close()
