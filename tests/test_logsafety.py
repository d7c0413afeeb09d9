"""Secrets never reach the logs: a database error's parameters are hidden, and every log record is
scrubbed of password hashes, API tokens, Fernet keys/tokens and Authorization/cookie values."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from cauce import logsafety
from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.models import User
from cauce.db import Database, table_of, utcnow

SECRET_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$S3CR3T-hash-that-must-not-leak"


def test_a_database_error_does_not_log_the_statement_parameters(db: Database,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    logsafety.install()
    with db.session() as s:
        auth.create_user(s, email="ana@a.co", name="Ana", role="agent", password="rio-verde-bajo-la-luna",
                         actor=SYSTEM)
    log = logging.getLogger("cauce.test")
    with caplog.at_level(logging.INFO), pytest.raises(IntegrityError) as caught:
        try:
            with db.session() as s:  # the same e-mail again: a unique violation, with the hash as a parameter
                s.execute(insert(table_of(User)), [{"email": "ana@a.co", "name": "Ana", "role": "agent",
                                                    "password_hash": SECRET_HASH, "locale": "es", "active": True,
                                                    "created_at": utcnow()}])
        except IntegrityError:
            log.exception("could not save user %s", {"password_hash": SECRET_HASH})
            raise
    assert "S3CR3T" not in str(caught.value)  # hide_parameters on the engine
    assert caplog.records and "could not save user" in caplog.text
    assert "S3CR3T" not in caplog.text and "$argon2id$" not in caplog.text


def test_every_kind_of_secret_is_masked_whatever_the_logger(caplog: pytest.LogCaptureFixture) -> None:
    logsafety.install()
    key = Fernet.generate_key().decode()
    fernet_token = Fernet(key.encode()).encrypt(b"channel password").decode()
    api_token = "cauce_" + "A1b2" * 11
    lines = [
        ("uvicorn.error", "headers: %s", ({"authorization": "Basic YWRtaW46c2VjcmV0"},)),
        ("cauce.connectors", "Authorization: Bearer %s", (api_token,)),
        ("sqlalchemy.engine", "params %r", ({"password_hash": SECRET_HASH, "credentials": fernet_token},)),
        ("cauce.web", "cookie cauce_session=%s; cauce_lang=es", ("Zm9vYmFyLXNlc3Npb24tdG9rZW4",)),
        ("root", "CAUCE_ENCRYPTION_KEY=%s", (key,)),
        ("cauce.web", "key %s on its own", (key,)),
    ]
    with caplog.at_level(logging.INFO):
        for name, message, args in lines:
            logging.getLogger(name).warning(message, *args)
    text = caplog.text
    for secret in ("YWRtaW46c2VjcmV0", api_token, "S3CR3T", fernet_token, "Zm9vYmFyLXNlc3Npb24tdG9rZW4", key):
        assert secret not in text, secret
    assert text.count(logsafety.MASK) >= len(lines)
    assert "cauce_lang=es" in text  # what is not a secret stays readable


def test_records_without_secrets_keep_their_arguments_for_formatters_that_read_them() -> None:
    logsafety.install()
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/inbox", "1.1", 200), None)
    assert record.args == ("127.0.0.1:5000", "GET", "/inbox", "1.1", 200)
