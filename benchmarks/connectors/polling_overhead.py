"""Polling overhead per channel: one empty fetch cycle against local fakes of Mastodon, Bluesky,
X and an RSS feed (304), measured as wall time and as CPU time of the polling thread.

Run: .venv/bin/python benchmarks/connectors/polling_overhead.py [cycles]
Writes its section of benchmarks/connectors/REPORT.md. Bounded: 300 cycles per network at most.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def measure(fetch: Callable[[dict[str, Any]], Any], cycles: int) -> tuple[float, float]:
    cursor = fetch({}).cursor  # warm up: session, connection pool, first cursor
    walls, cpus = [], []
    for _ in range(cycles):
        wall, cpu = time.perf_counter(), time.thread_time()
        cursor = fetch(cursor).cursor
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    cycles = max(10, min(int(sys.argv[1]) if len(sys.argv) > 1 else 200, 300))
    sys.path[:0] = [str(ROOT / "tests"), str(Path(__file__).parent)]
    from report import write_section

    from cauce.connectors.bluesky import BlueskyConfig, BlueskyConnector
    from cauce.connectors.mastodon import MastodonConfig, MastodonConnector
    from cauce.connectors.rss import RssConfig, RssConnector
    from cauce.connectors.x import XConfig, XConnector
    from connectors.fakes import fake_bluesky, fake_feeds, fake_mastodon, fake_x
    from connectors.fakes.serving import serve

    rows = []
    terms = ["MoviPlus", "Movi Plus"]
    with serve(fake_mastodon.FakeMastodon().app()) as url:
        conn: Any = MastodonConnector(
            MastodonConfig.model_validate(
                {"brand": "b", "brand_terms": terms, "base_url": url, "access_token": fake_mastodon.TOKEN}
            )
        )
        rows.append(("Mastodon (notifications + 2 term searches)", 3, *measure(conn.fetch, cycles)))
    with serve(fake_bluesky.FakeBluesky().app()) as url:
        conn = BlueskyConnector(
            BlueskyConfig.model_validate(
                {
                    "brand": "b",
                    "brand_terms": terms,
                    "base_url": url,
                    "identifier": "marca",
                    "app_password": fake_bluesky.PASSWORD,
                }
            )
        )
        rows.append(("Bluesky (notifications + 2 searchPosts + chat log)", 4, *measure(conn.fetch, cycles)))
    with serve(fake_x.FakeX().app()) as url:
        conn = XConnector(
            XConfig.model_validate(
                {
                    "brand": "b",
                    "brand_terms": terms,
                    "base_url": url,
                    "access_token": fake_x.TOKEN,
                    "user_id": fake_x.ME,
                }
            )
        )
        rows.append(("X (mentions + recent search)", 2, *measure(conn.fetch, cycles)))
    feeds = fake_feeds.FakeFeeds()
    feeds.add("a1", "MoviPlus", "texto")
    with serve(feeds.app()) as url:
        conn = RssConnector(
            RssConfig.model_validate({"brand": "b", "brand_terms": terms, "base_url": f"{url}/rss.xml"})
        )
        rows.append(("RSS (conditional GET → 304)", 1, *measure(conn.fetch, cycles)))

    lines = [f"{'channel':52} {'requests':>8} {'wall ms':>8} {'client CPU ms':>14}"]
    lines += [f"{name:52} {reqs:>8} {wall:>8.2f} {cpu:>14.2f}" for name, reqs, wall, cpu in rows]
    print("\n".join(lines))
    write_section(
        "polling",
        "## Polling overhead per channel\n\n"
        f"Load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. "
        f"Median of {cycles} empty fetch cycles per network against the local fakes on 127.0.0.1 "
        "(the fake server shares the process, so wall time includes serving; client CPU is "
        "`time.thread_time()` of the polling thread only). "
        f"Run: `.venv/bin/python benchmarks/connectors/polling_overhead.py {cycles}`.\n\n```\n"
        + "\n".join(lines)
        + "\n```\n\nAt one cycle per minute per channel, 1,000 channels cost roughly "
        f"{max(cpu for *_, cpu in rows) * 1000 / 60_000:.3f} CPU-seconds per second of polling client work "
        "(worst network above); real networks add their own latency, not CPU.",
    )


if __name__ == "__main__":
    main()
