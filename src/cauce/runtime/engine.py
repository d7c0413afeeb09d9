"""The distributed job engine (CAUCE_BROKER_URL set): Dramatiq actors on RabbitMQ or Redis.

- `submit(task, payload)` enqueues a message on the queue of the task's role (`cauce.<role>`);
  web nodes only enqueue, `cauce worker` nodes consume.
- One actor per registry Task. A failing message is retried with exponential backoff (Dramatiq's
  Retries middleware, jittered, `MIN_BACKOFF_MS`…`MAX_BACKOFF_MS`, `MAX_RETRIES` times), then it is
  dead-lettered (`cauce.<role>.XQ`), where `cauce jobs status` shows it.
- Delivery is at least once: a worker killed mid-task has its unacknowledged messages redelivered.
  Every task is therefore idempotent (mentions are deduplicated by network id, replies by their
  outbox claim, polls by the channel's `next_poll_at`).
- Order per organisation: a Task with an `order_key` runs under a PostgreSQL session advisory lock on
  that key, so two messages of one organisation never run at the same time on any worker, while
  different organisations run in parallel. The lock dies with the connection of a killed worker.
- Every worker runs a scheduler thread that ticks the registry's Periodic jobs; each run is claimed
  as a lease (`periodic:<name>`, ttl = its interval) so one worker in the cluster runs it per interval.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import dramatiq
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from cauce.db import Database, utcnow
from cauce.observability.jobs import observe_job
from cauce.runtime import leases
from cauce.runtime.brokers import QueueDepth, broker_from_url, queue_depth
from cauce.runtime.registry import Periodic, Registry, Task
from cauce.vocabulary import JobRole

log = logging.getLogger(__name__)
# pika logs every connection step at INFO.
logging.getLogger("pika").setLevel(logging.WARNING)

MAX_RETRIES = 8
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000
# A task taking longer than this is interrupted (and retried): a hung network call must not hold a thread.
TIME_LIMIT_MS = 10 * 60_000
SCHEDULER_TICK_S = 1.0


def queue_for(role: JobRole | str) -> str:
    return f"cauce.{JobRole(role).value}"


def lock_id(key: str) -> int:
    """A stable signed 64-bit id for a PostgreSQL advisory lock."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class OrderLocks:
    """Mutual exclusion per order key across every worker of the cluster.

    PostgreSQL: a session advisory lock on a connection of its own (outside the task's transactions),
    released at the end of the task or, when the worker dies, by PostgreSQL closing its session.
    SQLite (one machine, a single worker in practice): a lock per key inside the process.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._local: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._engine = None if db.is_sqlite else create_engine(db.engine.url, poolclass=NullPool)

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        if self._engine is None:
            with self._guard:
                lock = self._local[key]
            with lock:
                yield
            return
        ident = lock_id(key)
        with self._engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ident})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ident})
                conn.commit()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _message_id() -> str | None:
    """The Dramatiq message being processed in this thread (the job id of its log lines), if any."""
    from dramatiq.middleware import CurrentMessage

    message = CurrentMessage.get_current_message()
    return message.message_id if message is not None else None


def _track_current_message(broker: dramatiq.Broker) -> None:
    """So that each task's log lines carry its message id as their job id (`_message_id`)."""
    from dramatiq.middleware import CurrentMessage

    if not any(isinstance(m, CurrentMessage) for m in broker.middleware):
        broker.add_middleware(CurrentMessage())


class Engine:
    """The JobContext of a node in multi-node mode: `submit` enqueues, `claim` takes a DB lease."""

    def __init__(self, db: Database, registry: Registry, broker_url: str, *, holder: str,
                 broker: dramatiq.Broker | None = None) -> None:
        self.db = db
        self.holder = holder
        self.registry = registry
        self.broker = broker or broker_from_url(broker_url)
        _track_current_message(self.broker)
        self.locks = OrderLocks(db)
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {
            name: self._actor(task) for name, task in registry.tasks().items()}

    # --- JobContext ---
    def submit(self, task: str, payload: dict[str, Any]) -> None:
        actor = self.actors.get(task)
        if actor is None:
            raise KeyError(f"unknown task {task!r}")
        actor.send(payload)

    def claim(self, name: str, ttl_s: float) -> bool:
        return leases.claim(self.db, name, self.holder, ttl_s)

    # --- actors ---
    def _actor(self, task: Task) -> dramatiq.Actor[Any, Any]:
        def perform(payload: dict[str, Any]) -> None:
            self.perform(task.name, payload)

        perform.__name__ = task.name.replace(".", "_")
        return dramatiq.Actor(
            perform, broker=self.broker, actor_name=task.name, queue_name=queue_for(task.role), priority=0,
            options={"max_retries": MAX_RETRIES, "min_backoff": MIN_BACKOFF_MS, "max_backoff": MAX_BACKOFF_MS,
                     "time_limit": TIME_LIMIT_MS},
        )

    def perform(self, name: str, payload: dict[str, Any]) -> object:
        """Run one task now in this thread, under its order lock when it has an order key."""
        task = self.registry.tasks()[name]
        key = task.order_key(payload) if task.order_key else None
        if key is None:
            with observe_job(name, _message_id()):
                return task.run(self, payload)
        with self.locks.hold(key), observe_job(name, _message_id()):
            return task.run(self, payload)

    def queues(self, roles: Iterable[JobRole] | None = None) -> list[str]:
        wanted = set(roles) if roles is not None else set(JobRole)
        return sorted({queue_for(t.role) for t in self.registry.tasks().values() if t.role in wanted})

    def close(self) -> None:
        self.locks.dispose()
        self.broker.close()


class Scheduler:
    """Ticks Periodic jobs; a run happens only on the worker that claims `periodic:<name>`."""

    def __init__(self, ctx: Engine, jobs: Iterable[Periodic], *, tick_s: float = SCHEDULER_TICK_S) -> None:
        self.ctx = ctx
        self.jobs = list(jobs)
        self.tick_s = tick_s
        self._next: dict[str, float] = {}
        self.runs: dict[str, int] = defaultdict(int)

    def tick(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        ran: list[str] = []
        for job in self.jobs:
            if self._next.get(job.name, 0.0) > now:
                continue
            try:
                mine = self.ctx.claim(f"periodic:{job.name}", job.every_s)
            except Exception:
                log.exception("lease for periodic job %s", job.name)
                mine = False
            if not mine:  # another worker holds this interval: look again soon
                self._next[job.name] = now + min(self.tick_s, job.every_s)
                continue
            self._next[job.name] = now + job.every_s
            try:
                with observe_job(job.name):
                    job.run(self.ctx)
                self.runs[job.name] += 1
                ran.append(job.name)
            except Exception:  # a bad run must not stop the scheduler; the next interval tries again
                log.exception("periodic job %s failed", job.name)
        return ran

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(self.tick_s)


def run_worker(engine: Engine, *, roles: Iterable[JobRole], threads: int = 4,
               stop: threading.Event | None = None) -> None:
    """Consume the queues of `roles` with `threads` threads and tick their Periodic jobs, until `stop`."""
    roles = set(roles)
    stop = stop or threading.Event()
    queues = set(engine.queues(roles))
    worker = dramatiq.Worker(engine.broker, queues=queues or None, worker_threads=threads) if queues else None
    jobs = [p for p in engine.registry.periodic() if p.role in roles]
    scheduler = Scheduler(engine, jobs)
    log.info("engine worker %s: queues %s, periodic %s, %d threads", engine.holder, sorted(queues),
             [j.name for j in jobs], threads)
    if worker is not None:
        worker.start()
    ticker = threading.Thread(target=scheduler.run_forever, args=(stop,), name="scheduler", daemon=True)
    ticker.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        stop.set()
        ticker.join(timeout=10)
        if worker is not None:
            worker.stop()
        engine.close()


def status(engine: Engine) -> dict[str, Any]:
    """What `cauce jobs status` prints: queue depths (ready, delayed, dead letters) and leases."""
    from cauce.runtime.models import JobLease

    depths: list[QueueDepth] = [queue_depth(engine.broker, q) for q in engine.queues()]
    now = utcnow()
    with engine.db.read_session() as session:
        held = [{"name": row.name, "holder": row.holder, "expires_at": row.expires_at.isoformat(),
                 "live": row.expires_at >= now}
                for row in session.scalars(select(JobLease).order_by(JobLease.name))]
    return {"broker": type(engine.broker).__name__, "queues": [d.as_dict() for d in depths], "leases": held}
