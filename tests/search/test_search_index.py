"""Migration 0005: the index exists at head, back-fills rows stored before it, and comes off cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from cauce.cases.service import Scope
from cauce.db import Database, _alembic_config, upgrade
from cauce.mentions.service import ingest_many
from cauce.search import service as search
from conftest import BACKENDS, PG_ADMIN_URL, _admin_connect
from helpers import make_brand, mention, scripted_triage

INDEXED = ("people", "handles", "cases", "mentions")


def test_every_table_search_reads_is_indexed_at_head(db: Database) -> None:
    """A later migration that makes SQLite rebuild one of these tables drops its triggers: this fails then."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            for table in INDEXED:
                fts = f"search_{table}_fts"
                assert {f"{fts}_ai", f"{fts}_ad", f"{fts}_au"} <= triggers, table
                sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": f"{fts}_ai"}).scalar()
                assert f"ON {table}" in sql
        else:
            for table in INDEXED:
                columns = {c["name"]: c for c in inspect(conn).get_columns(table)}
                assert "search_tsv" in columns and columns["search_tsv"].get("computed"), table
                assert "ix_" + table + "_search" in {i["name"] for i in inspect(conn).get_indexes(table)}


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"cauce_search_{uuid.uuid4().hex[:8]}"
    with _admin_connect() as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with _admin_connect() as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BEFORE_SEARCH = "0007"  # the revision 0005 follows


def test_the_migration_back_fills_rows_stored_before_it_and_downgrades(fresh_url: str) -> None:
    """Rows stored while there is no search index are back-filled by the migration. The rows are written
    with today's models at the head revision, then everything from the search migration on is
    downgraded (the later migrations add columns today's models write), and upgraded again."""
    upgrade(fresh_url)
    db = Database(fresh_url)
    try:
        make_brand(db)
        with scripted_triage(), db.session() as s:
            ingest_many(s, [mention(1, handle="@vieja_cuenta", text="Reclamo por cobros indebidos")], isolated=False)
        db.dispose()
        command.downgrade(_alembic_config(fresh_url), BEFORE_SEARCH)
        with db.engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert not {n for n in names if n.startswith("search_")}
            assert "search_tsv" not in {c["name"] for c in inspect(conn).get_columns("mentions")}
        db.dispose()
        upgrade(fresh_url)
        with db.read_session() as s:
            found = search.search(s, q="cobro", scope=Scope())
            assert [c.title for c in found.cases] == ["Reclamo por cobros indebidos"]
            assert [p.handles[0].handle for p in search.search(s, q="@vieja", scope=Scope()).people] == ["vieja_cuenta"]
        db.dispose()
        command.downgrade(_alembic_config(fresh_url), BEFORE_SEARCH)  # and down and up again
        upgrade(fresh_url)
    finally:
        db.dispose()


def test_sqlite_fts_tables_stay_identical_to_their_tables_through_writes(sqlite_db: Database) -> None:
    """FTS5's own integrity check compares each index with its content table: after batched
    inserts, updates of indexed columns and deletes, nothing has drifted."""
    make_brand(sqlite_db)
    with scripted_triage(), sqlite_db.session() as s:
        ingest_many(s, [mention(i, handle=f"@user{i % 3}", text=f"Queja número {i} por cobros", minutes=i)
                        for i in range(12)], isolated=False)
    with sqlite_db.session() as s:
        s.execute(text("UPDATE mentions SET text = 'texto reemplazado' WHERE id % 2 = 0"))
        s.execute(text("UPDATE people SET display_name = NULL WHERE id = 1"))
        s.execute(text("UPDATE handles SET display_name = 'Otro Nombre' WHERE id = 2"))
        s.execute(text("UPDATE cases SET title = 'Título editado' WHERE id = 1"))
        s.execute(text("DELETE FROM metric_snapshots"))
        s.execute(text("DELETE FROM mentions WHERE id > 9"))
        for table in INDEXED:
            fts = f"search_{table}_fts"
            s.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
        found = search.search(s, q="reemplazado", scope=Scope())
    assert found.cases
