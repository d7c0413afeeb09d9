"""The registry of background jobs: every feature's `jobs.register(registry)` adds to one of these."""

from __future__ import annotations

from collections.abc import Callable

from cauce.jobspec import JobContext, Periodic, Task, periodic_lease

__all__ = ["JobContext", "Periodic", "Registry", "Task", "periodic_lease"]


class Registry:
    def __init__(self) -> None:
        self._periodic: dict[str, Periodic] = {}
        self._tasks: dict[str, Task] = {}
        self._on_stop: list[Callable[[str], object]] = []

    def add(self, job: Periodic | Task) -> None:
        jobs: dict[str, Periodic] | dict[str, Task] = self._periodic if isinstance(job, Periodic) else self._tasks
        if job.name in self._periodic or job.name in self._tasks:
            raise ValueError(f"job {job.name!r} registered twice")
        jobs[job.name] = job  # type: ignore[assignment]

    def periodic(self) -> list[Periodic]:
        return list(self._periodic.values())

    def tasks(self) -> dict[str, Task]:
        return dict(self._tasks)

    def on_stop(self, callback: Callable[[str], object]) -> None:
        """`callback(holder)` runs when an executor of this registry stops (e.g. close stream threads)."""
        self._on_stop.append(callback)

    def stop_callbacks(self) -> list[Callable[[str], object]]:
        return list(self._on_stop)
