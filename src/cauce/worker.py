"""The background worker: periodic jobs that keep cases honest when nobody is looking.

Two threads: the SLA/crisis sweeps, and the connector runtime (outbox delivery, channel polling,
metric refresh) from `cauce.connectors.runtime.loops`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from cauce.cases import service as cases
from cauce.config import Settings
from cauce.db import Database, Outage

log = logging.getLogger(__name__)


def sweep(db: Database) -> dict[str, Any]:
    """One pass of the time-driven checks: SLA breaches and escalation, identity proposals, crisis watch."""
    out: dict[str, Any] = {}
    with db.session() as session:
        out["sla"] = cases.check_sla(session).__dict__
    out.update(_notifications(db))
    from cauce.people import identity

    # Identity proposals read only what arrived since the last pass: ingest itself never waits for them.
    with db.session() as session:
        out["identity"] = identity.sweep(session).as_dict()

    out.update(_privacy_and_anchor(db))
    out.update(_adapters(db))
    try:
        from cauce.playbook import crisis
    except ModuleNotFoundError:
        return out
    with db.session() as session:
        out["crisis"] = crisis.crisis_sweep(session).as_dict()
    return out


def _notifications(db: Database) -> dict[str, Any]:
    """SLA-about-to-breach notices for each case's assignee, then the pending notification e-mails."""
    from cauce.config import get_settings
    from cauce.notifications import service as notifications

    with db.session() as session:
        notices = notifications.sla_sweep(session).as_dict()
    with db.session() as session:
        delivery = notifications.deliver_emails(session, base_url=get_settings().base_url).as_dict()
    return {"notifications": {"sla": notices, "email": delivery}}


def _privacy_and_anchor(db: Database) -> dict[str, Any]:
    """Retention (closed cases past their brand's period are anonymised), then an audit checkpoint."""
    from cauce.audit import anchor
    from cauce.people import privacy

    out: dict[str, Any] = {}
    with db.session() as session:
        out["retention"] = privacy.retention_sweep(session).model_dump()
    with db.session() as session:
        point = anchor.write_checkpoint(session)
        out["audit_checkpoint"] = point.number if point else None
    return out


def _adapters(db: Database) -> dict[str, Any]:
    """Retrain the triage adapter of every organisation with enough new corrections (guarded)."""
    try:
        from cauce.corrections import training
    except ModuleNotFoundError:
        return {}
    with db.session() as session:
        return {"adapters": training.retrain_due(session)}


def run_worker(db: Database, settings: Settings, *, once: bool = False) -> None:
    from cauce.connectors.runtime import loops

    if once:
        result = sweep(db)
        result["connectors"] = loops.run_once(db)
        print(result)
        return
    stop = threading.Event()
    runtime = threading.Thread(target=loops.run_forever, args=(db, settings), kwargs={"stop": stop},
                               name="connectors", daemon=True)
    runtime.start()
    outage = Outage("worker sweep", logger=log)
    try:
        while True:
            # Keep sweeping: neither a bad pass nor a database outage stops the worker.
            swept = outage.run(lambda: sweep(db))
            if swept is not None:
                log.info("sweep: %s", swept)
            time.sleep(outage.wait_s(settings.sla_check_seconds))
    finally:
        stop.set()
