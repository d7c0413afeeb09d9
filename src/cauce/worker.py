"""`cauce worker`: this process runs the background jobs of its roles (CAUCE_JOBS, default all).

The jobs themselves live with their features (`<feature>/jobs.py`) and are collected by the
composition root `cauce.runtime`; this module only starts an executor. Without a broker it is the
local one (`cauce.runtime.local`): periodic jobs under database leases, so several workers (and
`cauce serve`) on one database run each job once per interval.
"""

from __future__ import annotations

import logging
from typing import Any

from cauce.config import Settings
from cauce.db import Database
from cauce.vocabulary import JobRole

log = logging.getLogger(__name__)

SWEEP_ROLES = (JobRole.sweep, JobRole.retrain)


def sweep(db: Database, settings: Settings | None = None) -> dict[str, Any]:
    """One pass of the time-driven checks (SLA, identity, retention, audit checkpoint, crisis watch,
    adapter retraining), in this process and regardless of leases; keyed by job name."""
    from cauce.runtime import local_executor

    return local_executor(db, settings, roles=SWEEP_ROLES).run_once()


def run_worker(db: Database, settings: Settings, *, once: bool = False) -> None:
    from cauce.runtime import local_executor

    executor = local_executor(db, settings)
    if once:
        # Every periodic job once, whatever CAUCE_JOBS says; live streams are no one-off job.
        try:
            print(executor.run_once([role for role in JobRole if role != JobRole.stream]))
        finally:
            executor.stop()
        return
    if not executor.roles:
        log.warning("CAUCE_JOBS is none: this worker has nothing to run")
    executor.run_forever()
