"""Long-running processes live through a database outage (issue #12).

A small asyncio TCP proxy on loopback sits between the process and the real PostgreSQL server; it
is cut for ~5 s mid-work (open connections dropped, new ones closed at once) and restored. The
process must still be running, say so in its log, and do its work after recovery: `cauce outbox
run` and `cauce worker` deliver a reply queued during the outage to a fake Mastodon exactly once;
the web server answers /readyz 503 (and /healthz 200) during the outage, 200 after.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cli import app as cli_app
from cauce.config import Settings
from cauce.db import Database
from cauce.replies import service as replies
from cauce.replies.models import Reply
from cauce.web.app import create_app
from conftest import BACKENDS, _truncate_all
from connectors.fakes.fake_mastodon import TOKEN, FakeMastodon, account
from connectors.fakes.serving import serve
from connectors.runtime.recording import TEST_KEY
from helpers import make_brand, scripted_triage

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs the PostgreSQL server")

REPLY = ("Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
         "escribimos por mensaje privado hoy mismo. Laura")
OUTAGE_S = 5.0


class Proxy:
    """A TCP proxy 127.0.0.1:<port> → target, run by an asyncio loop in a thread; `cut()` drops every
    connection and closes new ones at once (as a database that went away), `restore()` ends that."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.cut_now = False
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_now:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()
                self._writers.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        def drop() -> None:
            self.cut_now = True
            for w in list(self._writers):
                w.transport.abort()
            self._writers.clear()
        self._loop.call_soon_threadsafe(drop)

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self, "cut_now", False)

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def pg(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    db = Database(postgres_url)
    _truncate_all(db)
    monkeypatch.setenv("CAUCE_DATABASE_URL", postgres_url)
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    yield db
    db.dispose()


@pytest.fixture
def proxy(pg: Database) -> Iterator[tuple[Proxy, str]]:
    url = pg.engine.url
    px = Proxy(url.host or "127.0.0.1", url.port or 5432)
    yield px, url.set(host="127.0.0.1", port=px.port).render_as_string(hide_password=False)
    px.close()


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _world(pg: Database, mastodon_url: str) -> tuple[int, auth.Principal]:
    """A brand with a Mastodon channel, Ana's complaint as a case, and an agent."""
    make_brand(pg, name="Conectel")
    runner = CliRunner()
    added = runner.invoke(cli_app, ["channels", "add", "mastodon", "--brand", "conectel", "--base-url", mastodon_url,
                                    "--token", TOKEN, "--format", "json"])
    assert added.exit_code == 0, added.stderr
    channel_id = json.loads(added.stdout)["id"]
    with scripted_triage():
        polled = runner.invoke(cli_app, ["channels", "poll", str(channel_id), "--format", "json"])
    assert polled.exit_code == 0 and json.loads(polled.stdout)["ingested"] == 1, polled.stderr
    from cauce.cases.models import Case

    with pg.session() as s:
        agent = auth.create_user(s, email="laura@conectel.co", name="Laura Gómez", role="agent",
                                 password="clave-segura-1", brand_ids=[1], actor=SYSTEM)
        case_id = s.scalars(select(Case.id)).one()
        return case_id, auth.principal_for(s, agent)


def _states(pg: Database) -> list[str]:
    with pg.read_session() as s:
        return list(s.scalars(select(Reply.state)))


PROCESSES = pytest.mark.parametrize("command", [["outbox", "run", "--every", "0.5"], ["worker"]],
                                    ids=["outbox-run", "worker"])


def _mastodon_with_complaint() -> FakeMastodon:
    server = FakeMastodon()
    server.add_status(account("ana@otra.example", id="501", name="Ana Pérez", followers=10),
                      "<p>@marca me cobraron dos veces la factura de octubre</p>")
    return server


@contextmanager
def _running(command: list[str], database_url: str, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`cauce COMMAND` in its own process on `database_url`, its output in `log_path`; stopped after."""
    env = {**os.environ, "CAUCE_DATABASE_URL": database_url, "CAUCE_ENCRYPTION_KEY": TEST_KEY,
           "CAUCE_SLA_CHECK_SECONDS": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "cauce.cli", *command], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(10)


@PROCESSES
def test_the_process_outlives_a_database_outage_and_delivers_exactly_once_after_it(
        pg: Database, proxy: tuple[Proxy, str], tmp_path: Path, command: list[str]) -> None:
    px, proxied_url = proxy
    server = _mastodon_with_complaint()
    log_path = tmp_path / "process.log"
    with serve(server.app()) as mastodon_url:
        case_id, agent = _world(pg, mastodon_url)
        with _running(command, proxied_url, log_path) as process:
            _wait(lambda: px.connections > 0, 30, "the process to reach the database")
            time.sleep(1.0)  # a few passes, mid-work
            px.cut()
            started = time.monotonic()
            with pg.session() as s:  # the agent answers while the process cannot see the database
                replies.create_reply(s, case_id=case_id, text=REPLY, visibility="public", principal=agent)
            time.sleep(OUTAGE_S - (time.monotonic() - started))
            assert process.poll() is None, log_path.read_text()
            assert server.posted == [] and _states(pg) == ["queued"]
            px.restore()
            _wait(lambda: _states(pg) == ["sent"], 40, "the reply to be delivered after the outage")
            time.sleep(2.5)  # more passes: still one post
            assert len(server.posted) == 1 and process.poll() is None
            assert server.posted[0]["body"]["status"].startswith("@ana@otra.example")
    output = log_path.read_text()
    assert "the database is unreachable" in output and "reachable again" in output, output
    assert "Traceback" not in output, output


@PROCESSES
def test_a_process_started_while_the_database_is_down_waits_for_it(
        pg: Database, proxy: tuple[Proxy, str], tmp_path: Path, command: list[str]) -> None:
    """The whole stack starting at once: the database answers only after the process started."""
    px, proxied_url = proxy
    server = _mastodon_with_complaint()
    log_path = tmp_path / "process.log"
    with serve(server.app()) as mastodon_url:
        case_id, agent = _world(pg, mastodon_url)
        with pg.session() as s:
            replies.create_reply(s, case_id=case_id, text=REPLY, visibility="public", principal=agent)
        px.cut()
        with _running(command, proxied_url, log_path) as process:
            _wait(lambda: "unreachable" in log_path.read_text(), 30, "the process to say it waits")
            time.sleep(OUTAGE_S)
            assert process.poll() is None, log_path.read_text()
            assert server.posted == [] and _states(pg) == ["queued"]
            px.restore()
            _wait(lambda: _states(pg) == ["sent"], 40, "the reply to be delivered once the database answers")
            assert len(server.posted) == 1 and process.poll() is None
    output = log_path.read_text()
    assert "start-up: the database is unreachable" in output and "reachable again" in output, output
    assert "Traceback" not in output, output


def test_the_web_server_is_live_but_not_ready_during_an_outage(pg: Database, proxy: tuple[Proxy, str]) -> None:
    px, proxied_url = proxy
    with pg.session() as s:
        auth.create_user(s, email="ana@a.co", name="Ana", role="admin", password="clave-segura-1", actor=SYSTEM)
        token = auth.create_api_token(s, user_id=1, name="t", actor=SYSTEM)
    db = Database(proxied_url)
    app = create_app(Settings(database_url=proxied_url, sla_check_seconds=0.5), db=db, run_scheduler=True)
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get("/readyz").status_code == 200
            assert client.get("/api/v1/me", headers=bearer).status_code == 200
            px.cut()
            started = time.monotonic()
            while time.monotonic() - started < OUTAGE_S:
                assert client.get("/healthz").status_code == 200
                ready = client.get("/readyz")
                assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
                busy = client.get("/api/v1/me", headers=bearer)
                assert busy.status_code == 503, busy.text
                assert busy.json()["error"]["code"] == "database_unavailable"
                time.sleep(0.5)
            px.restore()
            _wait(lambda: client.get("/readyz").status_code == 200, 20, "/readyz after the outage")
            assert client.get("/api/v1/me", headers=bearer).json()["email"] == "ana@a.co"
    finally:
        db.dispose()


def test_cauce_serve_starts_while_the_database_is_down_and_serves_once_it_answers(
        pg: Database, proxy: tuple[Proxy, str], tmp_path: Path) -> None:
    """A real `cauce serve` started with the database cut: live, not ready, 503 everywhere else
    (JSON under /api, a Spanish page for people), then normal service when it answers, no restart;
    a later cut gives the same answers."""
    import re

    import httpx

    from connectors.fakes.serving import free_port

    px, proxied_url = proxy
    with pg.session() as s:
        admin = auth.create_user(s, email="ana@a.co", name="Ana", role="admin", password="clave-segura-1",
                                 actor=SYSTEM)
        bearer = {"Authorization": f"Bearer {auth.create_api_token(s, user_id=admin.id, name='t', actor=SYSTEM)}"}
    px.cut()
    port = free_port()
    log_path = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def unavailable(client: httpx.Client) -> None:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        api = client.get("/api/v1/me", headers=bearer)
        assert api.status_code == 503 and api.headers["retry-after"].isdigit(), api.text
        assert api.json()["error"]["code"] == "database_unavailable"
        page = client.get("/inbox")
        assert page.status_code == 503 and page.headers["retry-after"].isdigit()
        assert page.headers["content-type"].startswith("text/html")
        assert "no está disponible" in page.text and "base de datos no responde" in page.text

    with _running(["serve", "--port", str(port)], proxied_url, log_path) as process, \
            httpx.Client(base_url=base, timeout=10) as client:
        _wait(up, 60, "cauce serve to answer /healthz with the database down")
        for _ in range(3):
            unavailable(client)
            time.sleep(0.5)
        assert process.poll() is None
        px.restore()
        _wait(lambda: client.get("/readyz").status_code == 200, 40, "/readyz once the database answers")
        assert client.get("/api/v1/me", headers=bearer).json()["email"] == "ana@a.co"
        login = client.get("/login")
        assert login.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        signed_in = client.post("/login", data={"email": "ana@a.co", "password": "clave-segura-1",
                                                "csrf_token": token.group(1), "next": "/inbox"}, follow_redirects=True)
        assert signed_in.status_code == 200 and "/login" not in str(signed_in.url)
        px.cut()  # a later outage: the same answers, from the running server
        page = client.get("/inbox")
        assert page.status_code == 503 and "no está disponible" in page.text, page.text[:300]
        api = client.get("/api/v1/me", headers=bearer)
        assert api.status_code == 503 and api.json()["error"]["code"] == "database_unavailable"
        assert client.get("/healthz").status_code == 200
        px.restore()
        _wait(lambda: client.get("/inbox").status_code == 200, 40, "the inbox after the second outage")
        assert process.poll() is None
    output = log_path.read_text()
    assert "start-up: the database is unreachable" in output and "reachable again" in output, output
    assert "Traceback" not in output, output


class LiveJetstream:
    """A Jetstream that pushes events as they are added (from the connection's cursor on)."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.connections: list[int] = []

    async def handler(self, ws: Any) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        cursor = int(query.get("cursor", ["0"])[0])
        self.connections.append(cursor)
        sent: set[int] = set()
        while True:
            for raw in list(self.events):
                at = int(json.loads(raw)["time_us"])
                if at >= cursor and at not in sent:
                    await ws.send(raw)
                    sent.add(at)
            await asyncio.sleep(0.05)


def test_a_live_stream_outlives_a_database_outage_and_replays_what_it_could_not_store(
        pg: Database, proxy: tuple[Proxy, str], caplog: pytest.LogCaptureFixture) -> None:
    from websockets.asyncio.server import serve as ws_serve

    from cauce.brands.models import ChannelAccount
    from cauce.connectors.backoff import Backoff
    from cauce.connectors.runtime.streams import stream_channel
    from cauce.mentions.models import Mention
    from connectors.fakes.fake_jetstream import post_event

    px, proxied_url = proxy
    fake = LiveJetstream()
    ready, done = threading.Event(), threading.Event()
    port: list[int] = []

    async def server() -> None:
        async with ws_serve(fake.handler, "127.0.0.1", 0) as srv:
            port.append(srv.sockets[0].getsockname()[1])
            ready.set()
            while not done.is_set():
                await asyncio.sleep(0.05)

    ws_thread = threading.Thread(target=lambda: asyncio.run(server()), daemon=True)
    ws_thread.start()
    assert ready.wait(5)
    brand = make_brand(pg, search_terms=["moviplus"])
    with pg.session() as s:
        row = ChannelAccount(brand_id=brand.id, kind="jetstream", name="Jetstream", settings={}, cursor={},
                             base_url=f"ws://127.0.0.1:{port[0]}/subscribe", enabled=True, healthy=True)
        s.add(row)
        s.flush()
        channel_id = row.id

    def texts() -> list[str]:
        with pg.read_session() as s:
            return list(s.scalars(select(Mention.text).order_by(Mention.id)))

    def saved_cursor() -> dict[str, Any]:
        with pg.read_session() as s:
            row = s.get(ChannelAccount, channel_id)
            return dict(row.cursor or {}) if row is not None else {}

    proxied = Database(proxied_url)
    stop = threading.Event()
    fake.events.append(json.dumps(post_event("did:plc:u1", 1001, "moviplus me cobró dos veces")))
    with scripted_triage(), caplog.at_level(logging.WARNING):
        worker = threading.Thread(target=stream_channel, args=(proxied, channel_id),
                                  kwargs={"stop": stop, "backoff": Backoff(base_s=0.2, cap_s=1.0), "max_wait_s": 0.1},
                                  daemon=True)
        worker.start()
        try:
            _wait(lambda: texts() == ["moviplus me cobró dos veces"], 30, "the first event")
            # The cursor is saved just after the mentions commit: cut only once it is (a cut in between
            # replays from the start, which loses nothing but is not what this test is about).
            _wait(lambda: bool(saved_cursor()), 30, "the cursor saved after the first event")
            px.cut()
            fake.events.append(json.dumps(post_event("did:plc:u2", 1002, "moviplus sin señal en Cali")))
            time.sleep(OUTAGE_S)
            assert worker.is_alive() and texts() == ["moviplus me cobró dos veces"]
            px.restore()
            _wait(lambda: len(texts()) == 2, 40, "the event that arrived during the outage")
            time.sleep(1.0)
            assert texts() == ["moviplus me cobró dos veces", "moviplus sin señal en Cali"]  # once each
            assert worker.is_alive()
        finally:
            stop.set()
            worker.join(15)
            done.set()
            ws_thread.join(5)
            proxied.dispose()
    assert any("database is unreachable" in r.getMessage() for r in caplog.records), caplog.text
    assert len(fake.connections) >= 2 and fake.connections[-1] == 1001  # resumed from the saved cursor
