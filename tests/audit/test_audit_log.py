"""The audit log is append-only and tampering is evident."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cauce.audit.models import AuditEvent
from cauce.audit.service import (
    SYSTEM,
    Actor,
    AppendOnlyViolation,
    deferred,
    record,
    record_changes,
    verify_chain,
)
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


def test_a_chain_written_by_an_earlier_release_still_verifies(db: Database) -> None:
    # This row and its hash were produced by the original sealing code: the hash format must not drift.
    with db.engine.begin() as conn:
        conn.execute(
            AuditEvent.__table__.insert(),
            {"id": 1, "created_at": datetime(2026, 3, 2, 14, 0, 0, 123456, tzinfo=UTC), "actor_type": "user",
             "actor_id": "1", "actor_label": "Laura", "brand_id": 2, "case_id": None, "entity_type": "case",
             "entity_id": "7", "action": "case.transition", "before": {"status": "nuevo"},
             "after": {"status": "primera_respuesta", "texto": "ñandú 😀", "n": [1, 2]}, "reason": "prueba",
             "seq": 1, "prev_hash": "0" * 64,
             "hash": "fe6c5a98aecdb9520106805883c21a4aa19cab62c92278dd9681438d472e778b"},
        )
        if db.engine.dialect.name == "postgresql":  # the row was given its id by hand
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 1)"))
    _seed(db, 2)
    with db.session() as s:
        report = verify_chain(s)
    assert report.ok and report.checked == 3


def test_batched_events_are_inserted_sealed_and_chain_with_the_others(db: Database) -> None:
    with db.session() as s:
        record(s, actor=SYSTEM, action="before.batch", entity_type="thing", entity_id=1)
        with deferred(s):
            for i in range(3):
                record(s, actor=SYSTEM, action="in.batch", entity_type="thing", entity_id=10 + i, after={"i": i})
        # Written and sealed when the block ends, visible to this transaction before it commits.
        sealed = s.query(AuditEvent).filter(AuditEvent.action == "in.batch").order_by(AuditEvent.id).all()
        assert [r.after for r in sealed] == [{"i": 0}, {"i": 1}, {"i": 2}]
        assert all(r.seq is not None and not r.hash.startswith("pending:") for r in sealed)
        record(s, actor=SYSTEM, action="after.batch", entity_type="thing", entity_id=2)
    with db.session() as s, deferred(s):
        record(s, actor=SYSTEM, action="second.batch", entity_type="thing", entity_id=3)
    with db.session() as s:
        report = verify_chain(s)
        actions = [r.action for r in s.query(AuditEvent).order_by(AuditEvent.seq)]
    assert report.ok and report.checked == 6
    assert actions.count("in.batch") == 3 and actions[-1] == "second.batch"


def test_a_rolled_back_savepoint_leaves_no_batched_event_and_no_gap_in_the_chain(db: Database) -> None:
    with db.session() as s:
        with deferred(s):
            record(s, actor=SYSTEM, action="kept", entity_type="thing", entity_id=1)
        savepoint = s.begin_nested()
        with deferred(s):
            record(s, actor=SYSTEM, action="undone", entity_type="thing", entity_id=2)
        savepoint.rollback()
        with deferred(s):
            record(s, actor=SYSTEM, action="kept", entity_type="thing", entity_id=3)
    with db.session() as s:
        assert [r.action for r in s.query(AuditEvent).order_by(AuditEvent.seq)] == ["kept", "kept"]
        assert verify_chain(s).ok


def test_an_error_inside_a_batch_writes_none_of_its_events(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as s, deferred(s):
        record(s, actor=SYSTEM, action="lost", entity_type="thing", entity_id=1)
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.query(AuditEvent).count() == 0
