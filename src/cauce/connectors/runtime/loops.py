"""The background loops: outbox delivery, polling, live streams and metric refresh, for `cauce worker` and the web app.

`run_forever(db, settings)` is the blocking worker loop; `install_hooks(app)` runs the same
passes as asyncio tasks inside the web server (each pass in a thread, the database does the locking).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime
from typing import Any

from cauce.config import Settings
from cauce.connectors.runtime.metrics import refresh_open_metrics
from cauce.connectors.runtime.polling import poll_due
from cauce.connectors.runtime.streams import Streams
from cauce.db import Database, Outage, utcnow
from cauce.replies import outbox

log = logging.getLogger(__name__)

OUTBOX_EVERY_S = 2.0
POLL_EVERY_S = 5.0
METRICS_EVERY_S = 900.0


class Runtime:
    """State a long-running worker keeps between passes (rate-limit pauses, last metric refresh)."""

    def __init__(self) -> None:
        self.paused: dict[int, datetime] = {}
        self.last_metrics = 0.0

    def outbox_pass(self, db: Database) -> outbox.OutboxRun:
        now = utcnow()
        self.paused = {k: v for k, v in self.paused.items() if v > now}
        return outbox.deliver_due(db.session, now=now, paused=self.paused)

    def poll_pass(self, db: Database) -> int:
        return len(poll_due(db, utcnow()))

    def metrics_pass(self, db: Database, *, force: bool = False) -> None:
        if force or time.monotonic() - self.last_metrics >= METRICS_EVERY_S:
            self.last_metrics = time.monotonic()
            refresh_open_metrics(db)


def _safely(what: str, func: Any, *args: Any, outage: Outage | None = None) -> Any:
    """`func(*args)`, or None once the failure is logged: a loop must outlive one bad pass, and a
    database outage is logged once by `outage` (which also stretches the loop's wait)."""
    return (outage or Outage(what, logger=log)).run(lambda: func(*args))


def run_once(db: Database) -> dict[str, Any]:
    """One pass of everything (for `cauce worker --once`): outbox, due polls, metric refresh."""
    runtime = Runtime()
    sent = runtime.outbox_pass(db)
    polled = runtime.poll_pass(db)
    runtime.metrics_pass(db, force=True)
    return {"outbox": sent.as_dict(), "channels_polled": polled}


def run_forever(
    db: Database,
    settings: Settings | None = None,
    *,
    stop: threading.Event | None = None,
    poll: bool = True,
    stream: bool = True,
    streams: Streams | None = None,
) -> None:
    """Deliver the outbox, poll due channels, keep streaming channels connected and refresh metrics
    until `stop` is set (the streams are stopped and joined before returning)."""
    stop = stop or threading.Event()
    runtime = Runtime()
    streams = streams or Streams(db)
    outage = Outage("connector runtime", logger=log)
    last_poll = 0.0
    try:
        while not stop.is_set():
            _safely("outbox", runtime.outbox_pass, db, outage=outage)
            if time.monotonic() - last_poll >= POLL_EVERY_S and not outage.ongoing:
                last_poll = time.monotonic()
                if stream:
                    _safely("streams", streams.sync, outage=outage)
                if poll:
                    _safely("polling", runtime.poll_pass, db, outage=outage)
                    _safely("metrics", runtime.metrics_pass, db, outage=outage)
            stop.wait(outage.wait_s(OUTBOX_EVERY_S))
    finally:
        streams.stop()


async def outbox_hook(app: Any) -> None:
    runtime = Runtime()
    outage = Outage("outbox (web server)", logger=log)
    while True:
        await asyncio.to_thread(_safely, "outbox", runtime.outbox_pass, app.state.db, outage=outage)
        await asyncio.sleep(outage.wait_s(OUTBOX_EVERY_S))


async def polling_hook(app: Any) -> None:
    runtime = Runtime()
    outage = Outage("polling (web server)", logger=log)
    while True:
        await asyncio.sleep(outage.wait_s(POLL_EVERY_S))
        await asyncio.to_thread(_safely, "polling", runtime.poll_pass, app.state.db, outage=outage)
        if not outage.ongoing:
            await asyncio.to_thread(_safely, "metrics", runtime.metrics_pass, app.state.db, outage=outage)
