"""The composition root of background work (#16): every feature registers its jobs here.

`build_registry()` imports each feature's `jobs.register`; an executor runs the jobs of the roles
a process was given (CAUCE_JOBS): `runtime.local` in process (the embedded default, no extra
service), `runtime.engine` over a broker (CAUCE_BROKER_URL). Like `cauce.web`, this package sits on
top of the features: none of them imports it (tests/test_layering.py).
"""

from __future__ import annotations

from cauce.config import Settings, get_settings
from cauce.runtime.registry import JobContext, Periodic, Registry, Task
from cauce.vocabulary import JobRole

__all__ = ["ALL_ROLES", "JobContext", "JobRole", "Periodic", "Registry", "Task", "build_registry", "parse_roles"]

ALL_ROLES = frozenset(JobRole)


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


def parse_roles(spec: str) -> frozenset[JobRole]:
    """CAUCE_JOBS: `all`, `none`/empty, or a comma list of roles (outbox, poll, stream, sweep, metrics, retrain)."""
    words = [w.strip().lower() for w in spec.split(",") if w.strip()]
    if not words or words == ["none"]:
        return frozenset()
    if words == ["all"]:
        return ALL_ROLES
    unknown = [w for w in words if w not in JobRole.__members__]
    if unknown:
        raise ValueError(f"unknown job role(s) {', '.join(unknown)}; use all, none or a comma list of "
                         f"{', '.join(JobRole)}")
    return frozenset(JobRole(w) for w in words)
