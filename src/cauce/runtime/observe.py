"""The broker's queue depths as Prometheus gauges, read at scrape time (multi-node mode).

A web node attached to the broker serves them on its `/metrics` (`app.state.metrics_collectors`);
a worker exposes its own process metrics on `CAUCE_METRICS_PORT` (see `cauce.observability.metrics`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from cauce.runtime.brokers import queue_depth
from cauce.runtime.engine import Engine

log = logging.getLogger(__name__)


class BrokerCollector:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("cauce_broker_up", "1 when the broker answered this scrape.")
        depth = GaugeMetricFamily("cauce_queue_messages", "Messages in a job queue: ready, delayed (retry/eta), "
                                  "dead (dead letters).", labels=["queue", "state"])
        try:
            depths = [queue_depth(self.engine.broker, queue) for queue in self.engine.queues()]
        except Exception as exc:  # the scrape still answers, saying the broker did not
            log.warning("metrics: broker queue depths unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for d in depths:
            depth.add_metric([d.queue, "ready"], d.ready)
            depth.add_metric([d.queue, "delayed"], d.delayed)
            depth.add_metric([d.queue, "dead"], d.dead)
        yield depth
