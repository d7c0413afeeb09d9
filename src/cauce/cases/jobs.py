"""Background jobs of cases: the SLA check (breaches, warnings, escalation) and the assignees' SLA warnings."""

from __future__ import annotations

from typing import Any

from cauce.cases import service, sla_warnings
from cauce.config import Settings, get_settings
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.vocabulary import JobRole


def check_sla(ctx: JobContext) -> dict[str, Any]:
    with ctx.db.session() as session:
        return service.check_sla(session).__dict__


def warn_assignees(ctx: JobContext) -> dict[str, Any]:
    with ctx.db.session() as session:
        return sla_warnings.warn_assignees(session).as_dict()


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    registry.add(Periodic("cases.sla", settings.sla_check_seconds, JobRole.sweep, check_sla))
    registry.add(Periodic("cases.sla_warnings", settings.sla_check_seconds, JobRole.sweep, warn_assignees))
