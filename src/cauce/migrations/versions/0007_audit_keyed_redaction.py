"""Keyed audit chain and redactable payloads (tombstones); anonymised people and cases.

New columns on audit_events: chain_version (NULL for rows sealed by the earlier, unkeyed code),
payload_digest, redacted_at, redaction_seal. The append-only triggers now also let a sealed row's
payload (before/after/reason) be erased once — every hashed column, the hash, the link and the
digest unchanged, redacted_at set — so a person's data can be removed while the chain verifies.
people.anonymised_at and cases.anonymised_at mark what was erased (a request, or retention).

Revision ID: 0007
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cauce.db

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns a redaction must leave as they were (everything the hash covers but the payload).
_KEPT = ("id", "created_at", "actor_type", "actor_id", "actor_label", "brand_id", "case_id", "entity_type",
         "entity_id", "action", "seq", "prev_hash", "hash", "chain_version", "payload_digest")


def _redaction_pg() -> str:
    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT)
    return f"(OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {same})"


def _redaction_sqlite() -> str:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEPT)
    return f"(OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {same})"


def _drop_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS cauce_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")


def _create_triggers(dialect: str, *, allow_redaction: bool) -> None:
    if dialect == "postgresql":
        redaction = f" AND NOT {_redaction_pg()}" if allow_redaction else ""
        op.execute(f"""
            CREATE FUNCTION cauce_audit_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR (OLD.hash NOT LIKE 'pending:%'{redaction}) THEN
                    RAISE EXCEPTION 'audit events are append-only';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION cauce_audit_append_only()
        """)
    else:
        redaction = f" AND NOT {_redaction_sqlite()}" if allow_redaction else ""
        op.execute(f"""
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            WHEN OLD.hash NOT LIKE 'pending:%'{redaction}
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """)
        op.execute("""
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payload_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("redacted_at", cauce.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("redaction_seal", sa.String(length=64), nullable=True))
    _create_triggers(dialect, allow_redaction=True)
    for table in ("people", "cases"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("anonymised_at", cauce.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("people", "cases"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("anonymised_at")
    _drop_triggers(dialect)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("redaction_seal")
        batch_op.drop_column("redacted_at")
        batch_op.drop_column("payload_digest")
        batch_op.drop_column("chain_version")
    _create_triggers(dialect, allow_redaction=False)
