"""Background jobs of the audit log: the signed checkpoint of the chain's head."""

from __future__ import annotations

from cauce.config import Settings, get_settings
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.vocabulary import JobRole


def checkpoint(ctx: JobContext) -> int | None:
    """At most one checkpoint per CAUCE_AUDIT_CHECKPOINT_SECONDS (`anchor.write_checkpoint` decides)."""
    from cauce.audit import anchor

    with ctx.db.session() as session:
        point = anchor.write_checkpoint(session)
        return point.number if point else None


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    registry.add(Periodic("audit.checkpoint", (settings or get_settings()).sla_check_seconds, JobRole.sweep,
                          checkpoint))
