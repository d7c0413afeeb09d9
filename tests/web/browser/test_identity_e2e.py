"""An agent merges one human's two accounts from the person page, in headless Chromium against a real server,
and the other network's history appears."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from cauce.brands import service as brands
from cauce.mentions.schemas import MentionIn
from cauce.mentions.service import ingest
from cauce.people import identity
from cauce.people import service as people
from conftest import LiveServer, login

pytestmark = pytest.mark.browser


def test_agent_merges_two_networks_from_the_person_page(page: Any, live_server: LiveServer) -> None:
    server = live_server
    tag = uuid.uuid4().hex[:6]
    # The same customer as the background @juanpa_ortiz complaint on X, now writing on Instagram.
    text = f"Hola Conectel, sigo sin fibra en Chapinero y ya les escribí por Twitter (ref {tag})"
    with server.db.session() as session:
        ingest(session, MentionIn.model_validate({
            "id": f"ig-{tag}", "created_at": datetime.now(UTC).isoformat(), "channel": "instagram",
            "brand": "conectel", "author": {"handle": "juanpa.ortiz", "name": "Juan Pablo Ortiz", "followers": 300},
            "text": text, "metrics": {"likes": 0, "reposts": 0, "replies": 0}}), source="e2e")
        identity.sweep(session)
        org = brands.get(session, brand_id=server.brand_ids["conectel"]).organisation_id
        found = people.prefetch_handles(session, [(org, "twitter", "@juanpa_ortiz")])
        person_id = found[(org, "twitter", "juanpa_ortiz")][1].id

    login(page, server, "laura@conectel.demo")
    page.goto(f"{server.url}/people/{person_id}")
    messages = page.locator(".person-messages")
    expect(messages).to_contain_text("tercera vez este mes")
    expect(messages).not_to_contain_text(tag)
    proposal = page.locator("article.proposal")
    expect(proposal).to_contain_text("Mismo usuario en varias redes")
    expect(proposal).to_contain_text("@juanpa.ortiz")

    proposal.get_by_role("button", name="Confirmar").click()
    expect(messages).to_contain_text(tag)  # the Instagram message is now in the one history
    expect(page.locator(".person-messages li[data-channel=instagram]")).to_have_count(1)
    expect(page.locator("#flash")).to_contain_text("Personas unidas")
    expect(page.locator("article.proposal")).to_have_count(0)
    assert page.js_errors == []
