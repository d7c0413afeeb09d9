"""Multi-node ingest on one machine: 1, 2, 3 `cauce worker` processes on RabbitMQ and PostgreSQL.

For each worker count: a fresh PostgreSQL database with the five demo brands (five organisations),
a RabbitMQ vhost of its own, K worker processes (`cauce worker`, CAUCE_JOBS=stream, the role of
`mentions.ingest_batch`) warmed up, then a burst of N distinct mentions from the demo simulator sent
as webhook-sized batches (`--batch`, grouped by brand) through the engine (`Engine.submit`, as a web
node does for a webhook). Measured:

- throughput: N / (last mention visible − first batch sent);
- latency of each mention, batch sent → mention committed and visible (a poller reads new rows
  of `mentions` every 25 ms: what an inbox query would see): p50, p99, max;
- queue recovery: from the last batch sent until the broker's queue is empty, and until every
  mention is visible;
- `--rate R`: the burst is paced at R mentions/s instead of sent at once (latency under a load
  the cluster can follow).

Per-organisation order: batches of one organisation never run concurrently (an advisory lock), so
parallelism comes from several organisations; five here.

Run: PYTHONPATH=. .venv/bin/python -m benchmarks.multinode [--workers 1,2,3] [--mentions 10000]
     [--rate 0] [--threads 2] [--json out.json]
Needs: PostgreSQL on 127.0.0.1:5432 (trust), RabbitMQ on 127.0.0.1:5672 (guest), rabbitmqctl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LOOK_BACK = 2000  # mention ids


@dataclass
class Run:
    workers: int
    threads: int
    mentions: int
    batch: int
    rate: float
    sent_s: float = 0.0  # first to last batch sent
    drain_s: float = 0.0  # first batch sent → last mention visible
    throughput: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    queue_empty_after_s: float = 0.0  # last batch sent → broker queue empty
    all_visible_after_s: float = 0.0  # last batch sent → every mention visible
    peak_queue: int = 0
    stored: int = 0
    job_runs: dict[str, float] = field(default_factory=dict)


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.encode())


@contextmanager
def fresh_database() -> Any:
    name = f"cauce_mn_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def vhost() -> Any:
    name = f"cauce_mn_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True)
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False, capture_output=True)


def seed(url: str) -> dict[str, tuple[int, int]]:
    """The five demo brands; brand slug → (demo channel id, organisation id)."""
    from cauce.brands.models import Brand, ChannelAccount
    from cauce.db import Database, upgrade
    from cauce.demo.catalog import BRANDS
    from cauce.demo.seed import seed_brand

    upgrade(url)
    db = Database(url)
    out = {}
    with db.session() as session:
        for spec in BRANDS:
            seed_brand(session, spec)
    with db.read_session() as session:
        for brand in session.scalars(select(Brand)):
            channel = session.scalar(select(ChannelAccount.id).where(ChannelAccount.brand_id == brand.id))
            assert channel is not None
            out[brand.slug] = (int(channel), int(brand.organisation_id))
    db.dispose()
    return out


def mentions_for(n: int, prefix: str) -> list[Any]:
    """`n` distinct mentions over the five brands (the demo simulator's stream, crisis included)."""
    from cauce.demo.stream import Simulator

    seen: set[str] = set()
    out = []
    for event in Simulator(seed=11, start=START, rate_per_min=600).events():
        m = event.mention
        if m.id in seen:
            continue  # metric re-emissions are not new mentions
        seen.add(m.id)
        out.append(m.model_copy(update={"id": f"{prefix}{m.id}"}))
        if len(out) == n:
            return out
    return out


def batches_of(items: list[Any], size: int) -> list[tuple[str, list[Any]]]:
    """Webhook-sized batches, one brand each, interleaved across brands in arrival order."""
    open_: dict[str, list[Any]] = defaultdict(list)
    out: list[tuple[str, list[Any]]] = []
    for item in items:
        group = open_[item.brand]
        group.append(item)
        if len(group) == size:
            out.append((item.brand, list(group)))
            group.clear()
    out += [(slug, group) for slug, group in open_.items() if group]
    return out


class Poller(threading.Thread):
    """First time each mention (by external id) is visible to a reader, every `every_s`."""

    def __init__(self, url: str, every_s: float = 0.025) -> None:
        super().__init__(daemon=True)
        from cauce.db import Database

        self.db = Database(url)
        self.every_s = every_s
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        from cauce.mentions.models import Mention

        last = 0
        while not self.stop.is_set():
            # Concurrent batches commit out of id order (ids are reserved before the commit): look
            # back over a window wider than everything in flight (workers × threads × batch).
            with self.db.read_session() as session:
                rows = session.execute(select(Mention.id, Mention.external_id)
                                       .where(Mention.id > last - LOOK_BACK)).all()
            now = time.perf_counter()
            for mention_id, external in rows:
                self.seen.setdefault(external, now)
                last = max(last, mention_id)
            self.stop.wait(self.every_s)
        self.db.dispose()


def start_workers(k: int, *, db_url: str, broker: str, threads: int, data_dir: Path, port0: int) -> list[Any]:
    procs = []
    for i in range(k):
        env = dict(os.environ, CAUCE_DATABASE_URL=db_url, CAUCE_BROKER_URL=broker, CAUCE_JOBS="stream",
                   CAUCE_WORKER_THREADS=str(threads), CAUCE_DATA_DIR=str(data_dir),
                   CAUCE_AUDIT_ANCHOR_DIR=str(data_dir / "audit-anchors"), CAUCE_LOG_FORMAT="json",
                   CAUCE_METRICS_PORT=str(port0 + i))
        log = (data_dir / f"worker{i}.log").open("w")
        procs.append(subprocess.Popen([sys.executable, "-m", "cauce.cli", "worker"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, cwd=ROOT))
    return procs


def stop_workers(procs: list[Any]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def scrape(port: int) -> dict[str, float]:
    """cauce_job_runs_total samples of one worker's /metrics (CAUCE_METRICS_PORT)."""
    out: dict[str, float] = {}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("cauce_job_runs_total{"):
                labels, value = line.rsplit(" ", 1)
                out[labels[len("cauce_job_runs_total"):]] = float(value)
    return out


def one_run(k: int, args: argparse.Namespace, port0: int) -> Run:
    from cauce.connectors.runtime import batches
    from cauce.runtime import multinode
    from cauce.runtime.brokers import queue_depth
    from cauce.runtime.engine import queue_for
    from cauce.vocabulary import JobRole

    run = Run(workers=k, threads=args.threads, mentions=args.mentions, batch=args.batch, rate=args.rate)
    with fresh_database() as db_url, vhost() as broker, tempfile.TemporaryDirectory(prefix="cauce-mn-") as tmp:
        brands = seed(db_url)
        from cauce.db import Database

        db = Database(db_url)
        engine = multinode.make_engine(db, broker)
        queue = queue_for(JobRole.stream)
        procs = start_workers(k, db_url=db_url, broker=broker, threads=args.threads, data_dir=Path(tmp),
                              port0=port0)
        poller = Poller(db_url)
        poller.start()

        def send(slug: str, items: list[Any]) -> None:
            channel_id, organisation_id = brands[slug]
            engine.submit(batches.TASK, batches.payload(items, channel_id=channel_id, brand_slug=slug,
                                                        organisation_id=organisation_id, actor="benchmark"))

        try:
            # Warm-up: every worker loads the triage models and opens its connections.
            warm = mentions_for(40 * k, "warm-")
            for slug, group in batches_of(warm, 8):
                send(slug, group)
            deadline = time.monotonic() + 180
            while len(poller.seen) < len(warm) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(poller.seen) >= len(warm), f"warm-up: {len(poller.seen)} of {len(warm)} visible"
            items = mentions_for(args.mentions, f"k{k}-")
            plan = batches_of(items, args.batch)
            sent_at: dict[str, float] = {}
            depth_peak = 0
            t0 = time.perf_counter()
            for index, (slug, group) in enumerate(plan):
                if args.rate > 0:  # pace: batch i leaves at (mentions before it) / rate
                    due = t0 + sum(len(g) for _, g in plan[:index]) / args.rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                now = time.perf_counter()
                for item in group:
                    sent_at[item.id] = now
                send(slug, group)
            t_sent = time.perf_counter()
            empty_at = None
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                depth = queue_depth(engine.broker, queue)
                depth_peak = max(depth_peak, depth.ready + depth.delayed)
                now = time.perf_counter()
                if empty_at is None and depth.ready + depth.delayed == 0:
                    empty_at = now
                if all(i in poller.seen for i in sent_at):
                    break
                time.sleep(0.05)
            poller.stop.set()
            poller.join()
            lat = sorted((poller.seen[i] - sent_at[i]) * 1000 for i in sent_at if i in poller.seen)
            last_seen = max(poller.seen[i] for i in sent_at if i in poller.seen)
            run.stored = len(lat)
            run.sent_s = round(t_sent - t0, 2)
            run.drain_s = round(last_seen - t0, 2)
            run.throughput = round(len(lat) / (last_seen - t0), 1)
            run.p50_ms = round(statistics.median(lat), 1)
            run.p99_ms = round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1)
            run.max_ms = round(lat[-1], 1)
            run.queue_empty_after_s = round(((empty_at or last_seen) - t_sent), 2)
            run.all_visible_after_s = round(last_seen - t_sent, 2)
            run.peak_queue = depth_peak
            for i in range(k):
                for labels, value in scrape(port0 + i).items():
                    run.job_runs[labels] = run.job_runs.get(labels, 0) + value
        finally:
            poller.stop.set()
            stop_workers(procs)
            if args.logs:  # the workers' JSON logs, kept for a look
                args.logs.mkdir(parents=True, exist_ok=True)
                for path in Path(tmp).glob("worker*.log"):
                    shutil.copy(path, args.logs / f"k{k}-{path.name}")
            engine.close()
            db.dispose()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="CAUCE_WORKER_THREADS per worker")
    parser.add_argument("--rate", type=float, default=0.0, help="mentions/s; 0 = the whole burst at once")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--logs", type=Path, help="copy the workers' logs into this folder")
    args = parser.parse_args()
    runs = []
    for index, k in enumerate(int(x) for x in args.workers.split(",")):
        run = one_run(k, args, port0=19100 + 10 * index)
        runs.append(run)
        print(json.dumps(asdict(run)), flush=True)
    print(f"\n{'workers':>7} {'mentions/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'queue empty':>11} "
          f"{'all visible':>11} {'peak queue':>10}")
    for r in runs:
        print(f"{r.workers:>7} {r.throughput:>10} {r.p50_ms:>8} {r.p99_ms:>8} {r.max_ms:>8} "
              f"{r.queue_empty_after_s:>10}s {r.all_visible_after_s:>10}s {r.peak_queue:>10}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2))


if __name__ == "__main__":
    main()
