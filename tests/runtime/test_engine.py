"""The engine's own pieces, without a cluster: the scheduler's claim-once, the per-key order lock,
`submit` sending to the role's queue (Dramatiq's in-memory StubBroker stands in for RabbitMQ here;
the real broker is exercised by tests/multinode)."""

from __future__ import annotations

import threading
import time

from dramatiq.brokers.stub import StubBroker

from cauce.db import Database
from cauce.runtime.engine import Engine, OrderLocks, Scheduler, queue_for
from cauce.runtime.registry import Periodic, Registry, Task
from cauce.vocabulary import JobRole


def _registry(runs: list[str]) -> Registry:
    registry = Registry()
    registry.add(Periodic("test.tick", 60.0, JobRole.sweep, lambda ctx: runs.append(ctx.holder)))
    registry.add(Task("test.task", JobRole.poll, lambda ctx, payload: runs.append(str(payload["n"])),
                      order_key=lambda payload: "org:1"))
    return registry


def test_a_periodic_job_runs_once_per_interval_across_workers(db: Database) -> None:
    runs: list[str] = []
    engines = [Engine(db, _registry(runs), "amqp://unused", holder=f"w{n}", broker=StubBroker()) for n in range(3)]
    schedulers = [Scheduler(e, e.registry.periodic()) for e in engines]
    for second in range(5):  # five ticks of every worker within one interval
        for scheduler in schedulers:
            scheduler.tick(now=1000.0 + second)
    assert len(runs) == 1
    for e in engines:
        e.close()


def test_submit_enqueues_on_the_queue_of_the_tasks_role(db: Database) -> None:
    runs: list[str] = []
    broker = StubBroker()
    engine = Engine(db, _registry(runs), "amqp://unused", holder="web", broker=broker)
    engine.submit("test.task", {"n": 7})
    assert runs == []  # a web node only enqueues
    assert broker.queues[queue_for(JobRole.poll)].qsize() == 1
    assert engine.perform("test.task", {"n": 7}) is None and runs == ["7"]
    engine.close()


def test_one_key_never_runs_twice_at_once_other_keys_do(db: Database) -> None:
    locks = OrderLocks(db)
    inside: dict[str, int] = {"org:1": 0, "org:2": 0}
    most: dict[str, int] = {"org:1": 0, "org:2": 0}
    guard = threading.Lock()

    def work(key: str) -> None:
        with locks.hold(key):
            with guard:
                inside[key] += 1
                most[key] = max(most[key], inside[key])
            time.sleep(0.05)
            with guard:
                inside[key] -= 1

    threads = [threading.Thread(target=work, args=(f"org:{1 + n % 2}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == {"org:1": 1, "org:2": 1}
    locks.dispose()
