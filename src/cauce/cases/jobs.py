"""Background jobs of cases: the SLA check (breaches, warnings, escalation)."""

from __future__ import annotations

from typing import Any

from cauce.cases import service
from cauce.config import Settings, get_settings
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.vocabulary import JobRole


def check_sla(ctx: JobContext) -> dict[str, Any]:
    with ctx.db.session() as session:
        return service.check_sla(session).__dict__


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    registry.add(Periodic("cases.sla", settings.sla_check_seconds, JobRole.sweep, check_sla))
