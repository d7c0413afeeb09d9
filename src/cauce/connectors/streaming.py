"""Run a live stream (Jetstream, Mastodon streaming) from synchronous code, in batches.

The stream is consumed on its own asyncio loop; mentions are handed to `handle` in batches of at
most `max_batch`, or every `max_wait_s` even when nothing matched, so a cursor that advances on
every event (Jetstream's time_us) is persisted regularly. `handle` runs in a worker thread
(database work) while the socket keeps being read. Setting `stop` ends the run cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from cauce.mentions.schemas import MentionIn

log = logging.getLogger(__name__)


@dataclass
class StreamBatch:
    mentions: list[MentionIn]
    cursor: dict[str, Any]


def run_stream(
    source: Callable[[], AsyncIterator[MentionIn]],
    *,
    cursor: Callable[[], dict[str, Any]],
    handle: Callable[[StreamBatch], None],
    stop: threading.Event,
    max_batch: int = 100,
    max_wait_s: float = 1.0,
) -> None:
    asyncio.run(_run(source, cursor, handle, stop, max(1, max_batch), max(0.05, max_wait_s)))


async def _run(
    source: Callable[[], AsyncIterator[MentionIn]],
    cursor: Callable[[], dict[str, Any]],
    handle: Callable[[StreamBatch], None],
    stop: threading.Event,
    max_batch: int,
    max_wait_s: float,
) -> None:
    queue: asyncio.Queue[MentionIn | None] = asyncio.Queue(maxsize=10 * max_batch)

    async def pump() -> None:
        try:
            async for mention in source():
                await queue.put(mention)
        finally:
            await queue.put(None)  # the source ended (or failed): flush and finish

    task = asyncio.create_task(pump())
    pending: list[MentionIn] = []
    last_cursor: dict[str, Any] | None = None
    finished = False
    loop = asyncio.get_running_loop()
    try:
        while not finished and not stop.is_set():
            deadline = loop.time() + max_wait_s
            while len(pending) < max_batch and not stop.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=min(remaining, 0.2))
                except TimeoutError:
                    continue
                if item is None:
                    finished = True
                    break
                pending.append(item)
            now_cursor = cursor()
            if pending or now_cursor != last_cursor:
                await asyncio.to_thread(handle, StreamBatch(pending, dict(now_cursor)))
                pending, last_cursor = [], now_cursor
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.warning("stream ended with %s", type(task.exception()).__name__)
