"""Background jobs of corrections: retrain the triage adapter of organisations with enough new corrections.

The periodic pass only finds who is due and submits one `corrections.retrain_org` task each; an
organisation's retraining never runs twice at once (its order key)."""

from __future__ import annotations

import logging
from typing import Any

from cauce.config import Settings, get_settings
from cauce.errors import CauceError
from cauce.jobspec import JobContext, JobRegistry, Periodic, Task
from cauce.vocabulary import JobRole

log = logging.getLogger(__name__)


def retrain_due(ctx: JobContext) -> list[int]:
    from cauce.corrections import training

    with ctx.db.read_session() as session:
        due = training.due(session)
    for organisation_id in due:
        ctx.submit("corrections.retrain_org", {"organisation_id": organisation_id})
    return due


def retrain_org(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    from cauce.corrections import training

    organisation_id = int(payload["organisation_id"])
    with ctx.db.session() as session:
        if organisation_id not in training.due(session):
            return {"skipped": "not due"}  # another process trained it since the message was sent
        try:
            with session.begin_nested():
                run = training.train_organisation(session, organisation_id=organisation_id, trigger="worker")
        except CauceError as exc:  # e.g. no corpus to guard with: say so, keep going
            log.warning("adapter of organisation %s not trained: %s", organisation_id, exc.message)
            return {"error": exc.message}
        return {"version": run.version, "accepted": run.accepted}


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    every = (settings or get_settings()).sla_check_seconds
    registry.add(Periodic("corrections.retrain", every, JobRole.retrain, retrain_due))
    registry.add(Task("corrections.retrain_org", JobRole.retrain, retrain_org,
                      order_key=lambda payload: str(payload["organisation_id"])))
