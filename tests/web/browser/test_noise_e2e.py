"""An agent opens «Ruido», finds a post triage took for noise, brings it into the queue with one click,
and the case appears — in headless Chromium against a real server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from cauce.mentions.schemas import MentionIn
from cauce.mentions.service import ingest
from conftest import LiveServer, login
from helpers import scripted_triage

pytestmark = pytest.mark.browser

TEXT = "¿El Deportivo Conectel juega este domingo? Y de paso: llevo dos días sin internet en Kennedy"


def test_bringing_a_noise_mention_into_the_queue_opens_its_case(page: Any, live_server: LiveServer) -> None:
    # Triage (the scripted stand-in, until the relevance component ships) took it for noise.
    with scripted_triage(), live_server.db.session() as s:
        result = ingest(s, MentionIn.model_validate({
            "id": "ruido-e2e", "created_at": datetime.now(UTC).isoformat(), "channel": "twitter",
            "brand": "conectel", "author": {"handle": "@hincha_azul", "name": "Andrés Hincha", "followers": 890},
            "text": TEXT, "test_triage": {"relevant": False, "relevance": 0.2, "is_complaint": False,
                                          "pqr_type": "otro", "category": None, "priority": 8,
                                          "relevance_reasons": ["homónimo: Deportivo Conectel"]}}))
    assert result.noise and result.case_id is None
    login(page, live_server, "laura@conectel.demo")
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Ruido").click()
    page.wait_for_url("**/noise")
    row = page.locator(f"#noise-{result.mention_id}")
    expect(row).to_contain_text("Kennedy")
    expect(row).to_contain_text("homónimo: Deportivo Conectel")
    row.get_by_role("button", name="Traer a la bandeja").click()
    done = page.locator(f"#noise-{result.mention_id}.noise-done")
    expect(done).to_contain_text("Abierto el caso")
    expect(page.locator("#flash")).to_contain_text("Abierto el caso")
    done.locator("a").click()
    page.wait_for_url("**/cases/*")
    expect(page.locator("#thread")).to_contain_text("sin internet en Kennedy")
    case_id = page.url.rsplit("/", 1)[-1]
    page.goto(f"{live_server.url}/inbox")
    expect(page.locator(f"#case-{case_id}")).to_contain_text("Andrés Hincha")
    page.goto(f"{live_server.url}/noise")
    expect(page.locator(f"#noise-{result.mention_id}")).to_have_count(0)
    assert not page.js_errors, page.js_errors
