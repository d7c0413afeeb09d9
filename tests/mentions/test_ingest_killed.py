"""Killing `cauce ingest` with SIGKILL leaves no half-ingested mention; a re-run adds exactly the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from cauce.audit.models import AuditEvent
from cauce.audit.service import verify_chain
from cauce.cases.models import Case
from cauce.db import Database, upgrade
from cauce.demo.catalog import BRANDS
from cauce.demo.seed import seed_brand
from cauce.demo.stream import Simulator
from cauce.mentions.models import Mention

CAUCE = str(Path(sys.executable).parent / "cauce")


def _count(db: Database) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Mention)) or 0


def test_sigkill_mid_import_then_rerun(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        for spec in BRANDS:
            seed_brand(s, spec)
    events = Simulator(seed=21, start=datetime(2026, 3, 2, 14, tzinfo=UTC), rate_per_min=120).events(1500)
    path = tmp_path / "mentions.jsonl"
    ids: set[str] = set()
    with path.open("w", encoding="utf-8") as fh:
        for event in events:
            ids.add(event.mention.id)
            fh.write(event.mention.model_dump_json() + "\n")
    env = {**os.environ, "CAUCE_DATABASE_URL": url}
    proc = subprocess.Popen([CAUCE, "ingest", str(path), "--batch-size", "25", "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(db) < 100 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after_kill = _count(db)
    assert 0 < after_kill < len(ids), "the import should have been killed midway"

    # Nothing half-done: every stored mention has its audit event, and every case link resolves.
    with db.read_session() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "mention.ingested")) or 0
        dangling = s.scalar(select(func.count()).select_from(Mention).outerjoin(Case, Case.id == Mention.case_id)
                            .where(Mention.case_id.is_not(None), Case.id.is_(None))) or 0
        assert audited == after_kill and dangling == 0
        assert verify_chain(s).ok

    rerun = subprocess.run([CAUCE, "ingest", str(path), "--quiet"], env=env, capture_output=True, text=True,
                           check=True, timeout=600)
    summary = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert summary["created"] == len(ids) - after_kill
    assert summary["errors"] == 0
    with db.read_session() as s:
        stored = s.scalars(select(Mention.external_id)).all()
        assert sorted(stored) == sorted(ids)  # all of them, each once
        assert verify_chain(s).ok
    db.dispose()
