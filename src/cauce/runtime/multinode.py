"""Multi-node mode (CAUCE_BROKER_URL set): what `cauce serve`, `cauce worker` and `cauce jobs status` do.

- web nodes (`cauce serve`) run no jobs; they enqueue (webhook batches: `mentions.ingest_batch`);
- worker nodes (`cauce worker`) consume the queues of their CAUCE_JOBS roles and tick Periodic jobs;
- `cauce jobs status` reads queue depths, dead letters and leases.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from cauce.config import get_settings
from cauce.db import Database
from cauce.runtime.engine import Engine, run_worker, status
from cauce.vocabulary import JobRole

log = logging.getLogger(__name__)


def broker_url() -> str | None:
    return get_settings().broker_url.strip() or None


def worker_threads() -> int:
    return get_settings().worker_threads


def roles_from_env() -> set[JobRole]:
    """CAUCE_JOBS for a worker: a comma list of roles, `all` (default) or `none`."""
    return set(get_settings().job_roles())


def make_engine(db: Database, url: str, *, holder: str | None = None) -> Engine:
    from cauce.runtime import build_registry, leases

    return Engine(db, build_registry(), url, holder=holder or leases.new_holder())


def attach_web(app: Any, db: Database, url: str) -> Engine:
    """A web node of the cluster: webhooks enqueue their batches instead of ingesting in the request."""
    from cauce.runtime.observe import BrokerCollector

    engine = make_engine(db, url)
    app.state.job_submit = engine.submit
    app.state.engine = engine
    app.state.metrics_collectors = [*getattr(app.state, "metrics_collectors", []), BrokerCollector(engine)]
    return engine


def serve_worker(db: Database, url: str, roles: set[JobRole], *, threads: int | None = None) -> None:
    """Run an engine worker until SIGTERM/SIGINT (a kill -9 leaves its messages to be redelivered)."""
    from cauce.observability import metrics

    engine = make_engine(db, url)
    served = metrics.serve()  # CAUCE_METRICS_PORT: this worker's job runs, ingest counts, process metrics
    if served:
        log.info("engine worker %s: metrics on http://%s/metrics", engine.holder, served)
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("engine worker %s: signal %s, stopping", engine.holder, signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_worker(engine, roles=roles, threads=threads or worker_threads(), stop=stop)


def jobs_status(db: Database, url: str) -> dict[str, Any]:
    engine = make_engine(db, url)
    try:
        return status(engine)
    finally:
        engine.close()
