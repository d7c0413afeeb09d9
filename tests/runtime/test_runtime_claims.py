"""Several executors on one database (threads with their own engines, as separate processes would
be): each due channel is fetched once, each periodic job runs once per interval, and a crashed
holder's lease expires so another process takes over. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cauce.audit.service import SYSTEM
from cauce.brands.models import ChannelAccount
from cauce.connectors import construction
from cauce.connectors.base import Connector, ConnectorConfig, FetchResult
from cauce.connectors.runtime import polling
from cauce.db import Database, table_of, utcnow
from cauce.jobspec import Periodic
from cauce.runtime import build_registry, leases
from cauce.runtime.local import LocalExecutor
from cauce.runtime.models import JobLease
from cauce.runtime.registry import Registry
from cauce.vocabulary import JobRole
from connectors.runtime.recording import TEST_KEY
from helpers import make_brand, mention, scripted_triage


class SlowNetwork:
    """Counts fetches per channel; each fetch takes a while, so racing pollers overlap."""

    def __init__(self, delay_s: float = 0.3) -> None:
        self.delay_s = delay_s
        self.fetches: Counter[int] = Counter()
        self.lock = threading.Lock()

    def provider(self, channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
        network = self

        class Slow(Connector):
            kind = "slow"
            config_class = ConnectorConfig

            def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
                with network.lock:
                    network.fetches[channel_id] += 1
                time.sleep(network.delay_s)
                n = channel_id * 1000 + len(dict(cursor or {}))
                return FetchResult(mentions=[mention(n, minutes=1)], cursor={"seen": str(n)})

            def test_connection(self) -> str:
                return "ok"

        return Slow()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    with scripted_triage():
        yield


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> SlowNetwork:
    net = SlowNetwork()
    monkeypatch.setattr(polling, "default_provider", net.provider)
    return net


def _channels(db: Database, count: int) -> list[int]:
    brand = make_brand(db)
    with db.session() as s:
        return [construction.add_channel(s, brand=brand, kind="demo", name=f"Demo {i}", settings={},
                                         actor=SYSTEM).id for i in range(count)]


def _executors(db: Database, count: int) -> list[LocalExecutor]:
    # One engine each, like separate processes; every executor has its own holder id.
    return [LocalExecutor(Database(db.url), build_registry(), [JobRole.poll]) for _ in range(count)]


def test_racing_pollers_fetch_each_due_channel_once(db: Database, network: SlowNetwork) -> None:
    ids = _channels(db, 3)
    executors = _executors(db, 4)
    poll_due = next(job for job in executors[0].registry.periodic() if job.name == "connectors.poll_due")
    barrier = threading.Barrier(len(executors))

    def race(executor: LocalExecutor) -> None:
        barrier.wait()
        for _ in range(3):  # every executor looks at the due channels three times, overlapping the fetches
            poll_due.run(executor)  # straight to the job: only the per-channel leases keep them apart

    threads = [threading.Thread(target=race, args=(e,)) for e in executors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert network.fetches == Counter({cid: 1 for cid in ids})
    for cid in ids:
        assert leases.holder_of(db, f"poll:channel:{cid}") in {e.holder for e in executors}
    for e in executors:
        e.db.dispose()


def test_started_executors_share_the_polls(db: Database, network: SlowNetwork) -> None:
    ids = _channels(db, 4)
    executors = _executors(db, 3)
    for e in executors:
        e.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sum(network.fetches.values()) < len(ids):
        time.sleep(0.1)
    time.sleep(1.5)  # a few more ticks of every executor: nothing is due, nothing more is fetched
    for e in executors:
        e.stop()
        e.db.dispose()
    assert network.fetches == Counter({cid: 1 for cid in ids})


def test_a_crashed_pollers_channel_is_taken_over_when_its_lease_expires(db: Database, network: SlowNetwork) -> None:
    [cid] = _channels(db, 1)
    [survivor] = _executors(db, 1)
    # Another process claimed the channel and died before fetching: the channel stays due.
    assert leases.claim(db, f"poll:channel:{cid}", "dead-host:1:abc", polling.interval_for(_row(db, cid)))
    poll_due = next(job for job in survivor.registry.periodic() if job.name == "connectors.poll_due")
    assert poll_due.run(survivor)["channels_polled"] == 0 and network.fetches[cid] == 0
    _expire(db, f"poll:channel:{cid}")
    assert poll_due.run(survivor)["channels_polled"] == 1 and network.fetches[cid] == 1
    assert _row(db, cid).cursor == {"seen": str(cid * 1000)}
    survivor.db.dispose()


def test_a_periodic_job_runs_once_per_interval_and_survives_its_holders_crash(db: Database) -> None:
    runs: list[str] = []
    registry = Registry()
    registry.add(Periodic("test.tick", 3600, JobRole.sweep, lambda ctx: runs.append(ctx.holder)))
    a, b, c = (LocalExecutor(db, registry, [JobRole.sweep]) for _ in range(3))
    [job] = registry.periodic()
    assert [e.tick(job)[0] for e in (a, b, c)] == [True, False, False]
    assert [e.tick(job)[0] for e in (b, c)] == [False, False]
    assert runs == [a.holder]
    # `a` crashes (never renews); once its lease expires exactly one of the others takes the job.
    _expire(db, "periodic:test.tick")
    assert [e.tick(job)[0] for e in (b, c)] == [True, False]
    assert runs == [a.holder, b.holder]
    assert a.run_once(force=False) == {"test.tick": "held elsewhere"}


def _expire(db: Database, name: str) -> None:
    table = table_of(JobLease)
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.name == name).values(expires_at=utcnow() - timedelta(seconds=1)))


def _row(db: Database, channel_id: int) -> ChannelAccount:
    with db.session() as s:
        row = s.get(ChannelAccount, channel_id)
        assert row is not None
        return row
