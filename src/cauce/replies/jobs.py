"""Background jobs of replies: the outbox delivers queued replies and moderation actions."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from cauce.config import Settings
from cauce.db import utcnow
from cauce.jobspec import JobContext, JobRegistry, Periodic
from cauce.replies import outbox
from cauce.vocabulary import JobRole

OUTBOX_EVERY_S = 2.0

# Rate-limit pauses (channel id → until when) a process remembers between passes.
_paused: dict[int, datetime] = {}
_paused_lock = threading.Lock()


def deliver(ctx: JobContext) -> dict[str, Any]:
    """One outbox pass; each reply is claimed in its own row (`outbox._claim`), so passes of two
    processes never send one reply twice."""
    now = utcnow()
    with _paused_lock:
        for key in [k for k, until in _paused.items() if until <= now]:
            del _paused[key]
        return outbox.deliver_due(ctx.db.session, now=now, paused=_paused).as_dict()


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    registry.add(Periodic("replies.outbox", OUTBOX_EVERY_S, JobRole.outbox, deliver))
