"""Channel settings: each kind says what it needs; saving runs a real connection test (never a green
«Funciona» next to an error); channels are edited (typed input kept on error), paused and deleted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import channels
from cauce.brands.models import ChannelAccount
from cauce.config import Settings
from cauce.connectors.runtime.polling import due_channels, poll_channel
from cauce.db import Database, utcnow
from cauce.errors import NotFound
from cauce.web.app import create_app
from connectors.fakes.fake_mail import PASSWORD as MAIL_PASSWORD
from connectors.fakes.fake_mail import USER as MAIL_USER
from connectors.fakes.fake_mail import Mailstore, mail_servers
from helpers import make_brand
from web.test_settings_pages import PASSWORD, Site, login


@pytest.fixture(name="site")
def _site(db: Database) -> Iterator[Site]:
    brand = make_brand(db, name="Marca A")
    with db.session() as s:
        auth.create_user(s, email="admin@a.co", name="Ada Admin", role="admin", password=PASSWORD, actor=SYSTEM)
    yield Site(create_app(Settings(database_url=db.url), db=db, run_scheduler=False), db, brand.id, brand.id)


@pytest.fixture
def mail() -> Iterator[dict[str, Any]]:
    with mail_servers(Mailstore()) as ports:
        yield ports


def _settings(ports: dict[str, Any], **extra: Any) -> str:
    values = {"imap_host": "127.0.0.1", "imap_port": ports["imap_port"], "imap_ssl": "false",
              "username": MAIL_USER, "smtp_host": "127.0.0.1", "smtp_port": ports["smtp_port"],
              "smtp_starttls": "false", "from_address": MAIL_USER, **extra}
    return "\n".join(f"{k} = {v}" for k, v in values.items())


def _add(client: TestClient, csrf: str, site: Site, ports: dict[str, Any], *, password: str, name: str = "Soporte",
         **extra: str) -> Any:
    return client.post("/settings/channels", data={
        "csrf_token": csrf, "brand_id": str(site.brand), "kind": "email", "name": name,
        "credentials": f"password = {password}", "settings": _settings(ports), **extra}, follow_redirects=False)


def _channels(db: Database) -> list[ChannelAccount]:
    with db.read_session() as s:
        rows = list(s.scalars(select(ChannelAccount).order_by(ChannelAccount.id)))
        for row in rows:
            s.expunge(row)
        return rows


def _status(page: str, channel_id: int) -> str:
    found = re.search(rf'id="status-{channel_id}" data-status="(\w+)"', page)
    assert found, page
    return found.group(1)


def test_each_kind_says_what_it_needs(site: Site) -> None:
    client, _ = login(site.app, "admin@a.co")
    page = client.get("/settings/channels").text
    email = re.search(r'data-kind-needs="email">(.*?)</dd>', page, re.S)
    assert email is not None
    needs = email.group(1)
    for field in ("imap_host", "username", "smtp_host", "from_address"):
        assert f"<code>{field}</code>" in needs.split("Opcional")[0]
    assert "<code>password</code> (credencial)" in needs
    assert "<code>imap_port = 993</code>" in needs  # optional, with its default
    assert "brand_terms" not in needs  # filled in from the brand


def test_a_failing_connection_test_saves_nothing_and_keeps_what_was_typed(site: Site, mail: dict[str, Any]) -> None:
    client, csrf = login(site.app, "admin@a.co")
    refused = _add(client, csrf, site, mail, password="mala", name="Soporte correo")
    assert refused.status_code == 422
    assert "La prueba de conexión falló" in refused.text and "Credenciales rechazadas" in refused.text
    assert 'value="Soporte correo"' in refused.text and f"imap_port = {mail['imap_port']}" in refused.text
    assert '<option value="email" selected>' in refused.text
    assert "settings-status-ok" not in refused.text  # no green «Funciona» anywhere on the page
    assert _channels(site.db) == []
    works = _add(client, csrf, site, mail, password=MAIL_PASSWORD, name="Soporte correo")
    assert works.status_code == 303
    [channel] = _channels(site.db)
    assert channel.healthy and channel.last_error is None and channel.settings["imap_ssl"] is False
    assert _status(client.get("/settings/channels").text, channel.id) == "ok"


def test_saved_anyway_a_failing_channel_shows_its_error_never_funciona(site: Site, mail: dict[str, Any]) -> None:
    client, csrf = login(site.app, "admin@a.co")
    assert _add(client, csrf, site, mail, password="mala", save_anyway="1").status_code == 303
    [channel] = _channels(site.db)
    assert not channel.healthy and "Credenciales rechazadas" in str(channel.last_error)
    page = client.get("/settings/channels").text
    assert _status(page, channel.id) == "failing" and "Credenciales rechazadas" in page
    with site.db.session() as s:  # healthy but with an error to show (e.g. one source failing)
        row = s.get(ChannelAccount, channel.id)
        assert row is not None
        row.healthy, row.last_error = True, "búsqueda: HTTP 500"
    page = client.get("/settings/channels").text
    assert _status(page, channel.id) == "warning" and "Funciona con avisos" in page
    assert "settings-status-ok" not in page


def test_editing_tests_first_keeps_typed_input_on_error_and_keeps_credentials_left_blank(
        site: Site, mail: dict[str, Any]) -> None:
    client, csrf = login(site.app, "admin@a.co")
    assert _add(client, csrf, site, mail, password=MAIL_PASSWORD).status_code == 303
    [channel] = _channels(site.db)
    form = client.get(f"/settings/channels/{channel.id}/edit")
    assert form.status_code == 200 and f"imap_port = {mail['imap_port']}" in form.text
    assert "password: " in form.text and MAIL_PASSWORD not in form.text  # masked
    broken = client.post(f"/settings/channels/{channel.id}", data={
        "csrf_token": csrf, "name": "Soporte nuevo", "credentials": "",
        "settings": _settings(mail, imap_port=1)}, follow_redirects=False)
    assert broken.status_code == 422 and "La prueba de conexión falló" in broken.text
    assert 'value="Soporte nuevo"' in broken.text and "imap_port = 1" in broken.text
    [unchanged] = _channels(site.db)
    assert unchanged.name == "Soporte" and unchanged.settings["imap_port"] == mail["imap_port"]
    saved = client.post(f"/settings/channels/{channel.id}", data={
        "csrf_token": csrf, "name": "Soporte nuevo", "credentials": "",
        "settings": _settings(mail, mailbox="INBOX")}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    [edited] = _channels(site.db)
    assert edited.name == "Soporte nuevo" and edited.settings["mailbox"] == "INBOX" and edited.healthy
    assert channels.decrypt_credentials(edited.credentials_encrypted) == {"password": MAIL_PASSWORD}


def test_pause_resume_and_soft_delete(site: Site, mail: dict[str, Any]) -> None:
    client, csrf = login(site.app, "admin@a.co")
    assert _add(client, csrf, site, mail, password=MAIL_PASSWORD).status_code == 303
    [channel] = _channels(site.db)
    with site.db.session() as s:
        row = s.get(ChannelAccount, channel.id)
        assert row is not None
        row.cursor = {"uidvalidity": 42, "last_uid": 7}
    assert channel.id in due_channels(site.db, now=utcnow())
    client.post(f"/settings/channels/{channel.id}/enabled", data={"csrf_token": csrf, "enabled": "0"})
    assert _status(client.get("/settings/channels").text, channel.id) == "paused"
    assert channel.id not in due_channels(site.db, now=utcnow())
    client.post(f"/settings/channels/{channel.id}/enabled", data={"csrf_token": csrf, "enabled": "1"})
    assert channel.id in due_channels(site.db, now=utcnow())
    deleted = client.post(f"/settings/channels/{channel.id}/delete", data={"csrf_token": csrf},
                          follow_redirects=False)
    assert deleted.status_code == 303
    page = client.get("/settings/channels").text
    assert f'id="status-{channel.id}"' not in page
    assert channel.id not in due_channels(site.db, now=utcnow())
    with pytest.raises(NotFound):  # not even by hand (`cauce channels poll`)
        poll_channel(site.db, channel.id)
    [kept] = _channels(site.db)  # the row, its cursor and its audit trail stay
    assert kept.cursor == {"uidvalidity": 42, "last_uid": 7} and not kept.enabled and channels.is_deleted(kept)
    assert client.post(f"/settings/channels/{channel.id}/enabled",
                       data={"csrf_token": csrf, "enabled": "1"}).status_code == 404
    assert client.get(f"/settings/channels/{channel.id}/edit").status_code == 404
    assert client.get("/api/v1/channels").json() == []
    # The name is free again for a new channel.
    assert _add(client, csrf, site, mail, password=MAIL_PASSWORD).status_code == 303
    with site.db.read_session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(channel.id)))]
    assert "channel.deleted" in actions


def test_channel_for_replies_skips_a_deleted_channel(site: Site, db: Database) -> None:
    from cauce.brands import service as brands
    from cauce.connectors import construction

    with db.session() as s:
        brand = brands.get(s, brand_id=site.brand)
        channel = construction.add_channel(s, brand=brand, kind="demo", name="Demo", actor=SYSTEM)
        channels.delete_channel(s, channel_id=channel.id, actor=SYSTEM, now=utcnow())
        assert channels.channel_for(s, brand_id=site.brand, network="demo") is None
        assert channels.list_channels(s, include_deleted=True) == [channel]
