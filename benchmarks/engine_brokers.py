"""Measure the job engine's brokers: enqueue and consume rate of no-op messages.

    .venv/bin/python -m benchmarks.engine_brokers [--messages 10000] [--threads 8]

Each broker gets a fresh namespace (a RabbitMQ vhost, a Redis database) that is removed afterwards.
The numbers behind the engine choice in docs/architecture.md come from this script.
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any


def _rabbit_vhost() -> tuple[str, Callable[[], None]]:
    vhost = f"cauce-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True)

    def cleanup() -> None:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False)

    return f"amqp://guest:guest@127.0.0.1:5672/{vhost}", cleanup


def _redis_db() -> tuple[str, Callable[[], None]]:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=13)
    client.flushdb()

    def cleanup() -> None:
        client.flushdb()

    return "redis://127.0.0.1:6379/13", cleanup


def measure_dramatiq(kind: str, messages: int, threads: int) -> dict[str, Any]:
    import dramatiq
    from dramatiq import Worker

    from cauce.runtime.brokers import broker_from_url

    url, cleanup = _rabbit_vhost() if kind == "rabbitmq" else _redis_db()
    try:
        broker = broker_from_url(url)
        done = 0
        lock = threading.Lock()

        def noop(n: int) -> None:
            nonlocal done
            with lock:
                done += 1

        actor: Any = dramatiq.Actor(noop, broker=broker, actor_name="noop", queue_name="bench", priority=0,
                                    options={})
        started = time.perf_counter()
        for n in range(messages):
            actor.send(n)
        enqueue_s = time.perf_counter() - started
        worker = Worker(broker, worker_threads=threads)
        started = time.perf_counter()
        worker.start()
        while done < messages and time.perf_counter() - started < 300:
            time.sleep(0.01)
        consume_s = time.perf_counter() - started
        worker.stop()
        broker.close()
        return {"engine": f"dramatiq+{kind}", "messages": messages, "threads": threads,
                "enqueue_per_s": round(messages / enqueue_s), "consume_per_s": round(done / consume_s),
                "consumed": done}
    finally:
        cleanup()


def measure_nats(messages: int) -> dict[str, Any]:
    """NATS JetStream with a pull consumer (work-queue stream), for comparison only."""
    import asyncio

    import nats

    async def run() -> dict[str, Any]:
        nc = await nats.connect("nats://127.0.0.1:4222")
        js = nc.jetstream()
        stream = f"BENCH{uuid.uuid4().hex[:6].upper()}"
        await js.add_stream(name=stream, subjects=[f"{stream}.jobs"], retention="workqueue")
        started = time.perf_counter()
        futures = [await js.publish_async(f"{stream}.jobs", b"{}") for _ in range(messages)]
        await js.publish_async_completed()
        del futures
        enqueue_s = time.perf_counter() - started
        sub = await js.pull_subscribe(f"{stream}.jobs", durable="workers")
        done = 0
        started = time.perf_counter()
        while done < messages:
            for msg in await sub.fetch(500, timeout=5):
                await msg.ack()
                done += 1
        consume_s = time.perf_counter() - started
        await js.delete_stream(stream)
        await nc.close()
        return {"engine": "nats-jetstream (raw, no task library)", "messages": messages,
                "enqueue_per_s": round(messages / enqueue_s), "consume_per_s": round(done / consume_s),
                "consumed": done}

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--nats", action="store_true", help="also measure raw NATS JetStream (needs nats-py)")
    args = parser.parse_args()
    for kind in ("rabbitmq", "redis"):
        print(measure_dramatiq(kind, args.messages, args.threads), flush=True)
    if args.nats:
        print(measure_nats(args.messages), flush=True)


if __name__ == "__main__":
    main()
