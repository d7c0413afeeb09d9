from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator

from websockets.asyncio.server import serve

from cauce.connectors.backoff import Backoff
from cauce.connectors.jetstream import JetstreamFilter, consume
from cauce.connectors.streaming import StreamBatch, run_stream
from cauce.connectors.terms import TermMatcher
from cauce.mentions.schemas import MentionIn
from connectors.fakes.fake_jetstream import FakeJetstream, post_event


def test_jetstream_batches_and_cursor_are_handed_to_sync_code() -> None:
    fake = FakeJetstream()
    texts = ["moviplus uno", "nada", "otra cosa", "moviplus dos", "fin"]
    fake.events = [json.dumps(post_event(f"did:plc:u{i}", 500 + i, t)) for i, t in enumerate(texts)]
    batches: list[StreamBatch] = []
    stop = threading.Event()
    ready = threading.Event()
    port: list[int] = []

    async def server() -> None:
        async with serve(fake.handler, "127.0.0.1", 0) as srv:
            port.append(srv.sockets[0].getsockname()[1])
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(server()), daemon=True)
    thread.start()
    assert ready.wait(5)
    filt = JetstreamFilter(brand="moviplus", matcher=TermMatcher(["moviplus"]))

    def handle(batch: StreamBatch) -> None:
        batches.append(batch)
        if batch.cursor.get("time_us") == 504:
            stop.set()

    run_stream(
        lambda: consume(filt, url=f"ws://127.0.0.1:{port[0]}/subscribe", backoff=Backoff(base_s=0.01, cap_s=0.01)),
        cursor=lambda: {"time_us": filt.cursor},
        handle=handle,
        stop=stop,
        max_batch=10,
        max_wait_s=0.2,
    )
    thread.join(5)
    assert [m.text for b in batches for m in b.mentions] == ["moviplus uno", "moviplus dos"]
    assert batches[-1].cursor == {"time_us": 504}


def test_source_that_ends_is_flushed_and_run_returns() -> None:
    async def source() -> AsyncIterator[MentionIn]:
        for i in range(3):
            yield MentionIn.model_validate(
                {
                    "id": str(i),
                    "created_at": "2026-11-23T08:00:00Z",
                    "channel": "mastodon",
                    "brand": "b",
                    "author": {"handle": "@a"},
                    "text": f"t{i}",
                }
            )
        raise OSError("stream closed")

    batches: list[StreamBatch] = []
    run_stream(source, cursor=lambda: {}, handle=batches.append, stop=threading.Event(), max_batch=2, max_wait_s=5)
    assert [[m.id for m in b.mentions] for b in batches] == [["0", "1"], ["2"]]
