"""Background jobs of people: identity proposals and the retention sweep."""

from __future__ import annotations

from typing import Any

from cauce.config import Settings, get_settings
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.vocabulary import JobRole


def identity_sweep(ctx: JobContext) -> dict[str, Any]:
    """Identity proposals read only what arrived since the last pass: ingest never waits for them."""
    from cauce.people import identity

    with ctx.db.session() as session:
        return identity.sweep(session).as_dict()


def retention_sweep(ctx: JobContext) -> dict[str, Any]:
    """Closed cases past their brand's retention period are anonymised."""
    from cauce.people import privacy

    with ctx.db.session() as session:
        return privacy.retention_sweep(session).model_dump()


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    every = (settings or get_settings()).sla_check_seconds
    registry.add(Periodic("people.identity", every, JobRole.sweep, identity_sweep))
    registry.add(Periodic("people.retention", every, JobRole.sweep, retention_sweep))
