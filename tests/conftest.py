"""Shared fixtures: a migrated database on SQLite and on the real PostgreSQL server.

PostgreSQL: one throw-away database per test run (created from the `test` database on
127.0.0.1:5432, dropped at the end); tables are truncated between tests.
SQLite: a migrated template file, copied for every test.
Set CAUCE_TEST_POSTGRES_URL to point elsewhere, or CAUCE_TEST_SKIP_POSTGRES=1 to skip PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cauce.db import Base, Database, import_all_models, upgrade

PG_ADMIN_URL = os.environ.get("CAUCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite"] if os.environ.get("CAUCE_TEST_SKIP_POSTGRES") else ["sqlite", "postgresql"]


def _admin_connect() -> object:
    import psycopg

    return psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"cauce_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin_connect() as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with _admin_connect() as conn:  # type: ignore[attr-defined]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_all(db: Database) -> None:
    import_all_models()
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(autouse=True)
def _audit_anchor_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit checkpoints (written by the worker's sweep) go to a per-test folder, never the user's."""
    monkeypatch.setenv("CAUCE_AUDIT_ANCHOR_DIR", str(tmp_path / "audit-anchors"))


@pytest.fixture(autouse=True)
def _fresh_rate_windows() -> Iterator[None]:
    """Rate-limit windows a network reported are process-wide; one test's must not pace the next."""
    from cauce.connectors.http import forget_rate_windows

    forget_rate_windows()
    yield
    forget_rate_windows()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database; every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "cauce.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        _truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only (for tests about the embedded default itself)."""
    path = tmp_path / "cauce.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()
