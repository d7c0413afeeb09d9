"""Ingest + route throughput with the demo simulator's stream, and a 10,000-mention crisis burst.

Targets (issue 6): ≥ 500 mentions/s into SQLite and into PostgreSQL; the burst fully persisted and
routed, nothing lost or duplicated.

Run: .venv/bin/python -m benchmarks.core.ingest [--mentions 5000] [--burst 10000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from cauce.audit.service import verify_chain
from cauce.cases.models import Case
from cauce.cli import INGEST_BATCH
from cauce.db import Database, upgrade
from cauce.demo.catalog import BRANDS
from cauce.demo.seed import seed_brand
from cauce.demo.stream import Simulator
from cauce.mentions.models import Mention
from cauce.mentions.schemas import MentionIn
from cauce.mentions.service import ingest_batch
from cauce.triage import service as triage

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = INGEST_BATCH  # as `cauce ingest` writes
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@contextmanager
def database(backend: str) -> Iterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            db = Database(url)
            yield db
            db.dispose()
        return
    import psycopg

    name = f"cauce_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stream(n: int) -> list[MentionIn]:
    return [e.mention for e in Simulator(seed=3, start=START, rate_per_min=60).events(n)]


def burst(n: int) -> list[MentionIn]:
    """`n` distinct mentions of one brand's crisis within minutes (the simulator at crisis rate)."""
    sim = Simulator(seed=5, start=START, rate_per_min=600, crisis_at=timedelta(0),
                    crisis_duration=timedelta(hours=6), crisis_factor=40.0, brands=[BRANDS[0].slug])
    seen: set[str] = set()
    out: list[MentionIn] = []
    for event in sim.events():
        if event.mention.id in seen:
            continue  # metric re-emissions are not new mentions
        seen.add(event.mention.id)
        out.append(event.mention)
        if len(out) == n:
            return out
    return out


def run_ingest(db: Database, items: list[MentionIn]) -> tuple[float, Counter[str]]:
    began = time.perf_counter()
    counts = Counter(r.status for r in ingest_batch(db.session, items, batch_size=BATCH, source="bench"))
    return time.perf_counter() - began, counts


def triage_only(items: list[MentionIn]) -> float:
    assessor = triage.get_assessor()
    began = time.perf_counter()
    for item in items:
        assessor.assess(item, triage.History())
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    items = stream(args.mentions)
    triage.get_assessor()  # model load is not ingest time
    t_triage = triage_only(items)
    print(f"triage alone: {len(items) / t_triage:,.0f} mentions/s ({len(items)} mentions)")
    backends = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
    crisis = burst(args.burst)
    for backend in backends:
        with database(backend) as db:
            with db.session() as s:
                for spec in BRANDS:
                    seed_brand(s, spec)
            elapsed, counts = run_ingest(db, items)
            print(f"{backend}: stream of {len(items)} simulator events (incl. metric re-emissions) in "
                  f"{elapsed:.1f}s → {len(items) / elapsed:,.0f} mentions/s; {dict(counts)}")
        with database(backend) as db:
            with db.session() as s:
                seed_brand(s, BRANDS[0])
            elapsed, counts = run_ingest(db, crisis)
            again, counts_again = run_ingest(db, crisis)
            with db.read_session() as s:
                stored = s.scalar(select(func.count()).select_from(Mention)) or 0
                distinct = s.scalar(select(func.count(func.distinct(Mention.external_id)))) or 0
                routed = s.scalar(select(func.count()).select_from(Mention).where(Mention.case_id.is_not(None))) or 0
                case_count = s.scalar(select(func.count()).select_from(Case)) or 0
                chain = verify_chain(s)
            lost = len(crisis) - stored
            print(f"{backend}: crisis burst of {len(crisis):,} mentions in {elapsed:.1f}s "
                  f"({len(crisis) / elapsed:,.0f}/s): stored {stored:,}, distinct {distinct:,}, lost {lost}, "
                  f"routed into cases {routed:,} ({case_count:,} cases); re-ingest of the same burst: "
                  f"{dict(counts_again)} in {again:.1f}s; audit chain "
                  f"{'verifies' if chain.ok else 'BROKEN: ' + str(chain.problem)} ({chain.checked:,} events)")


if __name__ == "__main__":
    main()
