"""Live inbox: one watcher per process tails the audit log and fans case ids out to subscribers.

Every change to a case is audited, so the audit log is the change feed. The watcher runs one
cheap query on the primary key (`max(audit_events.id)`) every `interval` seconds, shared by all
open inboxes; only when it moves does it read the new events' (case, brand) pairs. Each
subscriber gets the ids of the cases it may see and re-fetches just those rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select

from cauce.audit.models import AuditEvent
from cauce.db import Database, Outage

log = logging.getLogger(__name__)

MAX_EVENTS_PER_TICK = 5000


@dataclass(eq=False)
class Subscriber:
    brand_ids: frozenset[int] | None
    queue: asyncio.Queue[set[int]] = field(default_factory=lambda: asyncio.Queue(maxsize=100))

    def offer(self, changes: list[tuple[int, int | None]]) -> None:
        ids = {case_id for case_id, brand_id in changes
               if self.brand_ids is None or (brand_id is not None and brand_id in self.brand_ids)}
        if not ids:
            return
        with contextlib.suppress(asyncio.QueueFull):  # a stalled browser: drop, never grow without bound
            self.queue.put_nowait(ids)


class CaseBroadcaster:
    def __init__(self, db: Database, interval: float = 0.3) -> None:
        self.db = db
        self.interval = interval
        self.subscribers: set[Subscriber] = set()
        self.last_id: int | None = None
        self._task: asyncio.Task[None] | None = None

    def _max_id(self) -> int:
        with self.db.read_session() as session:
            return session.scalar(select(func.max(AuditEvent.id))) or 0

    def _changes_since(self, last_id: int) -> tuple[int, list[tuple[int, int | None]]]:
        with self.db.read_session() as session:
            rows = session.execute(
                select(AuditEvent.id, AuditEvent.case_id, AuditEvent.brand_id)
                .where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(MAX_EVENTS_PER_TICK)
            ).all()
        newest = rows[-1].id if rows else last_id
        return newest, [(r.case_id, r.brand_id) for r in rows if r.case_id is not None]

    def poll_once(self) -> list[tuple[int, int | None]]:
        """One tick (blocking): the (case id, brand id) pairs changed since the previous tick."""
        if self.last_id is None:
            self.last_id = self._max_id()
            return []
        if self._max_id() <= self.last_id:
            return []
        self.last_id, changes = self._changes_since(self.last_id)
        return changes

    async def _run(self) -> None:
        # A database hiccup must not end live updates for everyone: wait it out with backoff.
        outage = Outage("live inbox watcher", logger=log)
        while self.subscribers:
            changes = await asyncio.to_thread(outage.run, self.poll_once) or []
            for subscriber in list(self.subscribers):
                subscriber.offer(changes)
            await asyncio.sleep(outage.wait_s(self.interval))
        self._task = None

    def subscribe(self, brand_ids: frozenset[int] | None) -> Subscriber:
        subscriber = Subscriber(brand_ids)
        self.subscribers.add(subscriber)
        if self._task is None or self._task.done():
            self.last_id = None
            self._task = asyncio.get_running_loop().create_task(self._run())
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def stop(self) -> None:
        self.subscribers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
