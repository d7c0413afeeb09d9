"""The composition root of background work (#16): every feature registers its jobs here.

`build_registry()` imports each feature's `jobs.register`; an executor runs the jobs of the roles
a process was given (CAUCE_JOBS): `runtime.local` in process (the embedded default, no extra
service), `runtime.engine` over a broker (CAUCE_BROKER_URL). Like `cauce.web`, this package sits on
top of the features: none of them imports it (tests/test_layering.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cauce.config import Settings, get_settings, parse_roles
from cauce.runtime.registry import JobContext, Periodic, Registry, Task
from cauce.vocabulary import JobRole

if TYPE_CHECKING:
    from cauce.db import Database
    from cauce.runtime.local import LocalExecutor

__all__ = ["ALL_ROLES", "JobContext", "JobRole", "Periodic", "Registry", "Task", "build_registry", "local_executor",
           "parse_roles"]

ALL_ROLES = frozenset(JobRole)


def local_executor(db: Database, settings: Settings | None = None, roles: Iterable[JobRole] | None = None,
                   *, web: bool = False) -> LocalExecutor:
    """An in-process executor of every registered job, running `roles` (default: CAUCE_JOBS)."""
    from cauce.runtime.local import LocalExecutor

    settings = settings or get_settings()
    chosen = settings.job_roles(web=web) if roles is None else frozenset(roles)
    return LocalExecutor(db, build_registry(settings), chosen)


def build_registry(settings: Settings | None = None) -> Registry:
    from cauce.audit import jobs as audit_jobs
    from cauce.cases import jobs as cases_jobs
    from cauce.connectors import jobs as connectors_jobs
    from cauce.corrections import jobs as corrections_jobs
    from cauce.people import jobs as people_jobs
    from cauce.playbook import jobs as playbook_jobs
    from cauce.replies import jobs as replies_jobs

    settings = settings or get_settings()
    registry = Registry()
    # Registration order is the order of `cauce worker --once` (the old sweep's order).
    for feature in (replies_jobs, connectors_jobs, cases_jobs, people_jobs, audit_jobs, corrections_jobs,
                    playbook_jobs):
        feature.register(registry, settings)
    registry.on_stop(connectors_jobs.stop_streams)
    return registry
