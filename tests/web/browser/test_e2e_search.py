"""An agent types a troll's handle in the inbox search and opens their page, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import LiveServer, login

pytestmark = pytest.mark.browser


def test_typing_a_handle_in_the_inbox_search_finds_the_person_and_opens_their_page(
        page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "laura@conectel.demo")
    box = page.get_by_label("Buscar personas y casos")
    box.press_sequentially("@ElNegocia", delay=60)  # as a person types: results follow the keystrokes
    hit = page.locator("#search-results a.search-hit[data-person-id]")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("El Negociante")
    expect(page.locator("#search-results")).to_contain_text("@elnegociante")
    assert page.url.endswith("/inbox")  # the "a" typed in the box was no "take case" shortcut
    hit.click()
    page.wait_for_url("**/people/*")
    expect(page.locator("h1")).to_have_text("El Negociante")
    expect(page.locator("main")).to_contain_text("ladrones y estafadores")
    case_link = page.locator("main a[href^='/cases/']").first
    case_link.click()
    page.wait_for_url("**/cases/*")
    expect(page.locator(".case-head h1")).to_contain_text("ladrones")
    assert not page.js_errors, page.js_errors
