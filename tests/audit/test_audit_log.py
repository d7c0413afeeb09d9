"""The audit log is append-only and tampering is evident."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM, Actor, AppendOnlyViolation, record, record_changes, verify_chain
from cauce.db import Database


def _seed(db: Database, n: int = 4) -> None:
    with db.session() as s:
        for i in range(n):
            record(s, actor=Actor.user(1, "Laura"), action="test.event", entity_type="thing", entity_id=i,
                   after={"n": i, "texto": "ñandú 😀"}, reason="prueba")


def test_chain_verifies_and_links_each_event_to_the_previous(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        rows = s.query(AuditEvent).order_by(AuditEvent.id).all()
        assert rows[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        assert verify_chain(s).ok


def test_orm_refuses_update_and_delete(db: Database) -> None:
    _seed(db, 1)
    for change in ("update", "delete"):
        s = db.sessionmaker()
        try:
            row = s.query(AuditEvent).one()
            if change == "update":
                row.reason = "cambiado"
            else:
                s.delete(row)
            with pytest.raises(AppendOnlyViolation):
                s.flush()
        finally:
            s.rollback()
            s.close()


def test_database_refuses_raw_update_and_delete(db: Database) -> None:
    _seed(db, 2)
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def test_tampering_that_bypasses_the_triggers_is_detected(db: Database) -> None:
    _seed(db, 5)
    # An attacker with database rights drops the guard and edits a row.
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET after = '{\"n\": 99}' WHERE id = 3"))
    with db.session() as s:
        report = verify_chain(s)
    assert not report.ok and report.first_bad_id == 3 and report.checked == 2


def test_record_changes_writes_only_what_changed(db: Database) -> None:
    class Thing:
        id = 7
        status = "nuevo"
        priority = 10

    thing = Thing()
    with db.session() as s:
        changed = record_changes(s, thing, {"status": "nuevo", "priority": 40}, actor=SYSTEM, action="t.update",
                                 entity_type="thing")
        nothing = record_changes(s, thing, {"priority": 40}, actor=SYSTEM, action="t.update", entity_type="thing")
        rows = s.query(AuditEvent).all()
    assert changed == {"priority": 40} and nothing == {}
    assert len(rows) == 1 and rows[0].before == {"priority": 10} and rows[0].after == {"priority": 40}
