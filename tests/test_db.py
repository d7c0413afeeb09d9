"""Batch writing helpers of the storage layer, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from cauce.audit.models import AuditEvent
from cauce.db import Database, bulk_insert, reserve_ids

TABLE = AuditEvent.__table__
assert isinstance(TABLE, Table)

HOSTILE = [
    "tab\there, new\nline, carriage\rreturn, back\\slash, \\N and \\.",
    "<script>alert('x')</script> \"quotes\" ; DROP TABLE cases; --",
    "emoji 😡🔥, RTL \u200fمرحبا\u200f, zalgo z̷̢̛a̸l̵g̴o, accents ñÑáéíóú",
    "x" * 100_000,
]


def _row(row_id: int, text: str, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": row_id, "created_at": datetime(2026, 3, 2, 14, 0, 0, 123456, tzinfo=UTC) + timedelta(minutes=row_id),
        "actor_type": "system", "actor_id": None, "actor_label": "Cauce", "brand_id": None, "case_id": None,
        "entity_type": "thing", "entity_id": str(row_id), "action": "test.bulk", "before": None,
        "after": {"texto": text[:50], "n": [1, 2.5, None], "nested": {"ok": True}}, "reason": text,
        "seq": None, "prev_hash": "", "hash": f"pending:{row_id}",
    }
    row.update(over)
    return row


def test_bulk_insert_stores_every_row_exactly(db: Database) -> None:
    with db.session() as s:
        ids = reserve_ids(s, TABLE, len(HOSTILE))
        bulk_insert(s, TABLE, [_row(i, text) for i, text in zip(ids, HOSTILE, strict=True)])
    with db.read_session() as s:
        stored = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [r.id for r in stored] == ids
        assert [r.reason for r in stored] == HOSTILE
        assert stored[0].after == {"texto": HOSTILE[0][:50], "n": [1, 2.5, None], "nested": {"ok": True}}
        assert stored[0].before is None
        assert stored[1].created_at == datetime(2026, 3, 2, 14, 0, 0, 123456, tzinfo=UTC) + timedelta(minutes=ids[1])


def test_bulk_insert_of_a_duplicate_key_raises_integrity_error_and_a_savepoint_recovers(db: Database) -> None:
    with db.session() as s:
        first = reserve_ids(s, TABLE, 1)[0]
        bulk_insert(s, TABLE, [_row(first, "uno")])
        with pytest.raises(IntegrityError), s.begin_nested():
            bulk_insert(s, TABLE, [_row(first, "otra vez")])
        second = reserve_ids(s, TABLE, 1)[0]
        bulk_insert(s, TABLE, [_row(second, "dos")])
    with db.read_session() as s:
        assert [r.reason for r in s.scalars(select(AuditEvent).order_by(AuditEvent.id))] == ["uno", "dos"]


def test_reserved_ids_never_collide_with_rows_added_later(db: Database) -> None:
    with db.session() as s:
        reserved = reserve_ids(s, TABLE, 3)
        assert reserved == sorted(set(reserved))
        bulk_insert(s, TABLE, [_row(i, "reservado") for i in reserved])
        later = [AuditEvent(**{k: v for k, v in _row(0, "después").items() if k != "id"} | {"hash": f"pending:l{i}"})
                 for i in range(3)]
        s.add_all(later)
        s.flush()
        assert min(r.id for r in later) > max(reserved)
        # Rows added together get ids in the order they were added.
        assert [r.id for r in later] == sorted(r.id for r in later)
    with db.read_session() as s:
        assert len(s.scalars(select(AuditEvent.id)).all()) == 6


def test_a_process_that_loaded_one_feature_can_still_write_rows_pointing_to_others(sqlite_db: Database) -> None:
    # Cases point to users (auth) and areas: their tables are registered on the first flush.
    script = textwrap.dedent(f"""
        import sys
        from datetime import UTC, datetime
        from cauce.audit.service import SYSTEM
        from cauce.brands import service as brands
        from cauce.cases.models import Case
        from cauce.db import Database
        assert "cauce.auth.models" not in sys.modules
        db = Database({sqlite_db.url!r})
        with db.session() as s:
            brand = brands.create_brand(s, name="Conectel", actor=SYSTEM)
            s.execute(text_("INSERT INTO people (id, organisation_id, display_name, labels, strikes, blocked, "
                            "first_seen_at, last_seen_at) VALUES (1, :org, 'Ana', '[]', 0, 0, :t, :t)"),
                      {{"org": brand.organisation_id, "t": datetime(2026, 3, 2, tzinfo=UTC)}})
            now = datetime(2026, 3, 2, 14, tzinfo=UTC)
            s.add(Case(brand_id=brand.id, person_id=1, channel="twitter", conversation_key="c1", title="Sin internet",
                       status="nuevo", is_open=True, priority=50, opened_at=now, last_inbound_at=now,
                       updated_at=now))
        print("ok")
    """).replace("text_(", "__import__('sqlalchemy').text(")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
