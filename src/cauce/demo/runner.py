"""`cauce demo`: a fresh SQLite database, the demo world, and a live simulated mention stream.

The simulator's mentions go through the real ingest path (triage, routing, SLA, audit) while the
server runs, so a newcomer sees cases appear and priorities and clocks move.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from cauce.config import Settings, default_data_dir
from cauce.db import Database, upgrade, utcnow

log = logging.getLogger(__name__)

# The last hour at the live rate, so the queue is populated on arrival and the crisis watch sees
# a baseline like the live stream (a thin backlog would make the first live minutes look like a spike).
BACKLOG_MINUTES = 60
MAX_BACKLOG = 1200


def fresh_database(data_dir: Path) -> str:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    url = f"sqlite:///{data_dir / 'demo.db'}"
    upgrade(url)
    return url


def _ingest_events(db: Database, events: list[Any], window: timedelta) -> int:
    from cauce.audit.service import Actor
    from cauce.mentions.service import ingest_batch

    actor = Actor.connector("demo")
    results = list(ingest_batch(db.session, [e.mention for e in events], batch_size=100, actor=actor,
                                source="demo", thread_window=window))
    return sum(1 for r in results if r.status == "created")


async def simulate(db: Database, *, rate_per_min: float, settings: Settings, stop: asyncio.Event | None = None,
                   crisis_after: timedelta = timedelta(minutes=4)) -> None:
    """Feed the simulator's stream in real time (one event per simulated gap)."""
    from cauce.demo.stream import Simulator

    window = timedelta(hours=settings.thread_window_hours)
    start = utcnow()
    simulator = Simulator(seed=int.from_bytes(os.urandom(2), "big"), start=start, rate_per_min=rate_per_min,
                          crisis_at=crisis_after)
    loop = asyncio.get_running_loop()
    began = loop.time()
    for event in simulator.events():
        if stop is not None and stop.is_set():
            return
        delay = (event.at - start).total_seconds() - (loop.time() - began)
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await asyncio.to_thread(_ingest_events, db, [event], window)
        except Exception:  # the demo must keep flowing even if one mention fails
            log.exception("demo ingest failed")


def seed_demo(db: Database, settings: Settings, *, rate_per_min: float) -> list[Any]:
    from cauce.demo.seed import seed
    from cauce.demo.stream import Simulator

    with db.session() as session:
        users = seed(session)
    # A backlog from the last hour, in past time, so the inbox starts populated and clocks differ.
    backlog = min(MAX_BACKLOG, int(rate_per_min * BACKLOG_MINUTES))
    past = Simulator(seed=11, start=utcnow() - timedelta(minutes=BACKLOG_MINUTES),
                     rate_per_min=backlog / BACKLOG_MINUTES, crisis=False)
    _ingest_events(db, list(past.events(backlog)), timedelta(hours=settings.thread_window_hours))
    return users


def run_demo(*, host: str, port: int, rate_per_min: float, data_dir: Path | None) -> None:
    import uvicorn

    from cauce.demo.seed import DEMO_PASSWORD
    from cauce.web.app import create_app
    from cauce.web.security import UVICORN_OPTIONS

    data_dir = data_dir or default_data_dir() / "demo"
    url = fresh_database(data_dir)
    settings = Settings(database_url=url, sla_check_seconds=15, base_url=f"http://{host}:{port}")
    db = Database(url)
    print("Preparando la demo (marcas, usuarios y la última hora de menciones)…", flush=True)
    users = seed_demo(db, settings, rate_per_min=rate_per_min)
    app = create_app(settings, db=db)

    async def feed(app_: Any) -> None:
        await simulate(db, rate_per_min=rate_per_min, settings=settings)

    app.state.startup_hooks.append(feed)
    width = max(len(u.email) for u in users)
    print("\nCauce — demo en vivo", flush=True)
    print(f"  Abra  http://{host}:{port}/   (API: http://{host}:{port}/api/docs)")
    print(f"  Base de datos de demo: {data_dir / 'demo.db'}")
    print("  Usuarios (contraseña para todos: " + DEMO_PASSWORD + "):")
    for user in users:
        scope = ", ".join(user.brands) if user.brands else "todas las marcas"
        print(f"    {user.email:<{width}}  {user.role:<10}  {scope}")
    print(f"  Un simulador publica ~{rate_per_min:g} menciones por minuto; Ctrl+C para salir.\n", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", **UVICORN_OPTIONS)
