"""Issue #16: a PostgreSQL installation filled through ingest is dumped with `cauce backup`, restored
with `cauce restore` into a fresh database, and the copy is checked (counts, audit chain, checkpoints)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cauce.audit import anchor
from cauce.audit.service import SYSTEM
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database, upgrade
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from helpers import make_brand, mention, scripted_triage

pytestmark = pytest.mark.skipif(bool(os.environ.get("CAUCE_TEST_SKIP_POSTGRES")), reason="needs PostgreSQL")
PG_ADMIN_URL = os.environ.get("CAUCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def new_database() -> Iterator[object]:
    """A factory of empty PostgreSQL databases, dropped at the end."""
    made: list[str] = []

    def make() -> str:
        name = f"cauce_bk_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cauce(*args: str, url: str, anchors: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CAUCE_DATABASE_URL=url, CAUCE_AUDIT_ANCHOR_DIR=str(anchors))
    return subprocess.run([sys.executable, "-m", "cauce.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _fill(db: Database, start: int, n: int) -> None:
    items = [mention(i, handle=f"@cliente{i % 40}", minutes=i) for i in range(start, start + n)]
    results = list(mentions.ingest_batch(db.session, items, batch_size=50, source="test"))
    assert all(r.status == "created" for r in results)


def _counts(db: Database) -> tuple[int, int]:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Mention)) or 0, s.scalar(select(func.count())
                                                                                   .select_from(Case)) or 0


def test_backup_then_restore_into_a_fresh_database_verifies(new_database: object, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    make = new_database
    assert callable(make)
    source_url = make()
    upgrade(source_url)
    source = Database(source_url)
    anchors = tmp_path / "anchors-live"
    monkeypatch.setenv("CAUCE_AUDIT_ANCHOR_DIR", str(anchors))
    try:
        make_brand(source)
        with scripted_triage():
            _fill(source, 0, 300)
            with source.session() as s:
                first = s.scalar(select(Case.id).order_by(Case.id))
                assert first is not None
                cases.add_note(s, case_id=first, text="Llamar al cliente", actor=SYSTEM, author_user_id=None)
            with source.session() as s:
                assert anchor.write_checkpoint(s, force=True) is not None
            _fill(source, 300, 60)  # events after the checkpoint: in the dump, not covered by it
            # Writes go on while the backup runs: the manifest and the dump still agree (one snapshot).
            stop = threading.Event()

            def keep_writing() -> None:
                n = 10_000
                while not stop.is_set():
                    _fill(source, n, 5)
                    n += 5

            writer = threading.Thread(target=keep_writing)
            writer.start()
            try:
                done = _cauce("backup", str(tmp_path / "copia"), url=source_url, anchors=anchors)
            finally:
                stop.set()
                writer.join()
        assert done.returncode == 0, done.stderr
        manifest = json.loads((tmp_path / "copia" / "manifest.json").read_text())
        assert manifest["checkpoints"] == [1] and manifest["counts"]["mentions"] >= 360
        assert (tmp_path / "copia" / "audit-anchors" / "checkpoint-000001.json").exists()

        target_url = make()
        restored_anchors = tmp_path / "anchors-restored"
        done = _cauce("restore", str(tmp_path / "copia"), url=target_url, anchors=restored_anchors)
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        assert report["ok"] and report["counts_match"] and report["audit_head_match"]
        assert report["audit"]["checkpoints"] == 1 and not report["audit"]["problems"]
        target = Database(target_url)
        assert _counts(target) == (manifest["counts"]["mentions"], manifest["counts"]["cases"])
        assert _counts(target)[0] < _counts(source)[0]  # the writer's later mentions are not in the copy
        # `cauce audit verify` on the restored copy, as an operator would run it.
        verified = _cauce("audit", "verify", url=target_url, anchors=restored_anchors)
        assert verified.returncode == 0, verified.stderr
        assert json.loads(verified.stdout)["ok"] is True
        # The restored installation keeps working: ingest goes on on top of the copy.
        with scripted_triage():
            _fill(target, 50_000, 3)
        target.dispose()

        # Restoring twice into the same database is refused (it is no longer empty).
        again = _cauce("restore", str(tmp_path / "copia"), url=target_url, anchors=restored_anchors)
        assert again.returncode == 1 and "no está vacía" in again.stderr
    finally:
        source.dispose()


def test_restore_reports_a_copy_that_does_not_match_its_manifest(new_database: object, tmp_path: Path) -> None:
    make = new_database
    assert callable(make)
    source_url = make()
    upgrade(source_url)
    source = Database(source_url)
    anchors = tmp_path / "anchors"
    try:
        make_brand(source)
        with scripted_triage():
            _fill(source, 0, 20)
        assert _cauce("backup", str(tmp_path / "copia"), url=source_url, anchors=anchors).returncode == 0
    finally:
        source.dispose()
    path = tmp_path / "copia" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["counts"]["mentions"] += 1  # the manifest claims a mention the dump does not have
    path.write_text(json.dumps(manifest))
    done = _cauce("restore", str(tmp_path / "copia"), url=make(), anchors=tmp_path / "r1")
    assert done.returncode == 1 and "no coinciden" in done.stderr
    (tmp_path / "copia" / "cauce.dump").write_bytes(b"PGDMP broken")
    done = _cauce("restore", str(tmp_path / "copia"), url=make(), anchors=tmp_path / "r2")
    assert done.returncode == 1 and "sha256" in done.stderr
