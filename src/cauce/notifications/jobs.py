"""Background jobs of notifications: the pending notification e-mails (SLA warnings come from cases)."""

from __future__ import annotations

from typing import Any

from cauce.config import Settings, get_settings
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.notifications import service
from cauce.vocabulary import JobRole


def send_emails(ctx: JobContext, *, base_url: str) -> dict[str, Any]:
    with ctx.db.session() as session:
        return service.deliver_emails(session, base_url=base_url).as_dict()


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    base_url = settings.base_url
    registry.add(Periodic("notifications.email", settings.sla_check_seconds, JobRole.sweep,
                          lambda ctx: send_emails(ctx, base_url=base_url)))
