"""The keyed, anchored audit chain: a rewritten suffix, a cut tail, a deleted checkpoint are all
detected; rows sealed by the earlier, unkeyed code keep verifying; redaction keeps the chain whole."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cauce.audit import anchor, keys
from cauce.audit import service as audit
from cauce.audit.models import AuditEvent
from cauce.audit.service import Actor, record, verify_chain
from cauce.db import Database, table_of, upgrade


@pytest.fixture(autouse=True)
def _checkpoint_any_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_AUDIT_CHECKPOINT_SECONDS", "0")


def _seed(db: Database, n: int, start: int = 0) -> None:
    with db.session() as s:
        for i in range(start, start + n):
            record(s, actor=Actor.user(1, "Laura"), action="test.event", entity_type="thing", entity_id=i,
                   after={"n": i, "texto": "Ana Pérez escribió"}, reason="prueba")


def _drop_guards(db: Database) -> None:
    """What an attacker with database rights does first."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))


def _legacy_values(seq: int, prev_hash: str, **over: Any) -> dict[str, Any]:
    """A row as the earlier code sealed it: sha256 over every field, no key, chain_version NULL."""
    row: dict[str, Any] = {
        "id": seq, "created_at": datetime(2026, 1, 5, 12, 0, seq, tzinfo=UTC), "actor_type": "user",
        "actor_id": "1", "actor_label": "Laura", "brand_id": None, "case_id": None, "entity_type": "thing",
        "entity_id": str(seq), "action": "old.event", "before": None, "after": {"nombre": "Ana Pérez", "n": seq},
        "reason": None,
    } | over
    row.update(seq=seq, prev_hash=prev_hash, hash=audit._digest(prev_hash, audit._hashed_fields(row) | {"seq": seq}))
    return row


def _insert_legacy(db: Database, n: int) -> None:
    prev = audit.GENESIS
    with db.session() as s:
        for seq in range(1, n + 1):
            row = _legacy_values(seq, prev)
            s.execute(insert(table_of(AuditEvent)).values(**row))
            prev = row["hash"]
        if db.engine.dialect.name == "postgresql":  # explicit ids do not move the serial on
            s.execute(text("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), :n)"), {"n": n})


def _rewrite_unkeyed(db: Database, from_seq: int) -> None:
    """Rewrite every row from `from_seq` on and recompute the hashes the unkeyed way (no key needed)."""
    with db.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = audit.GENESIS
        for row in rows:
            if (row.seq or 0) >= from_seq:
                fields = audit._hashed_fields(row)
                fields["after"] = {"n": 0, "texto": "reescrito"}
                new_hash = audit._digest(prev, fields | {"seq": row.seq})
                s.execute(text("UPDATE audit_events SET after = :after, prev_hash = :prev, hash = :hash, "
                               "chain_version = NULL, payload_digest = NULL WHERE id = :id"),
                          {"after": json.dumps(fields["after"]), "prev": prev, "hash": new_hash, "id": row.id})
                prev = new_hash
            else:
                prev = row.hash


def _checkpoint(db: Database) -> anchor.Checkpoint:
    with db.session() as s:
        point = anchor.write_checkpoint(s)
    assert point is not None
    return point


def _verify(db: Database) -> anchor.VerifyReport:
    with db.session() as s:
        return anchor.verify(s)


def test_new_events_are_sealed_with_the_key(db: Database) -> None:
    _seed(db, 3)
    with db.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert all(r.chain_version == audit.KEYED and r.payload_digest for r in rows)
        # Not the unkeyed sha256: without the key the hash cannot be recomputed.
        first = rows[0]
        assert first.hash != audit._digest(audit.GENESIS, audit._hashed_fields(first) | {"seq": 1})
        assert verify_chain(s).ok


def test_a_suffix_rewritten_without_the_key_is_detected(db: Database) -> None:
    _seed(db, 6)
    _drop_guards(db)
    _rewrite_unkeyed(db, from_seq=4)
    with db.session() as s:
        report = verify_chain(s)
    assert not report.ok and report.checked == 3
    assert "reescrita sin la clave" in (report.problem or "")


def test_a_suffix_resealed_with_another_key_is_detected(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(db, 3)
    _drop_guards(db)
    with db.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        wrong = b"x" * 40
        prev = rows[1].hash
        fields = audit._hashed_fields(rows[2]) | {"after": {"n": 99}}
        payload, sealed = audit._seal(wrong, prev, fields, 3)
        s.execute(text("UPDATE audit_events SET after = :after, payload_digest = :p, hash = :h WHERE seq = 3"),
                  {"after": json.dumps({"n": 99}), "p": payload, "h": sealed})
    with db.session() as s:
        report = verify_chain(s)
    assert not report.ok and report.checked == 2 and "clave de auditoría" in (report.problem or "")


def test_a_cut_tail_is_detected_by_the_checkpoint(db: Database) -> None:
    _seed(db, 5)
    point = _checkpoint(db)
    assert point.seq == 5 and point.count == 5
    assert _verify(db).ok
    _drop_guards(db)
    with db.engine.begin() as conn:  # the last two events disappear; the shorter chain still links
        conn.execute(text("DELETE FROM audit_events WHERE seq > 3"))
    with db.session() as s:
        assert verify_chain(s).ok  # the chain alone cannot tell…
    report = _verify(db)  # …the checkpoint can
    assert not report.ok
    assert any("recortada" in p and "evento 5" in p for p in report.problems), report.problems


def test_a_rewritten_suffix_that_passes_as_old_is_detected(db: Database) -> None:
    """Rewriting the whole chain the unkeyed way makes it look legacy; the checkpoint pins it."""
    _seed(db, 4)
    _checkpoint(db)
    _drop_guards(db)
    _rewrite_unkeyed(db, from_seq=1)
    with db.session() as s:
        assert verify_chain(s).ok  # an all-unkeyed chain alone verifies as written by old code
    report = _verify(db)
    assert not report.ok
    assert any("sin la clave" in p for p in report.problems), report.problems
    assert any("reescrita" in p for p in report.problems), report.problems


def test_a_deleted_range_covered_by_a_checkpoint_is_detected(db: Database) -> None:
    _seed(db, 6)
    _checkpoint(db)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq IN (2, 3)"))
    report = _verify(db)
    assert not report.ok and report.first_bad_id is not None
    assert any("Faltan eventos" in p or "faltan eventos" in p for p in report.problems), report.problems


def test_a_deleted_checkpoint_is_detected(db: Database) -> None:
    _seed(db, 2)
    first = _checkpoint(db)
    _seed(db, 2, start=10)
    second = _checkpoint(db)
    assert (first.number, second.number) == (1, 2) and second.prev == first.digest()
    with db.session() as s:
        assert anchor.write_checkpoint(s) is None  # nothing new but its own announcement
    assert _verify(db).ok
    directory = keys.anchor_dir()
    (directory / "checkpoint-000002.json").unlink()  # the latest: only the chain's announcement tells
    report = _verify(db)
    assert not report.ok
    assert any("Falta el punto de control 2" in p and "anunciado" in p for p in report.problems), report.problems
    # The numbering tells a deleted middle checkpoint.
    with db.session() as s:
        anchor.write_checkpoint(s, force=True)
    (directory / "checkpoint-000001.json").unlink()
    report = _verify(db)
    assert any("Falta el punto de control 1" in p for p in report.problems), report.problems


def test_checkpoints_are_spaced_and_check_only_what_is_new(db: Database,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_AUDIT_CHECKPOINT_SECONDS", "600")
    _seed(db, 3)
    _checkpoint(db)
    _seed(db, 2, start=10)
    with db.session() as s:
        assert anchor.write_checkpoint(s) is None  # the last one is younger than the interval
        assert anchor.write_checkpoint(s, force=True) is not None
    # A checkpoint is never signed over a chain that does not verify since the previous one.
    _seed(db, 1, start=20)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET reason = 'cambiado' "
                          "WHERE seq = (SELECT max(seq) FROM audit_events)"))
    with db.session() as s:
        assert anchor.write_checkpoint(s, force=True) is None
    assert len(list(keys.anchor_dir().glob("checkpoint-*.json"))) == 2


def test_an_edited_checkpoint_fails_its_signature(db: Database) -> None:
    _seed(db, 2)
    _checkpoint(db)
    path = keys.anchor_dir() / "checkpoint-000001.json"
    data = json.loads(path.read_text())
    data["seq"] = 1
    path.write_text(json.dumps(data))
    report = _verify(db)
    assert not report.ok and any("firma" in p for p in report.problems)


def test_a_chain_written_by_the_earlier_code_still_verifies(db: Database) -> None:
    _insert_legacy(db, 4)
    _seed(db, 3)  # the new code continues the chain, keyed
    with db.session() as s:
        report = verify_chain(s)
        assert report.ok and report.checked == 7 and report.legacy_until == 4
    point = _checkpoint(db)
    assert point.legacy_until == 4
    assert _verify(db).ok
    # Editing an old row is still caught.
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'otra' WHERE seq = 2"))
    with db.session() as s:
        report = verify_chain(s)
    assert not report.ok and report.first_bad_id == 2


def test_migrating_a_database_of_the_earlier_code(tmp_path: Path) -> None:
    """Written at revision 0002 (the earlier code), migrated, continued: one chain that verifies."""
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0002")
    old = Database(url)
    prev = audit.GENESIS
    with old.engine.begin() as conn:
        for seq in range(1, 4):
            row = _legacy_values(seq, prev)
            columns = ", ".join(row)
            values = ", ".join(f":{k}" for k in row)
            params = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()}
            params["created_at"] = row["created_at"].isoformat(sep=" ")
            conn.execute(text(f"INSERT INTO audit_events ({columns}) VALUES ({values})"), params)
            prev = row["hash"]
    old.dispose()
    upgrade(url)
    db = Database(url)
    try:
        _seed(db, 2)
        with db.session() as s:
            report = verify_chain(s)
        assert report.ok and report.checked == 5 and report.legacy_until == 3, report
    finally:
        db.dispose()


def test_redacted_events_keep_verifying_old_and_new(db: Database) -> None:
    _insert_legacy(db, 3)
    _seed(db, 3)
    with db.session() as s:
        ids = list(s.scalars(select(AuditEvent.id).where(AuditEvent.seq.in_([2, 5]))))
        assert audit.redact(s, ids) == 2
    with db.session() as s:
        rows = {r.seq: r for r in s.scalars(select(AuditEvent))}
        assert rows[2].after is None and rows[5].after is None and rows[5].reason is None
        assert rows[2].redaction_seal and rows[5].redaction_seal is None
        report = verify_chain(s)
        assert report.ok and report.redacted == 2
    _checkpoint(db)
    assert _verify(db).ok
    # What stays of a redacted old row is still covered (by its keyed redaction seal).
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET entity_id = '999' WHERE seq = 2"))
    with db.session() as s:
        report = verify_chain(s)
    assert not report.ok and report.first_bad_id == rows[2].id


def test_the_database_allows_redaction_and_nothing_else(db: Database) -> None:
    if db.engine.dialect.name == "postgresql":  # an earlier test on this database may have disabled it
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    _seed(db, 2)
    now = "2026-06-01 00:00:00"
    refused = [
        "UPDATE audit_events SET after = NULL",  # no redaction mark: a plain edit
        f"UPDATE audit_events SET after = NULL, redacted_at = '{now}', action = 'otra'",  # a hashed column
        f"UPDATE audit_events SET after = NULL, redacted_at = '{now}', prev_hash = hash",
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.session() as s:
        audit.redact(s, list(s.scalars(select(AuditEvent.id))))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:  # once only
        conn.execute(text(f"UPDATE audit_events SET reason = 'x', redacted_at = '{now}'"))
    with db.session() as s:
        assert verify_chain(s).ok


def test_cli_verify_reports_a_cut_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cauce.cli import app

    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("CAUCE_DATABASE_URL", url)
    upgrade(url)
    db = Database(url)
    try:
        _seed(db, 4)
        runner = CliRunner()
        result = runner.invoke(app, ["audit", "checkpoint"])
        assert result.exit_code == 0 and json.loads(result.stdout)["seq"] == 4
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 0, result.output
        _drop_guards(db)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events WHERE seq >= 3"))
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 1
        assert "La cadena fue recortada" in result.stderr
    finally:
        db.dispose()


def test_a_short_audit_key_is_refused_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_AUDIT_KEY", "corta")
    with pytest.raises(keys.AuditKeyError, match="al menos 32"):
        keys.chain_key()
    monkeypatch.setenv("CAUCE_AUDIT_KEY", "k" * 40)
    assert keys.chain_key() == b"k" * 40
    assert len(keys.key_id(keys.chain_key())) == 16
    assert hmac.compare_digest(keys.key_id(b"k" * 40), hmac.new(b"k" * 40, b"cauce-audit-key-id",
                                                                   hashlib.sha256).hexdigest()[:16])
