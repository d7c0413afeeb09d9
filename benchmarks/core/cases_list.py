"""`cauce cases list` on 100,000 cases: target under 1 s (the whole command, process start included).

Run: .venv/bin/python -m benchmarks.core.cases_list [--cases 100000] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.core.bulk import load_cases
from cauce.cases import service as cases
from cauce.db import Database, upgrade

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _time_cli(url: str, runs: int = 5) -> list[float]:
    env = {**os.environ, "CAUCE_DATABASE_URL": url}
    cauce = str(Path(sys.executable).parent / "cauce")
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([cauce, "cases", "list", "--format", "json"], env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - began)
    return out


def _time_query(db: Database, runs: int = 20) -> list[float]:
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        with db.read_session() as s:
            cases.list_cases(s, limit=50)
        out.append(time.perf_counter() - began)
    return out


def bench(url: str, n: int) -> dict[str, float]:
    upgrade(url)
    db = Database(url)
    began = time.perf_counter()
    load_cases(db, n)
    load_s = time.perf_counter() - began
    query = _time_query(db)
    cli = _time_cli(url)
    db.dispose()
    return {"cases": n, "load_s": load_s, "query_median_ms": statistics.median(query) * 1000,
            "query_max_ms": max(query) * 1000, "cli_median_s": statistics.median(cli), "cli_max_s": max(cli)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = bench(f"sqlite:///{tmp}/bench.db", args.cases)
    if args.postgres:
        import psycopg

        name = f"cauce_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results["postgresql"] = bench(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.cases)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for backend, r in results.items():
        print(f"{backend}: {r['cases']:,} cases loaded in {r['load_s']:.1f}s; list query median "
              f"{r['query_median_ms']:.1f} ms (max {r['query_max_ms']:.1f}); `cauce cases list` median "
              f"{r['cli_median_s']:.2f}s (max {r['cli_max_s']:.2f}s) — target < 1 s")


if __name__ == "__main__":
    main()
