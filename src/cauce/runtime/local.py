"""The local executor: runs the registry's jobs inside this process (the embedded default).

Periodic jobs tick on a timer, one thread per role; each tick takes the job's lease
(`periodic:<name>`, for `every_s`) so any number of processes on one database run it once per
interval. `submit` runs a task inline in the caller's thread (tasks with the same order key never
run at the same time in this process). `cauce worker` and the web app (for the roles of CAUCE_JOBS)
start one; `cauce worker --once` calls `run_once`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from cauce.db import Database, Outage
from cauce.jobspec import Periodic, periodic_lease
from cauce.observability.jobs import observe_job
from cauce.runtime import leases
from cauce.runtime.registry import Registry
from cauce.vocabulary import JobRole

log = logging.getLogger(__name__)

# The longest a loop sleeps between looking at its jobs (so `stop` is prompt and new leases are seen).
MAX_SLEEP_S = 1.0


class LocalExecutor:
    def __init__(self, db: Database, registry: Registry, roles: Iterable[JobRole], *,
                 holder: str | None = None) -> None:
        self.db = db
        self.registry = registry
        self.roles = frozenset(roles)
        self.holder = holder or leases.new_holder()
        self._tasks = registry.tasks()
        self._order_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- JobContext --------------------------------------------------------------------------

    def claim(self, name: str, ttl_s: float) -> bool:
        return leases.claim(self.db, name, self.holder, ttl_s)

    def release(self, name: str) -> bool:
        return leases.release(self.db, name, self.holder)

    def submit(self, task: str, payload: dict[str, Any]) -> None:
        job = self._tasks.get(task)
        if job is None:
            raise KeyError(f"no task {task!r} registered")
        if job.order_key is None:
            with observe_job(task):
                job.run(self, payload)
            return
        key = job.order_key(payload)
        with self._locks_guard:
            lock = self._order_locks.setdefault(f"{task}:{key}", threading.Lock())
        with lock, observe_job(task):
            job.run(self, payload)

    # --- running -----------------------------------------------------------------------------

    def jobs(self, roles: Iterable[JobRole] | None = None) -> list[Periodic]:
        wanted = self.roles if roles is None else frozenset(roles)
        return [job for job in self.registry.periodic() if job.role in wanted]

    def tick(self, job: Periodic) -> tuple[bool, Any]:
        """Claim `job` for one interval and, when this process got it, run it: (ran, result)."""
        if not self.claim(periodic_lease(job.name), job.every_s):
            return False, None
        with observe_job(job.name):
            return True, job.run(self)

    def run_once(self, roles: Iterable[JobRole] | None = None, *, force: bool = True) -> dict[str, Any]:
        """Every periodic job of `roles` once, in registration order (`cauce worker --once`).

        `force`: run even when another process holds the job's lease (an operator asked for it)."""
        out: dict[str, Any] = {}
        for job in self.jobs(roles):
            if force:
                with observe_job(job.name):
                    out[job.name] = job.run(self)
                continue
            ran, result = self.tick(job)
            out[job.name] = result if ran else "held elsewhere"
        return out

    def start(self) -> None:
        """One daemon thread per role that has jobs; returns at once."""
        by_role: dict[JobRole, list[Periodic]] = {}
        for job in self.jobs():
            by_role.setdefault(job.role, []).append(job)
        for role, jobs in by_role.items():
            thread = threading.Thread(target=self._loop, args=(role, jobs), name=f"jobs-{role}", daemon=True)
            self._threads.append(thread)
            thread.start()
        log.info("local executor %s runs %s", self.holder, ", ".join(sorted(by_role)) or "nothing")

    def _loop(self, role: JobRole, jobs: list[Periodic]) -> None:
        outage = Outage(f"background jobs ({role})", logger=log)
        next_at = {job.name: 0.0 for job in jobs}  # every job ticks once right away
        while not self._stop.is_set():
            for job in jobs:
                if self._stop.is_set():
                    break
                if time.monotonic() < next_at[job.name]:
                    continue
                # A bad pass or a database outage never ends the loop; an outage stretches the waits.
                outage.run(lambda job=job: self.tick(job))  # type: ignore[misc]
                next_at[job.name] = time.monotonic() + outage.wait_s(job.every_s)
            wait = min(next_at.values()) - time.monotonic()
            self._stop.wait(min(MAX_SLEEP_S, max(0.05, wait)))

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads = []
        for callback in self.registry.stop_callbacks():
            try:
                callback(self.holder)
            except Exception:
                log.exception("stopping the jobs of %s failed", self.holder)

    def run_forever(self) -> None:
        """`start`, then block until interrupted (Ctrl+C / SIGTERM), then `stop`."""
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()
