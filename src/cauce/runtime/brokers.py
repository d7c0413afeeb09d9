"""Dramatiq brokers from a URL (CAUCE_BROKER_URL), and what a queue holds, for `cauce jobs status`.

`amqp://user:password@host:5672/vhost` → RabbitMQ (the recommended broker: a worker killed mid-task
has its unacknowledged messages handed to another worker as soon as its connection drops);
`redis://host:6379/0` → Redis (works too; a dead worker's messages wait for its heartbeat to time out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.common import dq_name, xq_name

# Messages that failed every retry stay in the dead-letter queue this long (ms) for an operator to look at.
DEAD_MESSAGE_TTL_MS = 14 * 86_400_000


def broker_kind(url: str) -> str:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("amqp", "amqps"):
        return "rabbitmq"
    if scheme in ("redis", "rediss"):
        return "redis"
    raise ValueError(f"CAUCE_BROKER_URL: se esperaba amqp:// (RabbitMQ) o redis:// (Redis), no {scheme}://")


def broker_from_url(url: str, *, middleware: list[Any] | None = None) -> dramatiq.Broker:
    """A broker for `url`; `middleware` None = Dramatiq's defaults (age/time limits, retries, …)."""
    kind = broker_kind(url)
    if kind == "rabbitmq":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Publisher confirms: `send` returns only once RabbitMQ has the message, so a webhook is
        # answered 200 only for mentions that can no longer be lost.
        return RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware)
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(url=url, middleware=middleware, dead_message_ttl=DEAD_MESSAGE_TTL_MS,
                       heartbeat_timeout=15_000)


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    ready: int      # waiting for a worker
    delayed: int    # waiting for their retry (backoff) or their eta
    dead: int       # failed every retry: dead letters

    def as_dict(self) -> dict[str, Any]:
        return {"queue": self.queue, "ready": self.ready, "delayed": self.delayed, "dead": self.dead}


def queue_depth(broker: dramatiq.Broker, queue: str) -> QueueDepth:
    """Ready, delayed and dead messages of one queue, read from the broker itself."""
    counts = getattr(broker, "get_queue_message_counts", None)
    if counts is not None:  # RabbitMQ
        ready, delayed, dead = counts(queue)
        return QueueDepth(queue, int(ready), int(delayed), int(dead))
    client = broker.client  # type: ignore[attr-defined]
    ns = broker.namespace  # type: ignore[attr-defined]
    return QueueDepth(queue, int(client.llen(f"{ns}:{queue}")), int(client.llen(f"{ns}:{dq_name(queue)}")),
                      int(client.zcard(f"{ns}:{xq_name(queue)}")))
