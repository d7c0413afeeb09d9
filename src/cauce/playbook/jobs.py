"""Background jobs of the playbook: the crisis watch."""

from __future__ import annotations

from typing import Any

from cauce.config import Settings, get_settings
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.vocabulary import JobRole


def crisis_sweep(ctx: JobContext) -> dict[str, Any]:
    from cauce.playbook import crisis

    with ctx.db.session() as session:
        return crisis.crisis_sweep(session).as_dict()


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    registry.add(Periodic("playbook.crisis", (settings or get_settings()).sla_check_seconds, JobRole.sweep,
                          crisis_sweep))
