"""Background jobs of the connectors: polling due channels, live streams and metric refresh.

Polling is two steps so any number of processes share it: the periodic `connectors.poll_due` lists
the due channels and, for each one it can lease (`poll:channel:<id>`, for the channel's interval),
submits a `connectors.poll_channel` task. A crashed poller's lease expires and the channel, still
due, is taken by the next pass anywhere.
"""

from __future__ import annotations

import threading
from typing import Any

from cauce.config import Settings
from cauce.connectors.runtime import batches, polling
from cauce.connectors.runtime import streams as streams_module
from cauce.connectors.runtime.metrics import refresh_open_metrics
from cauce.connectors.runtime.streams import Streams
from cauce.db import utcnow
from cauce.jobspec import JobContext, JobRegistry, Periodic, Task
from cauce.vocabulary import JobRole

POLL_EVERY_S = 5.0
STREAMS_EVERY_S = 5.0
METRICS_EVERY_S = 900.0
# A stream's lease: renewed every third of it by the process that streams the channel.
STREAM_LEASE_S = 30.0


def poll_lease(channel_id: int) -> str:
    return f"poll:channel:{channel_id}"


def stream_lease(channel_id: int) -> str:
    return f"stream:channel:{channel_id}"


def poll_due(ctx: JobContext) -> dict[str, Any]:
    submitted: list[int] = []
    for channel_id, interval in polling.due_channel_intervals(ctx.db, now=utcnow()):
        if ctx.claim(poll_lease(channel_id), interval):
            ctx.submit("connectors.poll_channel", {"channel_id": channel_id})
            submitted.append(channel_id)
    return {"channels_polled": len(submitted), "channel_ids": submitted}


def poll_channel(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    channel_id = int(payload["channel_id"])
    now = utcnow()
    if not polling.is_due(ctx.db, channel_id, now=now):
        return {"skipped": "not due"}  # a repeated message: the channel was polled since
    return polling.poll_safely(ctx.db, channel_id, now=now).as_dict()


_streams: dict[str, Streams] = {}
_streams_lock = threading.Lock()


def _streams_of(ctx: JobContext) -> Streams:
    with _streams_lock:
        streams = _streams.get(ctx.holder)
        if streams is None:
            release = getattr(ctx, "release", None)
            streams = _streams[ctx.holder] = Streams(
                ctx.db, backoff=streams_module.BACKOFF, max_wait_s=streams_module.MAX_WAIT_S,
                claim=lambda cid: ctx.claim(stream_lease(cid), STREAM_LEASE_S),
                release=(lambda cid: release(stream_lease(cid))) if release is not None else None,
                renew_s=STREAM_LEASE_S / 3,
            )
        return streams


def sync_streams(ctx: JobContext) -> list[int]:
    """Start streams for the channels this process can lease; returns the ids it streams."""
    return _streams_of(ctx).sync()


def stop_streams(holder: str) -> None:
    """Stop the stream threads of `holder` (its executor is stopping)."""
    with _streams_lock:
        streams = _streams.pop(holder, None)
    if streams is not None:
        streams.stop()


def refresh_metrics(ctx: JobContext) -> dict[str, Any]:
    run = refresh_open_metrics(ctx.db)
    return dict(run.__dict__)


def register(registry: JobRegistry, settings: Settings | None = None) -> None:
    registry.add(Periodic("connectors.poll_due", POLL_EVERY_S, JobRole.poll, poll_due))
    registry.add(Task("connectors.poll_channel", JobRole.poll, poll_channel,
                      order_key=lambda payload: str(payload["channel_id"])))
    # A webhook's batch handed to a worker (multi-node web nodes enqueue it; see runtime.engine).
    registry.add(batches.INGEST_BATCH)
    registry.add(Periodic("connectors.streams", STREAMS_EVERY_S, JobRole.stream, sync_streams))
    registry.add(Periodic("connectors.metrics", METRICS_EVERY_S, JobRole.metrics, refresh_metrics))
