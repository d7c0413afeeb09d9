"""An agent's bell and the team's «Actividad» page in headless Chromium against a real server: a case a
supervisor assigns to her raises the bell's count live (the inbox's change feed), the list opens the
case, «Marcar todo como leído» clears it; the activity page shows what the team did today and filters by
person. Every page is checked with axe-core for serious or critical accessibility violations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from test_team_day_e2e import check_a11y

from cauce.audit.service import Actor
from cauce.auth.models import User
from cauce.cases import service as cases
from cauce.cases.models import Case
from conftest import LiveServer, login

pytestmark = pytest.mark.browser


def _ids(server: LiveServer) -> tuple[int, int, int]:
    """Laura's and Valentina's user ids, and an open Conectel case not assigned to Laura."""
    with server.db.read_session() as s:
        laura = s.scalar(select(User.id).where(User.email == "laura@conectel.demo"))
        valentina = s.scalar(select(User.id).where(User.email == "supervisora@cauce.demo"))
        case_id = s.scalar(select(Case.id).where(Case.brand_id == server.brand_ids["conectel"], Case.is_open.is_(True),
                                                 (Case.assigned_user_id.is_(None)) | (Case.assigned_user_id != laura))
                           .order_by(Case.id.desc()).limit(1))
    assert laura and valentina and case_id
    return laura, valentina, case_id


def _unread(page: Any) -> int:
    value = page.locator("#bell").get_attribute("data-unread") or "0"
    return int(value)


def test_bell_rises_live_opens_the_case_and_activity_shows_the_day(page: Any, live_server: LiveServer) -> None:
    laura, valentina, case_id = _ids(live_server)
    login(page, live_server, "laura@conectel.demo")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(page.locator("#bell")).to_have_attribute("data-unread", re.compile(r"^\d+$"))
    before = _unread(page)
    with live_server.db.session() as s:
        cases.assign(s, case_id=case_id, actor=Actor.user(valentina, "Valentina Ríos"), user_id=laura)
    # No reload: the live inbox sees the case change and the bell asks for its count again.
    expect(page.locator("#bell")).to_have_attribute("data-unread", str(before + 1), timeout=10_000)
    expect(page.locator("#bell")).to_have_accessible_name(f"Avisos: {before + 1} sin leer")
    check_a11y(page, "inbox with the bell")

    page.locator("#bell").click()
    page.wait_for_url("**/notifications")
    item = page.locator(".notification", has_text=f"Se le asignó el caso #{case_id}")
    expect(item).to_have_count(1)
    expect(item).to_have_class("notification unread")
    check_a11y(page, "notifications")
    item.get_by_role("button", name="Abrir").click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.locator("#bell")).to_have_attribute("data-unread", str(before))

    page.goto(f"{live_server.url}/notifications")
    if before:
        page.get_by_role("button", name="Marcar todo como leído").click()
        page.wait_for_url("**/notifications")
    expect(page.locator("#bell")).to_have_attribute("data-unread", "0")
    expect(page.locator("#bell .bell-count")).to_have_count(0)
    expect(page.get_by_role("button", name="Marcar todo como leído")).to_have_count(0)

    page.get_by_role("link", name="Qué avisos recibo y cómo").click()
    page.wait_for_url("**/notifications/settings")
    check_a11y(page, "notification settings")
    page.get_by_label("Me asignaron un caso: Por correo").check()
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".flash-ok")).to_contain_text("Preferencias guardadas")

    with live_server.db.session() as s:
        cases.add_note(s, case_id=case_id, text="Llamé a la clienta: el técnico va mañana",
                       actor=Actor.user(laura, "Laura Gómez"), author_user_id=laura)
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Actividad").click()
    page.wait_for_url("**/activity")
    note = page.locator("tr.activity-row", has_text="Llamé a la clienta")
    expect(note).to_contain_text("Laura Gómez")
    expect(note).to_contain_text("Nota")
    assigned = page.locator("tr.activity-row[data-action='case.assigned']", has_text=f"#{case_id}")
    expect(assigned.first).to_contain_text("Valentina Ríos")
    check_a11y(page, "activity")
    page.get_by_label("Persona").select_option(str(laura))
    page.wait_for_url("**/activity?*user_id=*")
    expect(page.locator("tr.activity-row", has_text="Llamé a la clienta")).to_have_count(1)
    expect(page.locator("tr.activity-row[data-action='case.assigned']", has_text=f"#{case_id}")).to_have_count(0)
    assert not page.js_errors, page.js_errors
