"""Issue #16: every job the runtime runs is observed — its log lines carry the job's name and id,
and cauce_job_runs / cauce_job_duration_seconds count it (ok or error)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cauce.db import Database
from cauce.jobspec import JobContext, Periodic, Task
from cauce.observability import logs, metrics
from cauce.runtime.local import LocalExecutor
from cauce.runtime.registry import Registry
from cauce.vocabulary import JobRole


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(logs.ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _runs(job: str, outcome: str) -> float:
    return metrics.JOB_RUNS.labels(job, outcome)._value.get()


def test_tasks_and_periodic_runs_are_logged_with_their_ids_and_counted(sqlite_db: Database) -> None:
    log = logging.getLogger("cauce.test.jobs")

    def task(ctx: JobContext, payload: dict[str, Any]) -> object:
        log.warning("tarea %s", payload["n"])
        if payload["n"] < 0:
            raise ValueError("negativo")
        return payload["n"]

    def tick(ctx: JobContext) -> object:
        log.warning("periódico")
        return None

    registry = Registry()
    registry.add(Task("test.obs_task", JobRole.stream, task, order_key=lambda p: "org:1"))
    registry.add(Periodic("test.obs_tick", 60, JobRole.sweep, tick))
    executor = LocalExecutor(sqlite_db, registry, [JobRole.stream, JobRole.sweep])
    recorder = Recorder()
    log.addHandler(recorder)
    before = (_runs("test.obs_task", "ok"), _runs("test.obs_task", "error"), _runs("test.obs_tick", "ok"))
    try:
        executor.submit("test.obs_task", {"n": 1})
        with pytest.raises(ValueError):
            executor.submit("test.obs_task", {"n": -1})
        assert executor.tick(registry.periodic()[0]) == (True, None)
    finally:
        log.removeHandler(recorder)
    after = (_runs("test.obs_task", "ok"), _runs("test.obs_task", "error"), _runs("test.obs_tick", "ok"))
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    jobs = [(r.job, r.getMessage()) for r in recorder.records]  # type: ignore[attr-defined]
    assert jobs == [("test.obs_task", "tarea 1"), ("test.obs_task", "tarea -1"), ("test.obs_tick", "periódico")]
    ids = [r.job_id for r in recorder.records]  # type: ignore[attr-defined]
    assert all(ids) and len(set(ids)) == 3  # one id per run
