"""Cost of the identity sweep (merge proposals) next to ingest, on the demo simulator's stream.

Ingest never waits for identity resolution: the worker's sweep reads what arrived since its last
pass. This measures a cold sweep over a whole stream, and the incremental pass after one more
ingest batch, and counts what the demo stream yields (proposals by kind). The benchmark's rows are
seconds old, so the sweeps run with `settle=0` (in service, rows older than `identity.SETTLE` are
read once; the newer ones are read again by the next pass).

Run: .venv/bin/python -m benchmarks.core.identity_sweep [--mentions 3000] [--more 200] [--no-postgres]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from benchmarks.core.ingest import database, run_ingest, stream
from cauce.demo.catalog import BRANDS
from cauce.demo.seed import seed_brand
from cauce.people import identity
from cauce.people.models import MergeProposal
from cauce.triage import service as triage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=3000)
    parser.add_argument("--more", type=int, default=200)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    items = stream(args.mentions + args.more)
    first, more = items[:args.mentions], items[args.mentions:]
    triage.get_assessor()
    for backend in ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]:
        with database(backend) as db:
            with db.session() as s:
                for spec in BRANDS:
                    seed_brand(s, spec)
            ingest_s, _ = run_ingest(db, first)
            began = time.perf_counter()
            with db.session() as s:
                cold = identity.sweep(s, settle=timedelta(0))
            cold_s = time.perf_counter() - began
            more_s, _ = run_ingest(db, more)
            began = time.perf_counter()
            with db.session() as s:
                warm = identity.sweep(s, settle=timedelta(0))
            warm_s = time.perf_counter() - began
            with db.read_session() as s:
                kinds = Counter(e["kind"] for p in s.scalars(select(MergeProposal)) for e in p.evidence)
            print(f"{backend}: ingest of {len(first)} events {ingest_s:.1f}s; cold sweep {cold_s * 1000:.0f} ms "
                  f"({cold.handles_read} handles, {cold.messages_read} messages, {cold.proposed} proposals); "
                  f"after {len(more)} more events (ingest {more_s:.2f}s) incremental sweep {warm_s * 1000:.0f} ms "
                  f"({warm.handles_read} handles, {warm.messages_read} messages, {warm.proposed} new, "
                  f"{warm.updated} updated); evidence kinds {dict(kinds)}")


if __name__ == "__main__":
    main()
