"""Channel accounts: credentials encrypted at rest, masked everywhere, connectors built from them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM
from cauce.brands import channels
from cauce.brands.models import ChannelAccount
from cauce.connectors import construction
from cauce.connectors.demo_channel import DemoConnector
from cauce.db import Database
from cauce.errors import Conflict, InvalidInput, NotFound
from helpers import make_brand


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", Fernet.generate_key().decode())


def test_credentials_are_encrypted_at_rest_masked_and_never_audited(db: Database) -> None:
    brand = make_brand(db)
    token = "tok-super-secreto-0123456789f"
    with db.session() as s:
        ch = construction.add_channel(s, brand=brand, kind="mastodon", name="Mastodon oficial",
                                  base_url="https://social.example", credentials={"access_token": token},
                                  settings={"hashtags": ["conectel"]}, actor=SYSTEM)
        cid = ch.id
    with db.session() as s:
        row = s.get(ChannelAccount, cid)
        assert row is not None and row.credentials_encrypted
        assert token not in row.credentials_encrypted
        assert channels.decrypt_credentials(row.credentials_encrypted) == {"access_token": token}
        shown = channels.view(row).as_dict()
        assert shown["credentials"] == {"access_token": "tok…9f"}
        assert token not in repr(shown)
        audit_text = " ".join(repr((e.after, e.before, e.reason)) for e in s.scalars(select(AuditEvent)))
        assert token not in audit_text and "channel.created" in {e.action for e in s.scalars(select(AuditEvent))}
        config = construction.connector_config(s, row)
        assert config["access_token"] == token and config["base_url"] == "https://social.example"
        assert config["brand"] == "conectel" and "Conectel" in config["brand_terms"]


def test_key_file_is_created_once_with_mode_0600(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CAUCE_ENCRYPTION_KEY")
    monkeypatch.setenv("CAUCE_DATA_DIR", str(tmp_path / "datos"))
    token = channels.encrypt_credentials({"token": "abc"})
    key_file = tmp_path / "datos" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_bytes()
    assert channels.decrypt_credentials(token) == {"token": "abc"}
    assert key_file.read_bytes() == first


def test_a_changed_key_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    token = channels.encrypt_credentials({"token": "abc"})
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    with pytest.raises(channels.EncryptionKeyError, match="clave de cifrado cambió"):
        channels.decrypt_credentials(token)
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", "no-es-una-clave")
    with pytest.raises(channels.EncryptionKeyError, match="Fernet"):
        channels.encrypt_credentials({"token": "abc"})


def test_bad_input_is_refused_with_reasons(db: Database) -> None:
    brand = make_brand(db)
    with db.session() as s:
        with pytest.raises(InvalidInput, match="desconocido"):
            construction.add_channel(s, brand=brand, kind="myspace", actor=SYSTEM)
        with pytest.raises(InvalidInput, match="http"):
            construction.add_channel(s, brand=brand, kind="demo", base_url="javascript:alert(1)", actor=SYSTEM)
        with pytest.raises(InvalidInput, match="access_token"):
            construction.add_channel(s, brand=brand, kind="mastodon", base_url="https://social.example", actor=SYSTEM)
        construction.add_channel(s, brand=brand, kind="demo", name="Demo", actor=SYSTEM)
        with pytest.raises(Conflict):
            construction.add_channel(s, brand=brand, kind="demo", name="Demo", actor=SYSTEM)
        with pytest.raises(NotFound):
            channels.get_channel(s, 999)


def test_get_connector_builds_the_kind_and_health_changes_alert_once(db: Database) -> None:
    brand = make_brand(db)
    other = make_brand(db, name="Otra")
    with db.session() as s:
        ch = construction.add_channel(s, brand=brand, kind="demo", name="Demo", settings={"account_name": "@conectel"},
                                  actor=SYSTEM)
        connector = construction.get_connector(s, ch.id)
        assert isinstance(connector, DemoConnector) and connector.test_connection() == "@conectel"
        with pytest.raises(NotFound):
            channels.get_channel(s, ch.id, brand_ids=frozenset({other.id}))
        channels.mark_unhealthy(s, ch, error="401 token inválido")
        channels.mark_unhealthy(s, ch, error="401 token inválido otra vez")
        alerts = s.scalars(select(AuditEvent).where(AuditEvent.action == "channel.alert")).all()
        assert len(alerts) == 1 and "renovar" in alerts[0].after["message"]
        assert not ch.healthy and "otra vez" in (ch.last_error or "")
        construction.update_channel(s, channel_id=ch.id, credentials={"token": "nuevo-token-1234"}, actor=SYSTEM)
        assert ch.healthy and ch.last_error is None
        channels.save_cursor(s, ch, {"since_id": "42"})
    with db.session() as s:
        again = s.get(ChannelAccount, ch.id)
        assert again is not None and again.cursor == {"since_id": "42"}


def test_channel_for_prefers_the_source_account_and_exact_kind(db: Database) -> None:
    brand = make_brand(db)
    with db.session() as s:
        catch_all = construction.add_channel(s, brand=brand, kind="demo", name="Todo", settings={"serves": ["*"]},
                                         actor=SYSTEM)
        exact = construction.add_channel(s, brand=brand, kind="demo", name="Solo demo", actor=SYSTEM)
        assert channels.channel_for(s, brand_id=brand.id, network="twitter").id == catch_all.id  # type: ignore[union-attr]
        assert channels.channel_for(s, brand_id=brand.id, network="demo").id == catch_all.id  # type: ignore[union-attr]
        assert channels.channel_for(s, brand_id=brand.id, network="demo",
                                    prefer_id=exact.id).id == exact.id  # type: ignore[union-attr]
        catch_all.enabled = False
        assert channels.channel_for(s, brand_id=brand.id, network="twitter") is None


def test_settings_are_stored_with_their_fields_type() -> None:
    _, settings = construction.split_options("bluesky", {"handle": "marca.bsky.social", "secret": "x",
                                                     "read_dms": "false", "page_limit": "25"})
    assert settings["read_dms"] is False and settings["page_limit"] == 25
    with pytest.raises(InvalidInput, match="read-dms"):
        construction.split_options("bluesky", {"read_dms": "quizás"})
