"""The background worker: periodic jobs that keep cases honest when nobody is looking."""

from __future__ import annotations

import logging
import time

from cauce.cases import service as cases
from cauce.config import Settings
from cauce.db import Database

log = logging.getLogger(__name__)


def run_worker(db: Database, settings: Settings, *, once: bool = False) -> None:
    while True:
        with db.session() as session:
            sweep = cases.check_sla(session)
        log.info("SLA sweep: %s", sweep)
        if once:
            print(f"SLA: {sweep.checked} casos revisados, {sweep.breached} vencidos, {sweep.escalated} escalados")
            return
        time.sleep(settings.sla_check_seconds)
