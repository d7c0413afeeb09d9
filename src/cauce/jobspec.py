"""What a feature declares about its background work, below every feature (like `cauce.vocabulary`).

A feature's `jobs.py` has `register(registry)` and adds `Periodic` timers and on-demand `Task`s; the
composition root `cauce.runtime` collects them and an executor runs them (in process, `runtime.local`,
or over a broker, `runtime.engine`). Features never import `cauce.runtime`: these types are all they need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cauce.db import Database
from cauce.vocabulary import JobRole


class JobContext(Protocol):
    """What a job sees of the executor running it."""

    db: Database
    holder: str  # this process' id, e.g. f"{hostname}:{pid}:{uuid4().hex[:6]}"

    def submit(self, task: str, payload: dict[str, Any]) -> None:
        """Run the task `task` with `payload` (local: now, in the caller's thread; engine: enqueue)."""

    def claim(self, name: str, ttl_s: float) -> bool:
        """Take or renew the lease `name` for `ttl_s` seconds; True when this holder has it."""


@dataclass(frozen=True)
class Periodic:
    """A timer: every `every_s` ONE process (lease f"periodic:{name}") runs `run(ctx)`."""

    name: str
    every_s: float
    role: JobRole
    run: Callable[[JobContext], object]


@dataclass(frozen=True)
class Task:
    """An on-demand unit of work; `payload` is JSON-serialisable. Messages with the same
    `order_key(payload)` never run concurrently (e.g. one organisation's retraining)."""

    name: str
    role: JobRole
    run: Callable[[JobContext, dict[str, Any]], object]
    order_key: Callable[[dict[str, Any]], str] | None = None


class JobRegistry(Protocol):
    """What a feature's `register(registry)` may call (implemented by `cauce.runtime.registry.Registry`)."""

    def add(self, job: Periodic | Task) -> None: ...


def periodic_lease(name: str) -> str:
    return f"periodic:{name}"
