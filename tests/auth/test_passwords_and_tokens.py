"""Password policy, e-mail syntax, and API tokens (expiry, scopes, revocation) from the service and
the CLI (`cauce users create/password/token`, `cauce users tokens list/revoke`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from cauce.audit.service import SYSTEM
from cauce.auth import passwords
from cauce.auth import service as auth
from cauce.cli import app as cli_app
from cauce.db import Database
from cauce.errors import Forbidden, InvalidInput, NotFound, Unauthorized

runner = CliRunner()
GOOD = "rio-verde-bajo-la-luna"


@pytest.mark.parametrize("weak", ["12345678", "password", " " * 8, " " * 14, "password1234", "Contraseña2024!",
                                  "123456789012", "qwertyuiop12", "aaaaaaaaaaaaaaa", "abcabcabcabc", "corta"])
def test_weak_passwords_are_refused(weak: str) -> None:
    assert passwords.problems(weak, email="laura@conectel.co", name="Laura Gómez")


@pytest.mark.parametrize("good", [GOOD, "clave-segura-1", "la casa es mía", "Tr3s tristes tigres"])
def test_long_or_passphrase_passwords_are_accepted(good: str) -> None:
    assert passwords.problems(good, email="laura@conectel.co", name="Laura Gómez") == []


def test_a_password_with_the_users_name_or_email_is_refused() -> None:
    for password in ("laura-gomez-2026", "LAURA.conectel!!", "gómez-de-la-sierra"):
        found = passwords.problems(password, email="laura@conectel.co", name="Laura Gómez")
        assert any("nombre" in p for p in found), password
    assert any("nombre" in p for p in passwords.problems("soporte-central-7", email="soporte@a.co", name="X"))


@pytest.mark.parametrize("bad", ["a@", "@a.co", "a@b", "x@y.z", "a@@b.co", "a b@c.co", "a@-b.co", "a@b..co", "", "a"])
def test_malformed_emails_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        passwords.normalise_email(bad)


def test_good_emails_are_normalised() -> None:
    assert passwords.normalise_email(" Ana.Maria+pqr@Sub.Conectel.COM.co ") == "ana.maria+pqr@sub.conectel.com.co"
    assert passwords.normalise_email("admin@cauce.demo") == "admin@cauce.demo"


def test_create_user_and_change_password_apply_the_policy(db: Database) -> None:
    with db.session() as s:
        with pytest.raises(InvalidInput):
            auth.create_user(s, email="a@", name="A", role="agent", password=GOOD, actor=SYSTEM)
        with pytest.raises(InvalidInput):
            auth.create_user(s, email="ana@a.co", name="Ana", role="agent", password="12345678", actor=SYSTEM)
        user = auth.create_user(s, email="ana@a.co", name="Ana Ruiz", role="agent", password=GOOD, actor=SYSTEM)
        session_token = auth.start_session(s, user=user).token
    with db.session() as s:
        with pytest.raises(InvalidInput):
            auth.change_password(s, user_id=user.id, new_password="ana-ruiz-1234567", actor=SYSTEM)
        with pytest.raises(InvalidInput):
            auth.change_password(s, user_id=user.id, new_password="otro-rio-sin-puentes", actor=SYSTEM,
                                 current_password="no-es")
        auth.change_password(s, user_id=user.id, new_password="otro-rio-sin-puentes", actor=SYSTEM,
                             current_password=GOOD)
    with db.session() as s:
        assert auth.authenticate(s, email="ana@a.co", password="otro-rio-sin-puentes").id == user.id
        with pytest.raises(Unauthorized):  # the old browser session ended with the old password
            auth.session_user(s, session_token)


def test_tokens_expire_have_scopes_and_are_revoked(db: Database) -> None:
    with db.session() as s:
        user = auth.create_user(s, email="bot@a.co", name="Bot", role="agent", password=GOOD, actor=SYSTEM)
        read = auth.create_api_token(s, user_id=user.id, name="lectura", actor=SYSTEM, scopes=["read"], days=1)
        full = auth.create_api_token(s, user_id=user.id, name="todo", actor=SYSTEM)
        with pytest.raises(InvalidInput):
            auth.create_api_token(s, user_id=user.id, name="x", actor=SYSTEM, scopes=[])
        with pytest.raises(ValueError):
            auth.create_api_token(s, user_id=user.id, name="x", actor=SYSTEM, scopes=["admin"])
    with db.session() as s:
        _, row = auth.token_owner(s, read)
        auth.require_scope(row, write=False)
        with pytest.raises(Forbidden):
            auth.require_scope(row, write=True)
        assert row.last_used_at is not None and row.expires_at is not None
        _, full_row = auth.token_owner(s, full)
        auth.require_scope(full_row, write=True)
        assert full_row.expires_at is not None
        assert timedelta(days=89) < full_row.expires_at - datetime.now(UTC) <= timedelta(days=90)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        full_id = full_row.id
    with db.session() as s:
        with pytest.raises(Unauthorized):
            auth.token_owner(s, read)
        assert {auth.token_status(t) for t in auth.list_api_tokens(s, user_id=user.id)} == {"active", "expired"}
        with pytest.raises(NotFound):
            auth.revoke_api_token(s, token_id=full_id, actor=SYSTEM, owner_id=user.id + 1)
        auth.revoke_api_token(s, token_id=full_id, actor=SYSTEM, owner_id=user.id)
    with db.session() as s, pytest.raises(Unauthorized):
        auth.token_owner(s, full)


def test_cli_users_password_and_tokens(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_DATABASE_URL", db.url)
    weak = runner.invoke(cli_app, ["users", "create", "--email", "ana@a.co", "--name", "Ana", "--role", "agent",
                                   "--password", "12345678"])
    assert weak.exit_code == 1 and "12 caracteres" in weak.stderr
    bad_mail = runner.invoke(cli_app, ["users", "create", "--email", "a@", "--name", "Ana", "--password", GOOD])
    assert bad_mail.exit_code == 1 and "correo" in bad_mail.stderr
    made = runner.invoke(cli_app, ["users", "create", "--email", "ana@a.co", "--name", "Ana", "--password", GOOD])
    assert made.exit_code == 0, made.stderr
    assert runner.invoke(cli_app, ["users", "password", "ana@a.co", "--password", "password1234"]).exit_code == 1
    changed = runner.invoke(cli_app, ["users", "password", "ana@a.co", "--password", "otro-rio-sin-puentes"])
    assert changed.exit_code == 0, changed.stderr

    token = runner.invoke(cli_app, ["users", "token", "ana@a.co", "--name", "informes", "--scope", "read",
                                    "--days", "30"])
    assert token.exit_code == 0, token.stderr
    secret = token.stdout.strip()
    assert secret.startswith("cauce_")
    listed = runner.invoke(cli_app, ["users", "tokens", "list", "--format", "json"])
    [row] = json.loads(listed.stdout)
    assert row["user"] == "ana@a.co" and row["scopes"] == ["read"] and row["status"] == "active"
    assert secret not in listed.stdout and row["prefix"] == secret[:12]
    assert "informes" in runner.invoke(cli_app, ["users", "tokens", "list", "ana@a.co"]).stdout
    assert runner.invoke(cli_app, ["users", "tokens", "revoke", str(row["id"])]).exit_code == 0
    assert json.loads(runner.invoke(cli_app, ["users", "tokens", "list", "--format", "json"]).stdout)[0][
        "status"] == "revoked"
    missing = runner.invoke(cli_app, ["users", "tokens", "revoke", "999"])
    assert missing.exit_code == 1 and "999" in missing.stderr
    with db.session() as s, pytest.raises(Unauthorized):
        auth.token_owner(s, secret)
