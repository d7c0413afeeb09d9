"""Web app benchmark: page server time with 100,000 cases in PostgreSQL, live-update latency in a
real browser, and 50 concurrent agents browsing on loopback.

    .venv/bin/python benchmarks/web/bench_web.py [--cases 100000] [--agents 50] [--rounds 8]

Creates a throw-away database on CAUCE_BENCH_POSTGRES_URL (default: the local `test` server),
bulk-inserts the cases (not through ingest: this measures the pages, not triage), runs
`cauce serve` in a subprocess, measures, writes benchmarks/web/REPORT.md and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("CAUCE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "demo-clave-2026"
TEXTS = (
    "me cobraron doble la factura de este mes y nadie responde",
    "sin internet desde hace tres días, pésimo servicio",
    "el pedido no llega y ya pasó una semana",
    "quiero cancelar el contrato y no me dejan",
    "la garantía no me la quieren hacer válida",
    "¿cómo cambio mi plan? gracias",
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_database() -> tuple[str, str]:
    import psycopg

    name = f"cauce_bench_web_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def populate(url: str, n_cases: int, n_agents: int) -> dict[str, Any]:
    """Demo brands and users, `n_agents` extra agents, then `n_cases` cases with one mention each."""
    from cauce.audit.service import SYSTEM
    from cauce.auth import service as auth
    from cauce.brands import service as brands
    from cauce.cases.models import Case
    from cauce.db import Database, table_of, upgrade
    from cauce.demo.seed import seed
    from cauce.mentions.models import Mention
    from cauce.people.models import Person

    upgrade(url)
    db = Database(url)
    with db.session() as session:
        seed(session)
        all_brands = brands.list_brands(session)
        for i in range(n_agents):
            brand = all_brands[i % len(all_brands)]
            auth.create_user(session, email=f"agente{i}@bench.demo", name=f"Agente {i}", role="agent",
                             password=PASSWORD, brand_ids=[brand.id], actor=SYSTEM)
        brand_info = [(b.id, b.organisation_id, b.slug) for b in all_brands]
    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.monotonic()
    n_people = max(1, n_cases // 4)
    with db.engine.begin() as conn:
        people_rows = [{"organisation_id": brand_info[i % len(brand_info)][1], "display_name": f"Persona {i}",
                        "labels": [], "strikes": 0, "blocked": False, "first_seen_at": now, "last_seen_at": now}
                       for i in range(n_people)]
        conn.execute(insert(table_of(Person)), people_rows)
        person_ids = list(conn.execute(select(Person.id).order_by(Person.id)).scalars())
        batch = 5000
        for start in range(0, n_cases, batch):
            cases: list[dict[str, Any]] = []
            mentions: list[dict[str, Any]] = []
            for k in range(start, min(n_cases, start + batch)):
                brand_id, _org, _slug = brand_info[k % len(brand_info)]
                opened = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
                is_open = rng.random() < 0.6
                pqr = rng.choice(("queja", "reclamo", "peticion", "queja", "otro"))
                cases.append({
                    "brand_id": brand_id, "person_id": person_ids[k % len(person_ids)],
                    "channel": rng.choice(("twitter", "facebook", "instagram", "mastodon")),
                    "conversation_key": f"bench:{k}", "title": rng.choice(TEXTS), "pqr_type": pqr,
                    "category": rng.choice(("cobro", "entrega", "producto", "atencion", None)),
                    "status": "nuevo" if is_open else "cerrado", "is_open": is_open,
                    "priority": rng.randint(0, 100), "priority_reasons": ["queja: cobros"],
                    "author_role": rng.choice(("cliente", "cliente", "hostil", "troll")), "role_confidence": 0.6,
                    "flags": [], "resolution_checklist": {}, "customer_confirmed": False,
                    "unanswered_count": 1, "mention_count": 1, "opened_at": opened, "last_inbound_at": opened,
                    "first_response_due": opened + timedelta(hours=1), "resolution_due": opened + timedelta(days=3),
                    "breaches": [], "escalated": False, "supervisor_flagged": False, "updated_at": opened,
                    "closed_at": None if is_open else opened + timedelta(hours=5),
                })
            ids = conn.execute(insert(table_of(Case)).returning(Case.id, sort_by_parameter_order=True),
                               cases).scalars().all()
            for case_id, row in zip(ids, cases, strict=True):
                mentions.append({
                    "brand_id": row["brand_id"], "channel": row["channel"], "external_id": f"bench-{case_id}",
                    "text": row["title"], "author_handle": f"@persona{row['person_id']}",
                    "author_name": f"Persona {row['person_id']}", "author_followers": rng.randint(10, 50_000),
                    "person_id": row["person_id"], "created_at": row["opened_at"], "ingested_at": row["opened_at"],
                    "conversation_id": f"bench-{case_id}", "private": False, "source": "bench",
                    "assessment": {"anger": rng.random()}, "is_complaint": True, "pqr_type": row["pqr_type"],
                    "priority": row["priority"], "abusive": False, "threat": False, "legal_risk": False,
                    "case_id": case_id, "answered": False, "hidden": False, "raw": {},
                })
            conn.execute(insert(table_of(Mention)), mentions)
        conn.execute(text("ANALYZE"))
    return {"db": db, "brands": brand_info, "insert_s": time.monotonic() - started}


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CAUCE_DATABASE_URL=url, CAUCE_SLA_CHECK_SECONDS="1000000", CAUCE_JOBS="none")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/cauce"), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def login(client: httpx.Client, base: str, email: str) -> None:
    page = client.get(f"{base}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no login form"
    response = client.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                                  "csrf_token": token.group(1)})
    assert response.status_code == 200 and "Bandeja" in response.text, response.status_code


def page_times(base: str, db: Any, rounds: int) -> dict[str, list[float]]:
    from cauce.cases.models import Case

    with db.read_session() as session:
        open_ids = list(session.scalars(select(Case.id).where(Case.is_open.is_(True)).limit(2000)))
    times: dict[str, list[float]] = {}
    targets = {
        "inbox (supervisor, all brands)": ("supervisora@cauce.demo", lambda i: "/inbox"),
        "inbox page 5": ("supervisora@cauce.demo", lambda i: "/inbox?page=5"),
        "inbox filtered (queja, twitter)": ("supervisora@cauce.demo",
                                            lambda i: "/inbox?pqr_type=queja&channel=twitter"),
        "inbox (agent, one brand)": ("laura@conectel.demo", lambda i: "/inbox"),
        "case page": ("supervisora@cauce.demo", lambda i: f"/cases/{open_ids[(i * 37) % len(open_ids)]}"),
        "live rows fragment (5 ids)": ("supervisora@cauce.demo",
                                       lambda i: "/inbox/rows?ids=" + ",".join(map(str, open_ids[i:i + 5]))),
    }
    for label, (email, path_of) in targets.items():
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            login(client, base, email)
            client.get(base + path_of(0))  # warm
            samples = []
            for i in range(rounds):
                t0 = time.perf_counter()
                r = client.get(base + path_of(i + 1))
                samples.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (label, r.status_code)
            times[label] = samples
    return times


async def agents_browsing(base: str, db: Any, n_agents: int, rounds: int) -> dict[str, Any]:
    from cauce.auth import service as auth
    from cauce.cases.models import Case

    with db.read_session() as session:
        by_brand: dict[int, list[int]] = {}
        for case_id, brand_id in session.execute(select(Case.id, Case.brand_id).where(Case.is_open.is_(True))
                                                 .limit(20_000)):
            by_brand.setdefault(brand_id, []).append(case_id)
        brand_of = {}
        for i in range(n_agents):
            user = auth.authenticate(session, email=f"agente{i}@bench.demo", password=PASSWORD)
            brand_of[i] = next(iter(auth.principal_for(session, user).brand_ids or [0]))
    latencies: list[float] = []
    errors: list[str] = []

    # Agents sign in a few at a time (argon2 costs ~64 MiB and tens of ms per login, by design);
    # the measurement is the browsing that follows, all 50 at once.
    gate = asyncio.Semaphore(4)
    clients = [httpx.AsyncClient(timeout=60, follow_redirects=True) for _ in range(n_agents)]

    async def sign_in(i: int) -> None:
        async with gate:
            page = await clients[i].get(f"{base}/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            await clients[i].post(f"{base}/login", data={"email": f"agente{i}@bench.demo", "password": PASSWORD,
                                                         "csrf_token": token.group(1) if token else ""})

    await asyncio.gather(*(sign_in(i) for i in range(n_agents)))

    async def agent(i: int) -> None:
        client = clients[i]
        own = by_brand.get(brand_of[i], [])
        rng = random.Random(i)
        for _ in range(rounds):
            for path in ("/inbox", f"/cases/{rng.choice(own)}",
                         "/inbox/rows?ids=" + ",".join(map(str, rng.sample(own, 3)))):
                t0 = time.perf_counter()
                try:
                    r = await client.get(base + path)
                    if r.status_code != 200:
                        errors.append(f"{path}: {r.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {type(exc).__name__}")
                latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(agent(i) for i in range(n_agents)))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.aclose()
    return {"requests": len(latencies), "errors": errors, "elapsed_s": elapsed, "p50": statistics.median(latencies),
            "p95": p95(latencies), "rps": len(latencies) / elapsed}


def live_latency(base: str, db: Any, samples: int) -> list[float]:
    """Ingest → row visible in headless Chromium (real ingest path, real triage)."""
    from playwright.sync_api import sync_playwright

    from cauce.mentions.schemas import MentionIn
    from cauce.mentions.service import ingest
    from cauce.triage import service as triage

    def item(n: int) -> MentionIn:
        return MentionIn.model_validate({
            "id": f"live-{uuid.uuid4().hex[:8]}", "created_at": datetime.now(UTC).isoformat(), "channel": "twitter",
            "brand": "conectel", "author": {"handle": f"@live{n}", "name": f"Cliente {n}", "followers": 900},
            "text": "@conectel me cobraron doble la factura, necesito que me devuelvan el dinero ya"})

    triage.assess(item(0))  # load the model outside the timing
    out: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless", "--no-sandbox", "--disable-gpu",
                                           "--disable-background-networking"])
        page = browser.new_page(locale="es-CO")
        page.goto(f"{base}/login")
        page.get_by_label("Correo").fill("laura@conectel.demo")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_selector("#live-state[data-state=live]")
        for n in range(1, samples + 1):
            t0 = time.perf_counter()
            with db.session() as session:
                case_id = ingest(session, item(n), source="bench").case_id
            page.wait_for_selector(f"#case-{case_id}", state="attached", timeout=10_000)
            out.append((time.perf_counter() - t0) * 1000)
            page.wait_for_timeout(200)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--live-samples", type=int, default=15)
    parser.add_argument("--reuse", help="URL of a database a previous --keep run populated")
    parser.add_argument("--keep", action="store_true", help="do not drop the database (for profiling)")
    args = parser.parse_args()
    name, url = ("", args.reuse) if args.reuse else create_database()
    server = None
    try:
        if args.reuse:
            from cauce.db import Database

            world = {"db": Database(url), "insert_s": float("nan")}
        else:
            world = populate(url, args.cases, args.agents)
            print(f"database: {url}", flush=True)
        print(f"inserted {args.cases} cases in {world['insert_s']:.1f}s", flush=True)
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        pages = page_times(base, world["db"], max(20, args.rounds * 5))
        for label, samples in pages.items():
            print(f"{label}: p50 {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms", flush=True)
        crowd = asyncio.run(agents_browsing(base, world["db"], args.agents, args.rounds))
        print(f"{args.agents} agents: {crowd['requests']} requests, {len(crowd['errors'])} errors, "
              f"p95 {crowd['p95']:.0f} ms, {crowd['rps']:.1f} req/s", flush=True)
        live = live_latency(base, world["db"], args.live_samples)
        print(f"live: p50 {statistics.median(live):.0f} ms, p95 {p95(live):.0f} ms, max {max(live):.0f} ms", flush=True)
        write_report(args, world, pages, crowd, live)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if name and not args.keep:
            drop_database(name)


def write_report(args: Any, world: dict[str, Any], pages: dict[str, list[float]], crowd: dict[str, Any],
                 live: list[float]) -> None:
    lines = [
        "# Web app benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on this machine (2 shared CPU cores, other jobs running), "
        f"`cauce serve` (one uvicorn process) on PostgreSQL 127.0.0.1 with **{args.cases:,} cases** "
        f"(~60 % open) and one mention each, bulk-inserted (134 s for 100,000 on the first run). "
        "Reproduce: `.venv/bin/python benchmarks/web/bench_web.py`.",
        "",
        "## Page server time (client-measured on loopback, one request at a time; target p95 < 150 ms)",
        "",
        "| page | requests | p50 ms | p95 ms |",
        "|---|---:|---:|---:|",
    ]
    for label, samples in pages.items():
        lines.append(f"| {label} | {len(samples)} | {statistics.median(samples):.0f} | {p95(samples):.0f} |")
    lines += [
        "",
        f"## {args.agents} concurrent agents browsing (httpx async, loopback)",
        "",
        f"Each agent signs in, then {args.rounds} rounds of: inbox, one of its brand's cases, a 3-row live fragment.",
        "",
        f"- requests: {crowd['requests']}, errors: **{len(crowd['errors'])}**"
        + (f" ({'; '.join(crowd['errors'][:5])})" if crowd["errors"] else ""),
        f"- wall time {crowd['elapsed_s']:.1f} s, {crowd['rps']:.1f} requests/s",
        f"- latency under that load: p50 {crowd['p50']:.0f} ms, p95 {crowd['p95']:.0f} ms",
        "",
        "## Live update: ingest → row in the browser (target < 1 s)",
        "",
        f"Headless Chromium on the inbox; a mention goes through the real ingest path (triage, routing, "
        f"audit) and the clock stops when its row is in the DOM. {len(live)} samples: "
        f"p50 **{statistics.median(live):.0f} ms**, p95 **{p95(live):.0f} ms**, max {max(live):.0f} ms.",
        "The watcher polls `max(audit_events.id)` every 300 ms (one query per process, shared by all "
        "open inboxes), so ~150 ms of the latency is the average wait for the next tick.",
        "",
    ]
    (Path(__file__).parent / "REPORT.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
