"""An agent's day in headless Chromium against a real server, counting the clicks: take a case,
reply in public, move to private, investigate (route to the area), resolve on the at-fault branch,
record satisfaction, follow up with the survey link — and the customer answers the survey in an
anonymous browser, without logging in. Screenshots only when CAUCE_SCREENSHOT_DIR is set."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from test_e2e_agent_flow import LONG_TEXT, ingest_mention

from conftest import LiveServer, login

pytestmark = pytest.mark.browser
SCREENSHOT_DIR = os.environ.get("CAUCE_SCREENSHOT_DIR")
# The whole day, every playbook step included, in at most this many clicks (selects count as clicks).
CLICK_BUDGET = 40


class Clicks:
    """Every click or choice the agent makes goes through here, so the journey's cost is measured."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def choose(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.select_option(selector, value)

    def check(self, selector: str) -> None:
        self.count += 1
        self.page.check(selector)


def snap(page: Any, name: str) -> None:
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"agent-day-{name}.png"), full_page=True)


def _send_draft(page: Any, clicks: Clicks, intent: str, *, private: bool) -> str:
    if private:
        clicks.check("#composer-form input[name=visibility][value=private]")
    clicks.choose("#intent-select", intent)
    clicks.click("#insert-draft")
    expect(page.locator("#reply-text")).to_have_value(LONG_TEXT)
    text = str(page.locator("#reply-text").input_value())
    page.wait_for_selector("#findings[data-verdict=ok], #findings[data-verdict=warn]")
    before = page.locator(".msg-out").count()
    clicks.click("#send-btn")
    expect(page.locator(".msg-out")).to_have_count(before + 1)
    expect(page.locator(".msg-out").first.locator(".delivery")).to_have_text("Enviada", timeout=20_000)
    return text


def test_an_agents_day_and_the_customers_survey(page: Any, browser: Any, day_server: LiveServer) -> None:
    server = day_server
    case_id = ingest_mention(server, brand="conectel", handle="@valeria_gp", name="Valeria Gómez",
                             text="@conectel me cobraron dos veces la factura de octubre y nadie me explica por qué. "
                                  "Ya llamé tres veces")
    login(page, server, "laura@conectel.demo")
    clicks = Clicks(page)
    page.locator(f"#case-{case_id}").wait_for()

    # Take the case.
    clicks.click(f"#case-{case_id} a[data-open]")
    page.wait_for_url(f"**/cases/{case_id}")
    clicks.click("[data-claim]")
    expect(page.locator(".case-actions .owner")).to_contain_text("Laura")
    snap(page, "1-taken")

    # Reply in public (first reply), then move to private: the DM itself does not announce the move.
    public = _send_draft(page, clicks, "first_reply", private=False)
    assert "Valeria" in public and public.rstrip().endswith("— Laura, de Conectel")
    dm = _send_draft(page, clicks, "move_to_private", private=True)
    assert not re.search(r"sigamos|por DM|ya (?:te|le) escrib", dm, re.IGNORECASE), dm
    assert page.locator(".msg-out.msg-private").count() >= 1

    # Investigate: route to the billing area.
    billing = page.locator("#assign-area option", has_text="Facturación").first.get_attribute("value")
    assert billing
    clicks.choose("#assign-area", billing)
    clicks.click("#case-side button:has-text('Asignar')")
    expect(page.locator("#case-side p:has-text('Área:')")).to_contain_text("Facturación")
    snap(page, "2-investigating")

    # Resolve on the at-fault branch: the sent answer ticks its checklist items by itself.
    clicks.choose("#outcome-set", "at_fault")
    clicks.click("button:has-text('Registrar resultado')")
    page.wait_for_selector("[data-check-item]")
    answer = _send_draft(page, clicks, "resolution_at_fault", private=False)
    assert "Lo que pasó" in answer or "ocurrió" in answer or "falló" in answer or "causa" in answer, answer
    page.reload()
    for item in ("§5.2.strong-apology", "§5.2.what-went-wrong"):
        expect(page.locator(f"[data-check-item='{item}']")).to_have_attribute("aria-checked", "true")
    for item in ("§5.2.warranty", "§5.2.compensation"):  # the optional ones stay the agent's decision
        clicks.click(f"[data-check-item='{item}']")
        page.wait_for_selector(f"[data-check-item='{item}'][aria-checked=true]")
    clicks.click("[data-confirm-customer]")
    page.wait_for_selector("#case-side .ok:has-text('confirmó')")
    clicks.choose("#to", "respondido")
    clicks.choose("#outcome", "at_fault")
    clicks.click(".transition-form button")
    page.wait_for_selector(".case-meta .status:has-text('Respondido')")
    snap(page, "3-resolved")

    # Record the satisfaction the customer gave by phone.
    clicks.check("#csat-form input[name=score][value='5']")
    clicks.click("[data-record-csat]")
    expect(page.locator("[data-csat-score]")).to_have_text("5/5")

    # Follow up: the draft carries the survey link the customer answers without an account.
    survey_url = str(page.locator("[data-survey-url]").input_value())
    # The link is built on CAUCE_BASE_URL (the address customers reach); this test server has the default.
    found = re.fullmatch(r"https?://[^/]+(/encuesta/[A-Za-z0-9_-]{32,})", survey_url)
    assert found, survey_url
    follow_up = _send_draft(page, clicks, "follow_up", private=True)
    assert survey_url in follow_up, follow_up
    snap(page, "4-followed-up")
    day_clicks = clicks.count
    print(f"\nagent's day: {day_clicks} clicks")
    assert day_clicks <= CLICK_BUDGET, day_clicks

    # The customer, in a browser with no session, answers once.
    anonymous = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-CO")
    customer = anonymous.new_page()
    errors: list[str] = []
    customer.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    customer.goto(server.url + found.group(1))
    expect(customer.locator("h1")).to_have_text("Encuesta de satisfacción")
    assert customer.locator("link[rel=stylesheet]").count() == 1
    assert customer.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(243, 245, 248)"  # styled
    assert "Valeria" not in customer.content()  # nothing of the case or the person
    snap(customer, "5-survey")
    customer.check("input[name=score][value='4']")
    customer.fill("#survey-comment", "Me devolvieron el cobro rápido")
    customer.click("button[type=submit]")
    expect(customer.locator("[data-survey-state=thanks]")).to_contain_text("4 de 5")
    snap(customer, "6-survey-thanks")
    customer.goto(server.url + found.group(1))
    expect(customer.locator("[data-survey-state=answered]")).to_be_visible()
    assert not errors, errors  # no CSP violation or script error on the public page
    anonymous.close()

    page.reload()
    expect(page.locator("[data-csat-score]")).to_have_text("4/5")
    assert page.locator(".action:has-text('Encuesta de satisfacción')").count() == 0  # the step is done
    # The sent follow-up closes its step once the outbox has delivered it (a background job: give it time).
    deadline = time.monotonic() + 20
    while page.locator(".action:has-text('Seguimiento')").count() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    assert page.locator(".action:has-text('Seguimiento')").count() == 0
    assert not page.js_errors, page.js_errors
