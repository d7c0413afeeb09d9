"""Prometheus instruments of this process, and the helpers features and the runtime count with.

Everything lives in one registry of our own (`REGISTRY`, not prometheus_client's global one), so
tests and several apps in one process never collide. Labels are bounded by construction: a source
*kind* (`api`, `file`, `connector`…, never a channel id), an outcome from a fixed list, a job name
from the runtime's registry, an SLA clock name. Nothing per mention, person, case or brand.

Counts that depend on a transaction (mentions stored, SLA breaches recorded) are added only when
that transaction commits (`on_commit`): a rolled-back batch that is retried is counted once.

Processes: metrics are per process. A web node runs one uvicorn process and serves `/metrics`
(`cauce.web.ops`); a worker process exposes its own with `serve(port)` (`CAUCE_METRICS_PORT`).
Prometheus scrapes each and sums across instances; there is no multiprocess mode (no gunicorn
workers sharing a port).
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import event
from sqlalchemy.orm import Session

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

INGEST_OUTCOMES = ("created", "noise", "duplicate", "error")
OUTBOX_OUTCOMES = ("sent", "failed", "retried", "recovered", "unknown", "moderated")

MENTIONS_INGESTED = Counter(
    "cauce_mentions_ingested", "Mentions handed to ingest, by source kind and outcome (committed).",
    ["source", "outcome"], registry=REGISTRY)
INGEST_BATCH_SECONDS = Histogram(
    "cauce_ingest_batch_seconds", "Wall time of one ingest call (a batch, or one mention), by source kind.",
    ["source"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
INGEST_BATCH_SIZE = Histogram(
    "cauce_ingest_batch_size", "Mentions per ingest call.", ["source"], registry=REGISTRY,
    buckets=(1, 5, 10, 25, 50, 100, 200, 500, 1000))
JOB_RUNS = Counter("cauce_job_runs", "Runs of a background job or task, by name and outcome (ok | error).",
                   ["job", "outcome"], registry=REGISTRY)
JOB_SECONDS = Histogram(
    "cauce_job_duration_seconds", "Wall time of one run of a background job or task.", ["job"],
    registry=REGISTRY, buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0))
JOBS_RUNNING = Gauge("cauce_jobs_running", "Job runs in progress in this process.", ["job"], registry=REGISTRY)
OUTBOX_DELIVERIES = Counter("cauce_outbox_deliveries", "Outbox attempts by outcome (replies and moderation).",
                            ["outcome"], registry=REGISTRY)
SLA_BREACHES = Counter("cauce_sla_breaches", "SLA clocks newly found breached (committed), by clock.",
                       ["clock"], registry=REGISTRY)

_SOURCE_KINDS = frozenset({"api", "file", "demo", "connector", "stream", "webhook", "notification", "import",
                           "benchmark", "test"})


def source_kind(source: str) -> str:
    """`connector:12` → `connector`; anything unknown → `other` (the label set stays bounded)."""
    kind = source.split(":", 1)[0].strip().lower()
    return kind if kind in _SOURCE_KINDS else "other"


# --- counts that wait for the commit ---------------------------------------------------------------

_PENDING = "cauce_metrics_on_commit"


def on_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run `callback` once `session`'s outer transaction commits; forget it on a rollback."""
    session.info.setdefault(_PENDING, []).append(callback)


# SQLAlchemy fires both events for savepoints too: only the outer transaction's end counts.
@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        for callback in session.info.pop(_PENDING, ()):
            callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def count_ingest(session: Session | None, source: str, outcomes: Iterable[str], *, seconds: float) -> None:
    """Record one ingest call: its duration now, its per-outcome counts when `session` commits
    (at once when `session` is None: the caller has committed already)."""
    kind = source_kind(source)
    tally = Tally(o if o in INGEST_OUTCOMES else "error" for o in outcomes)
    INGEST_BATCH_SECONDS.labels(kind).observe(seconds)
    INGEST_BATCH_SIZE.labels(kind).observe(sum(tally.values()))

    def add() -> None:
        for outcome, n in tally.items():
            MENTIONS_INGESTED.labels(kind, outcome).inc(n)

    if session is None:
        add()
    else:
        on_commit(session, add)


def count_sla_breaches(session: Session, clocks: Iterable[str]) -> None:
    tally = Tally(clocks)
    if not tally:
        return

    def add() -> None:
        for clock, n in tally.items():
            SLA_BREACHES.labels(clock).inc(n)

    on_commit(session, add)


def count_outbox(run: Any) -> None:
    """Add one outbox pass (`cauce.replies.outbox.OutboxRun`: each attempt was committed on its own)."""
    for outcome in OUTBOX_OUTCOMES:
        n = int(getattr(run, outcome, 0) or 0)
        if n:
            OUTBOX_DELIVERIES.labels(outcome).inc(n)


@contextlib.contextmanager
def time_job(name: str) -> Iterator[None]:
    """Count one run of job `name` (outcome ok/error) and observe its duration."""
    started = time.perf_counter()
    JOBS_RUNNING.labels(name).inc()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        JOBS_RUNNING.labels(name).dec()
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
        JOB_RUNS.labels(name, outcome).inc()


# --- exposition ----------------------------------------------------------------------------------------

class _Combined:
    """This process' registry plus collectors computed at scrape time (database gauges)."""

    def __init__(self, extra: Iterable[Any]) -> None:
        self.extra = list(extra)

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        for collector in self.extra:
            yield from collector.collect()


def exposition(*extra: Any) -> bytes:
    """The Prometheus text format of this process' metrics and of `extra` collectors."""
    return generate_latest(_Combined(extra))


def serve(port: int | None = None, addr: str | None = None) -> str | None:
    """Expose this process' metrics on `addr:port` (a worker; `CAUCE_METRICS_PORT`, `CAUCE_METRICS_ADDR`,
    default 127.0.0.1). Plain HTTP without authentication: bind it to an address only Prometheus reaches.
    Returns `addr:port`, or None when no port is configured."""
    from cauce.config import get_settings

    settings = get_settings()
    port = port if port is not None else settings.metrics_port
    if not port:
        return None
    addr = addr or settings.metrics_addr
    start_http_server(port, addr=addr, registry=REGISTRY)
    return f"{addr}:{port}"
