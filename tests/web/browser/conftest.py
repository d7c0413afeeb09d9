"""A real Cauce server (uvicorn in a background thread, migrated database, demo seed) and headless
Chromium through Playwright. Skipped with a reason when Chromium or Playwright is missing.

`live_server` runs on SQLite. The team's day journeys take `day_server`, which is the SQLite server
and a second one on a throw-away PostgreSQL database (created here from the `test` database on
127.0.0.1:5432 or CAUCE_TEST_POSTGRES_URL, dropped at the end; CAUCE_TEST_SKIP_POSTGRES=1 skips it,
as for the rest of the suite)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cauce.audit.service import SYSTEM
from cauce.config import Settings
from cauce.db import Database, upgrade

CHROMIUM = Path(os.environ.get("CAUCE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# `make screenshots` points this at docs/screenshots; a plain test run writes them to a temporary
# folder, so `make test` leaves the tracked pictures (and the work tree) untouched.
SCREENSHOTS = Path(os.environ.get("CAUCE_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "cauce-screenshots")
PASSWORD = "demo-clave-2026"

PG_ADMIN_URL = os.environ.get("CAUCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite"] if os.environ.get("CAUCE_TEST_SKIP_POSTGRES") else ["sqlite", "postgresql"]

pytestmark = pytest.mark.browser
TIMEOUT_MS = 15_000  # generous: the CI machine may be busy


def _configure_expect() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    db: Database
    brand_ids: dict[str, int]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("browser") / "cauce.db"
    yield from _serve(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def live_server_pg() -> Iterator[LiveServer]:
    """The same seeded server on a fresh PostgreSQL database of its own, dropped at the end."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it")
    import psycopg

    admin_url = PG_ADMIN_URL.replace("+psycopg", "")
    name = f"cauce_e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield from _serve(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def day_server(request: pytest.FixtureRequest) -> LiveServer:
    """The team's day journeys run on SQLite and on PostgreSQL (each backend its own seeded server)."""
    server: LiveServer = request.getfixturevalue("live_server" if request.param == "sqlite" else "live_server_pg")
    return server


def _serve(url: str) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it")
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    import uvicorn

    from cauce.brands import service as brands
    from cauce.connectors.demo_channel import ensure_demo_channel
    from cauce.demo.seed import seed
    from cauce.web.app import create_app

    upgrade(url)
    db = Database(url)
    with db.session() as session:
        seed(session)
        ids = {b.slug: b.id for b in brands.list_brands(session)}
        for slug in ("conectel", "lumina"):
            # The demo channel has no network: replies travel the real outbox and come back "sent".
            ensure_demo_channel(session, brands.get(session, brand_id=ids[slug]), actor=SYSTEM)
    from cauce.mentions.schemas import MentionIn
    from cauce.triage import service as triage

    # Load the triage model (and its lazy parts) once, before anything is timed.
    triage.assess(MentionIn.model_validate({
        "id": "warm-up", "created_at": "2026-03-02T14:00:00+00:00", "channel": "twitter", "brand": "conectel",
        "author": {"handle": "@warm", "name": "Warm", "followers": 1}, "text": "me cobraron doble la factura"}))
    _background_mentions(db)
    settings = Settings(database_url=url, sla_check_seconds=3600)
    app = create_app(settings, db=db, run_scheduler=True)  # background hooks: the outbox delivers replies
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="cauce-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the Cauce server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db, ids)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


BACKGROUND = (
    ("conectel", "twitter", "@juanpa_ortiz", "Juan Pablo Ortiz", 12400,
     "@conectel tercera vez este mes que se cae la fibra en Chapinero. Pago puntual y el servicio es pésimo"),
    ("conectel", "facebook", "maria.fernanda.r", "María Fernanda Ruiz", 310,
     "Me instalaron el plan equivocado y me siguen cobrando el anterior. Voy a poner la queja en la SIC"),
    ("conectel", "instagram", "@dani_beltran", "Daniela Beltrán", 2100,
     "¿Alguien más sin señal en Medellín? @conectel ni responden los mensajes"),
    ("conectel", "twitter", "@elnegociante", "El Negociante", 48000,
     "@conectel son unos ladrones y estafadores, todo el mundo debería cancelar ya #BoicotConectel"),
    ("conectel", "twitter", "@lucia_vargas", "Lucía Vargas", 95,
     "@conectel buenas, quería saber cómo cambio mi plan a uno con más megas"),
    ("lumina", "twitter", "@andres_q", "Andrés Quintero", 640,
     "@lumina_co la lámpara que compré llegó rota y nadie me da solución"),
)


def _background_mentions(db: Database) -> None:
    """A few realistic complaints so the inbox looks like a working day (through the real ingest)."""
    from datetime import UTC, datetime, timedelta

    from cauce.mentions.schemas import MentionIn
    from cauce.mentions.service import ingest

    now = datetime.now(UTC)
    with db.session() as session:
        for n, (brand, channel, handle, name, followers, text) in enumerate(BACKGROUND):
            ingest(session, MentionIn.model_validate({
                "id": f"bg-{n}", "created_at": (now - timedelta(minutes=50 - 7 * n)).isoformat(), "channel": channel,
                "brand": brand, "author": {"handle": handle, "name": name, "followers": followers}, "text": text,
                "metrics": {"likes": followers // 400, "reposts": followers // 1500, "replies": 2}}), source="e2e")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    _configure_expect()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None)
    tab.js_errors = errors
    yield tab
    context.close()


def login(page: Any, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/inbox")


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


# --- accessibility: axe-core (npm) run in the page --------------------------------------------

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_violations(page: Any) -> list[str]:
    """Serious and critical WCAG 2.x A/AA violations on the page as it is now (axe-core from npm)."""
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run scripts/bootstrap.sh (npm ci)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # through the debugger: the page's CSP does not apply
    found = page.evaluate("""async () => {
        const result = await window.axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in found if v["impact"] in SERIOUS]


def check_a11y(page: Any, where: str) -> None:
    problems = axe_violations(page)
    assert not problems, f"{where}:\n" + "\n".join(problems)
