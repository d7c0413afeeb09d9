"""Full-text search over people, handles, cases and mentions, kept in sync by the database itself.

PostgreSQL: the `unaccent` extension; two text search configurations, `cauce_es` (Spanish
stemming on unaccented words, for case titles and mention texts) and `cauce_names` (no stemming,
no stop words, unaccented, for names and handles); a stored generated `search_tsv` column on each
table, GIN-indexed. Generated columns are computed by the server on every INSERT (COPY included)
and UPDATE, so the index cannot drift from the rows; adding them back-fills existing rows.

SQLite: FTS5 tables over the same columns (external content: the text is not stored twice),
tokenised with `unicode61 remove_diacritics 2` (accent- and case-insensitive), kept in sync by
triggers on INSERT, UPDATE of the indexed columns and DELETE (the batched ingest writes plain
rows, so triggers are the only place that sees every write); back-filled with 'rebuild'.

The search_* objects are not in the SQLAlchemy models; migrations/env.py tells autogenerate to
leave them alone. A later migration that makes SQLite rebuild one of these tables (batch mode
recreating `mentions`, `cases`, `people` or `handles`) drops that table's triggers and must
create them again as `create_sqlite_triggers` does (tests/search/test_search_index.py checks
that every trigger exists at head).

Revision ID: 0005
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, FTS5 table, indexed columns)
SQLITE_INDEXES = (
    ("people", "search_people_fts", ("display_name",)),
    ("handles", "search_handles_fts", ("handle", "display_name")),
    ("cases", "search_cases_fts", ("title",)),
    ("mentions", "search_mentions_fts", ("text",)),
)

# Names and handles: punctuation splits words ("maria.perez", "maria_perez" -> maria, perez),
# as the query side and SQLite's unicode61 tokenizer split them.
_NAME = "regexp_replace(coalesce({col}, ''), '[[:punct:]]+', ' ', 'g')"
PG_COLUMNS = (
    ("people", "cauce_names", _NAME.format(col="display_name")),
    ("handles", "cauce_names", f"{_NAME.format(col='handle')} || ' ' || {_NAME.format(col='display_name')}"),
    ("cases", "cauce_es", "coalesce(title, '')"),
    ("mentions", "cauce_es", "coalesce(text, '')"),
)


def create_sqlite_triggers(table: str, fts: str, columns: Sequence[str]) -> None:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert_new = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {table} "
               f"BEGIN {delete_old} {insert_new} END")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION cauce_es (COPY = pg_catalog.spanish)")
        op.execute("ALTER TEXT SEARCH CONFIGURATION cauce_es "
                   "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem")
        op.execute("CREATE TEXT SEARCH CONFIGURATION cauce_names (COPY = pg_catalog.simple)")
        op.execute("ALTER TEXT SEARCH CONFIGURATION cauce_names "
                   "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple")
        for table, config, expression in PG_COLUMNS:
            op.execute(f"ALTER TABLE {table} ADD COLUMN search_tsv tsvector "
                       f"GENERATED ALWAYS AS (to_tsvector('{config}'::regconfig, {expression})) STORED")
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_tsv)")
        return
    for table, fts, columns in SQLITE_INDEXES:
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, content='{table}', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
        create_sqlite_triggers(table, fts, columns)
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in PG_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_tsv")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS cauce_names")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS cauce_es")
        return
    for _, fts, _ in SQLITE_INDEXES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
