"""The worker streams live channels: Jetstream with its persisted cursor and Mastodon's streaming API,
ingested as cases, reconnecting after drops and resuming after a restart without duplicates."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from websockets.asyncio.server import serve as ws_serve

from cauce.audit.service import SYSTEM
from cauce.brands.models import ChannelAccount
from cauce.connectors import construction
from cauce.connectors.backoff import Backoff
from cauce.connectors.runtime.streams import Streams, streamable_channels
from cauce.db import Database
from cauce.mentions.models import Mention
from connectors.fakes.fake_jetstream import FakeJetstream, post_event
from connectors.fakes.fake_mastodon import TOKEN, FakeMastodon, account
from connectors.fakes.serving import serve
from connectors.runtime.recording import TEST_KEY
from helpers import make_brand, scripted_triage

FAST = Backoff(base_s=0.05, cap_s=0.2)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    with scripted_triage():
        yield


@pytest.fixture
def jetstream() -> Iterator[tuple[FakeJetstream, str]]:
    fake = FakeJetstream()
    ready, done = threading.Event(), threading.Event()
    port: list[int] = []

    async def server() -> None:
        async with ws_serve(fake.handler, "127.0.0.1", 0) as srv:
            port.append(srv.sockets[0].getsockname()[1])
            ready.set()
            while not done.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(server()), daemon=True)
    thread.start()
    assert ready.wait(5)
    yield fake, f"ws://127.0.0.1:{port[0]}/subscribe"
    done.set()
    thread.join(5)


def _jetstream_channel(db: Database, url: str, *, healthy: bool = True) -> int:
    brand = make_brand(db, search_terms=["moviplus"])
    with db.session() as s:
        row = ChannelAccount(brand_id=brand.id, kind="jetstream", name="Jetstream", base_url=url,
                             settings={}, cursor={}, enabled=True, healthy=healthy)
        s.add(row)
        s.flush()
        return row.id


def _row(db: Database, channel_id: int) -> ChannelAccount:
    with db.session() as s:
        row = s.get(ChannelAccount, channel_id)
        assert row is not None
        return row


def _mentions(db: Database) -> list[tuple[str, int | None]]:
    with db.read_session() as s:
        return [(m.text, m.case_id) for m in s.scalars(select(Mention).order_by(Mention.id))]


def _run_worker(db: Database, until: Callable[[], bool], *, timeout_s: float = 20.0) -> bool:
    """Run the worker loop (outbox, polling, streams) until `until()` holds or time runs out."""
    from unittest import mock

    from cauce.connectors.runtime import streams as streams_module
    from cauce.runtime import local_executor

    with mock.patch.object(streams_module, "BACKOFF", FAST), mock.patch.object(streams_module, "MAX_WAIT_S", 0.1):
        before = set(threading.enumerate())
        executor = local_executor(db)  # every role, as `cauce worker` runs them
        executor.start()
        try:
            return _wait(until, timeout_s)
        finally:
            executor.stop()
            assert not [t for t in set(threading.enumerate()) - before if t.name.startswith(("jobs-", "stream-"))], \
                "the worker did not stop"


def _wait(until: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    reached = False
    while time.monotonic() < deadline and not (reached := until()):
        time.sleep(0.1)
    time.sleep(0.3)  # let a late batch (and its cursor) land before stopping
    return reached


def _events(start: int, texts: list[str]) -> list[str]:
    return [json.dumps(post_event(f"did:plc:u{start + i}", start + i, t)) for i, t in enumerate(texts)]


def test_jetstream_channel_is_streamed_into_cases_and_resumes_after_restart(
    db: Database, jetstream: tuple[FakeJetstream, str]
) -> None:
    fake, url = jetstream
    fake.events = _events(1000, ["moviplus me cobró dos veces", "hoy llueve", "sin señal de moviplus", "nada"])
    fake.close_after = 2  # the first connection drops mid-stream: the worker reconnects from the cursor
    cid = _jetstream_channel(db, url)

    assert _run_worker(db, lambda: len(_mentions(db)) == 2 and _row(db, cid).cursor == {"time_us": 1003})
    got = _mentions(db)
    assert [text for text, _ in got] == ["moviplus me cobró dos veces", "sin señal de moviplus"]
    assert all(case_id is not None for _, case_id in got)
    row = _row(db, cid)
    assert row.cursor == {"time_us": 1003} and row.healthy and row.last_error is None  # never polled
    assert len(fake.connections) >= 2 and fake.connections[1]["cursor"] == ["1001"]

    # A restart: the new connection starts at the persisted cursor; the replayed instant is no duplicate.
    fake.events += _events(1004, ["moviplus caído en Cali", "otra cosa"])
    seen = len(fake.connections)
    assert _run_worker(db, lambda: len(_mentions(db)) == 3 and _row(db, cid).cursor == {"time_us": 1005})
    assert fake.connections[seen]["cursor"] == ["1003"]
    texts = [text for text, _ in _mentions(db)]
    assert texts == ["moviplus me cobró dos veces", "sin señal de moviplus", "moviplus caído en Cali"]
    with db.read_session() as s:
        assert s.scalar(select(func.count(func.distinct(Mention.external_id)))) == 3


def test_unhealthy_or_disabled_channels_are_not_streamed(db: Database, jetstream: tuple[FakeJetstream, str]) -> None:
    fake, url = jetstream
    fake.events = _events(1, ["moviplus uno"])
    cid = _jetstream_channel(db, url, healthy=False)
    assert streamable_channels(db) == []
    streams = Streams(db, backoff=FAST)
    assert streams.sync() == []
    with db.session() as s:
        row = s.get(ChannelAccount, cid)
        assert row is not None
        row.healthy, row.enabled = True, False
    assert streams.sync() == [] and fake.connections == []
    with db.session() as s:
        row = s.get(ChannelAccount, cid)
        assert row is not None
        row.enabled = True
    assert streams.sync() == [cid]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_mentions(db)) < 1:
        time.sleep(0.05)
    # Disabled while streaming: the next sync stops its thread.
    with db.session() as s:
        row = s.get(ChannelAccount, cid)
        assert row is not None
        row.enabled = False
    thread, _ = streams.running[cid]
    streams.sync()
    thread.join(5)
    assert not thread.is_alive() and streams.sync() == []
    streams.stop()
    assert [text for text, _ in _mentions(db)] == ["moviplus uno"]


@pytest.fixture
def mastodon() -> Iterator[tuple[FakeMastodon, str]]:
    server = FakeMastodon()
    with serve(server.app()) as url:
        yield server, url


def test_mastodon_channel_with_stream_setting_is_streamed_into_cases(
    db: Database, mastodon: tuple[FakeMastodon, str]
) -> None:
    fake, url = mastodon
    brand = make_brand(db)
    with db.session() as s:
        streamed = construction.add_channel(s, brand=brand, kind="mastodon", name="En vivo", base_url=url,
                                        credentials={"access_token": TOKEN}, settings={"stream": True},
                                        actor=SYSTEM).id
        construction.add_channel(s, brand=brand, kind="mastodon", name="Solo sondeo", base_url=url,
                             credentials={"access_token": TOKEN}, actor=SYSTEM)
    assert streamable_channels(db) == [streamed]
    ana = account("ana@otra.example", id="501", name="Ana Pérez", followers=1234)
    status = fake.add_status(ana, "<p>@conectel llevo tres días sin internet</p>", notify=False)
    fake.stream_events += [
        {"stream": ["user:notification"], "event": "notification",
         "payload": json.dumps({"id": "91", "type": "favourite", "account": ana, "status": status})},
        {"stream": ["user:notification"], "event": "notification",
         "payload": json.dumps({"id": "92", "type": "mention", "account": ana, "status": status})},
    ]
    assert _run_worker(db, lambda: len(_mentions(db)) == 1)
    got = _mentions(db)
    assert [text for text, _ in got] == ["@conectel llevo tres días sin internet"] and got[0][1] is not None
    assert _row(db, streamed).healthy


def test_expired_token_marks_the_channel_unhealthy_and_ends_its_stream(
    db: Database, mastodon: tuple[FakeMastodon, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections.abc import AsyncIterator

    from cauce.connectors.base import AuthExpired
    from cauce.connectors.runtime import streams as streams_module
    from cauce.mentions.schemas import MentionIn

    _, url = mastodon
    brand = make_brand(db)
    with db.session() as s:
        cid = construction.add_channel(s, brand=brand, kind="mastodon", base_url=url,
                                       credentials={"access_token": TOKEN}, settings={"stream": True},
                                       actor=SYSTEM).id

    async def refused() -> AsyncIterator[MentionIn]:
        raise AuthExpired("mastodon: el streaming rechazó el token")
        yield  # pragma: no cover

    def source(connector: object) -> streams_module._Source:
        return streams_module._Source(kind="mastodon", open=refused, cursor=dict, saves_cursor=False)

    monkeypatch.setattr(streams_module, "_mastodon_source", source)
    stats = streams_module.stream_channel(db, cid, stop=threading.Event(), backoff=FAST, max_wait_s=0.1)
    row = _row(db, cid)
    assert stats.connections == 1 and not row.healthy
    assert row.last_error is not None and "Credenciales vencidas" in row.last_error
    assert streamable_channels(db) == []
