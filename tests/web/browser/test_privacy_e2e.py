"""Data rights from the person page, in headless Chromium against a real server: a supervisor downloads
everything held about a person as JSON, then anonymises them after a confirmation step that requires
the request being honoured; an agent sees neither button."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from cauce.brands import service as brands
from cauce.mentions.schemas import MentionIn
from cauce.mentions.service import ingest
from cauce.people import service as people
from conftest import LiveServer, login

pytestmark = pytest.mark.browser


def _customer(server: LiveServer, tag: str) -> int:
    with server.db.session() as session:
        ingest(session, MentionIn.model_validate({
            "id": f"hd-{tag}", "created_at": datetime.now(UTC).isoformat(), "channel": "twitter",
            "brand": "conectel", "author": {"handle": f"@titular_{tag}", "name": f"Rosa Titular {tag}",
                                            "followers": 40},
            "text": f"@conectel me cobraron dos veces la factura, mi cédula es la de siempre (ref {tag})",
            "metrics": {"likes": 0, "reposts": 0, "replies": 0}}), source="e2e")
        org = brands.get(session, brand_id=server.brand_ids["conectel"]).organisation_id
        found = people.prefetch_handles(session, [(org, "twitter", f"@titular_{tag}")])
        return found[(org, "twitter", f"titular_{tag}")][1].id


def test_supervisor_exports_then_forgets_a_person_and_an_agent_cannot(page: Any, live_server: LiveServer,
                                                                     tmp_path: Path) -> None:
    server = live_server
    tag = uuid.uuid4().hex[:6]
    person_id = _customer(server, tag)

    login(page, server, "laura@conectel.demo")  # an agent of the brand: the history, not the data rights
    page.goto(f"{server.url}/people/{person_id}")
    expect(page.locator(".person-messages")).to_contain_text(tag)
    expect(page.get_by_role("button", name="Exportar datos (JSON)")).to_have_count(0)
    expect(page.get_by_role("link", name="Anonimizar / eliminar")).to_have_count(0)
    page.context.clear_cookies()

    login(page, server, "supervisora@cauce.demo")
    page.goto(f"{server.url}/people/{person_id}")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exportar datos (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == f"cauce-persona-{person_id}.json"
    saved = tmp_path / "export.json"
    download.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["person"]["id"] == person_id and document["person"]["display_name"] == f"Rosa Titular {tag}"
    assert any(tag in m["text"] for m in document["mentions"])
    assert [h["handle"] for h in document["handles"]] == [f"titular_{tag}"]

    page.get_by_role("link", name="Anonimizar / eliminar").click()
    page.wait_for_url(f"**/people/{person_id}/forget")
    expect(page.locator("main")).to_contain_text("No se puede deshacer")
    page.get_by_role("button", name="Confirmar: anonimizar a esta persona").click()  # no reason yet
    expect(page).to_have_url(f"{server.url}/people/{person_id}/forget")  # the browser refuses the empty form
    page.get_by_label("Solicitud que atiende").fill(f"Radicado HD-{tag} del titular, por correo")
    page.get_by_role("button", name="Confirmar: anonimizar a esta persona").click()
    expect(page.locator("#person-notice")).to_contain_text("Datos personales eliminados")
    expect(page.locator(".person-messages")).not_to_contain_text(tag)
    expect(page.locator("#person-name")).not_to_contain_text("Rosa Titular")
    with server.db.read_session() as session:
        person = people.get(session, person_id=person_id)
        assert person.anonymised_at is not None and person.display_name != f"Rosa Titular {tag}"
    assert page.js_errors == []
