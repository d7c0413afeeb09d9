"""Multi-node on loopback: 2 `cauce serve` + 3 `cauce worker` processes, PostgreSQL and RabbitMQ.

A 5,000-mention burst arrives through the generic webhook (signed) on both web nodes while two fake
Telegram bots are polled and replies go out through them; one worker is killed with SIGKILL in the
middle of the burst and restarted. Then: every mention stored once, every author's thread in one
case, every reply sent once, every channel polled once per interval (requests counted at the fake),
and the live inbox of web 1 (its SSE stream, read by an HTTP client instead of a browser) announced
a case that was ingested through web 2.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import service as brands
from cauce.brands.models import Brand
from cauce.cases.models import Case
from cauce.connectors import construction
from cauce.connectors.webhook import sign
from cauce.db import Database, upgrade
from cauce.mentions.models import Mention
from cauce.replies import service as replies
from cauce.replies.models import Reply
from connectors.fakes import fake_telegram
from connectors.fakes.fake_telegram import FakeTelegram
from connectors.fakes.serving import free_port, serve

pytestmark = [pytest.mark.multinode]

PG_ADMIN_URL = os.environ.get("CAUCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AMQP = "amqp://guest:guest@127.0.0.1:5672/{vhost}"
KEY = "6dC0iC3xJ3z1bQy9e2m5XUt7wq4rYv8pN0aLkHsJgFo="  # Fernet key (test only)
SECRET = "multinode-webhook-secret-0123456789"
NODE = str(Path(__file__).with_name("node.py"))  # `cauce` with the suite's scripted triage
# 5,000 in `make test`; smaller when iterating (CAUCE_MULTINODE_MENTIONS=1000).
MENTIONS = int(os.environ.get("CAUCE_MULTINODE_MENTIONS", "5000"))
PER_POST = 50
AUTHORS_PER_BRAND = max(1, MENTIONS // 20)  # each author writes 20/3 ≈ 6-7 times: one thread, one case
TELEGRAM_USERS = 12
REPLY = ("Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
         "escribimos por mensaje privado hoy mismo. Laura")
TELEGRAM_INTERVAL_S = 10.0  # the network's minimum (connectors.runtime.polling.MIN_INTERVAL_S)
COMPLAINTS = [
    "@{brand} llevo tres días sin internet y nadie me responde, pésimo servicio",
    "@{brand} me cobraron dos veces la factura de este mes, quiero la devolución",
    "@{brand} el técnico no vino a la cita y perdí el día de trabajo, qué falta de respeto",
    "@{brand} sigo sin señal en mi casa, ya puse tres reclamos y nada",
]


def _services_missing() -> str | None:
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl not found (RabbitMQ is needed for the multi-node test)"
    if os.environ.get("CAUCE_TEST_SKIP_POSTGRES"):
        return "CAUCE_TEST_SKIP_POSTGRES is set"
    return None


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def database() -> Iterator[str]:
    import psycopg

    admin = PG_ADMIN_URL.replace("+psycopg", "")
    name = f"cauce_multinode_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def broker() -> Iterator[str]:
    vhost = f"cauce-multinode-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield AMQP.format(vhost=vhost)
    finally:
        _rabbitmqctl("delete_vhost", vhost)


class CountingTelegram(FakeTelegram):
    """The fake Telegram, with the time of every call (to count polls per interval)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls_at: list[tuple[float, str]] = []

    async def method(self, request: Any) -> Any:
        self.calls_at.append((time.monotonic(), str(request.path_params["method"])))
        return await super().method(request)


@dataclass
class World:
    db: Database
    brands: list[tuple[str, int]]          # (slug, webhook channel id)
    agent_id: int
    session_token: str


def _seed(url: str, telegram_urls: list[str]) -> World:
    os.environ["CAUCE_ENCRYPTION_KEY"] = KEY
    db = Database(url)
    out: list[tuple[str, int]] = []
    with db.session() as s:
        made = [brands.create_brand(s, name=f"Marca {n}", slug=f"marca{n}", actor=SYSTEM) for n in range(3)]
        s.flush()
        for brand in made:
            channel = construction.add_channel(s, brand=brand, kind="webhook", credentials={"secret": SECRET},
                                               actor=SYSTEM)
            out.append((brand.slug, channel.id))
        for n, base in enumerate(telegram_urls):
            construction.add_channel(s, brand=made[n], kind="telegram", base_url=base,
                                     credentials={"bot_token": fake_telegram.TOKEN}, actor=SYSTEM)
        agent = auth.create_user(s, email="laura@marca.example", name="Laura Gómez", role="admin",
                                 password="clave-segura-de-prueba", brand_ids=[b.id for b in made], actor=SYSTEM)
        token = auth.start_session(s, user=agent).token
        agent_id = agent.id
    return World(db, out, agent_id, token)


@dataclass
class Cluster:
    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen([sys.executable, NODE, *args], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)

    def kill9(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def alive(self) -> dict[str, int | None]:
        return {name: proc.poll() for name, proc in self.procs.items()}


def _wait_http(url: str, timeout_s: float = 150) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def _burst(brands_: list[tuple[str, int]]) -> list[list[dict[str, Any]]]:
    """5,000 mentions in posts of 50, each post for one brand; authors write several times."""
    posts: list[list[dict[str, Any]]] = []
    for start in range(0, MENTIONS, PER_POST):
        slug = brands_[(start // PER_POST) % len(brands_)][0]
        items = []
        for n in range(start, start + PER_POST):
            author = n % AUTHORS_PER_BRAND
            items.append({
                "id": f"m{n}", "created_at": f"2026-12-03T10:{(n // 100) % 60:02d}:{n % 60:02d}+00:00",
                "author": {"handle": f"@cliente{author}_{slug}", "name": f"Cliente {author}", "followers": 10},
                "text": COMPLAINTS[n % len(COMPLAINTS)].format(brand=slug) + f" (ref {n})",
            })
        posts.append(items)
    return posts


def _post(base: str, channel_id: int, items: list[dict[str, Any]]) -> int:
    body = json.dumps(items).encode()
    headers = {"Content-Type": "application/json", **sign(SECRET, int(time.time()), body)}
    for _ in range(5):
        try:
            response = httpx.post(f"{base}/webhooks/generic/{channel_id}", content=body, headers=headers, timeout=30)
            assert response.status_code == 202, response.text
            return int(response.json()["queued"])
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError("webhook never answered")


class SSEReader(threading.Thread):
    """Reads web 1's live-inbox stream (what the inbox page's EventSource receives)."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.case_ids: set[int] = set()
        self.ready = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        cookies = {"cauce_session": self.token}
        with httpx.Client(cookies=cookies, timeout=httpx.Timeout(5, read=60)) as client, \
                client.stream("GET", f"{self.base}/inbox/events") as response:
            assert response.status_code == 200, response.status_code
            event = ""
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                    if event == "ready":
                        self.ready.set()
                elif line.startswith("data:") and event == "cases":
                    self.case_ids.update(int(x) for x in line.split(":", 1)[1].strip().split(",") if x)


@pytest.mark.skipif(_services_missing() is not None, reason=str(_services_missing()))
def test_five_thousand_mentions_two_webs_three_workers_one_killed(database: str, broker: str,
                                                                    tmp_path: Path) -> None:
    started = time.monotonic()
    bots = [CountingTelegram() for _ in range(2)]
    for bot_number, bot in enumerate(bots):
        for n in range(TELEGRAM_USERS):
            bot.add_message({"id": 7000 + n, "type": "private", "first_name": "Ana"},
                            fake_telegram.user(7000 + n, "Ana"), COMPLAINTS[n % 4].format(brand="marca") +
                            f" (bot {bot_number}, cliente {n})")
    with serve(bots[0].app()) as tg0, serve(bots[1].app()) as tg1:
        world = _seed(database, [tg0, tg1])
        env = {**os.environ, "CAUCE_DATABASE_URL": database, "CAUCE_BROKER_URL": broker, "CAUCE_ENCRYPTION_KEY": KEY,
               "CAUCE_SECRET_KEY": "multinode-secret-key-0123456789abcdef", "CAUCE_WORKER_THREADS": "3",
               "CAUCE_AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"), "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
        env.pop("CAUCE_JOBS", None)
        env.pop("CAUCE_BACKGROUND", None)
        logs_dir = Path(os.environ.get("CAUCE_MULTINODE_LOGS") or tmp_path)
        logs_dir.mkdir(parents=True, exist_ok=True)
        cluster = Cluster(env, logs_dir)
        sse: SSEReader | None = None
        webs = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
        try:
            for n, base in enumerate(webs):
                cluster.start(f"web{n + 1}", "serve", "--port", base.rsplit(":", 1)[1])
            for n in range(3):
                cluster.start(f"worker{n + 1}", "worker")
            for base in webs:
                _wait_http(f"{base}/healthz")
            sse = SSEReader(webs[0], world.session_token)
            sse.start()
            assert sse.ready.wait(30), "web 1's live stream never opened"

            posts = _burst(world.brands)
            channel_of = dict(world.brands)
            queued = 0
            killed_at = None
            for number, items in enumerate(posts):
                slug = str(items[0]["author"]["handle"]).rsplit("_", 1)[1]
                # Alternate the web nodes; web 2 takes every other post.
                queued += _post(webs[number % 2], channel_of[slug], items)
                if number == len(posts) // 3:
                    time.sleep(1.0)  # let the workers be busy with the first third
                    cluster.kill9("worker2")
                    killed_at = time.monotonic()
                if killed_at is not None and number == len(posts) // 2:
                    cluster.start("worker2b", "worker")
            assert queued == MENTIONS
            burst_s = time.monotonic() - started

            # Replies for the Telegram cases as they appear, delivered by whichever worker's outbox runs.
            reply_ids = _queue_telegram_replies(world, deadline=time.monotonic() + 60)
            _wait_until(lambda: _count(world.db, Mention) >= MENTIONS + 2 * TELEGRAM_USERS, 300,
                        lambda: f"all mentions: {_progress(world.db)}")
            _wait_until(lambda: _sent_count(world.db, reply_ids) == len(reply_ids), 60, "replies sent")
            # Run on a little past two Telegram intervals to count the polls of each channel.
            time.sleep(max(0.0, 2 * TELEGRAM_INTERVAL_S + 2 - (time.monotonic() - started - burst_s)))
            status = subprocess.run([sys.executable, NODE, "jobs", "status"], env=env,
                                    capture_output=True, text=True, timeout=60)
            assert status.returncode == 0, status.stderr
            jobs = json.loads(status.stdout)
            alive = cluster.alive()
        finally:
            if sse is not None:
                sse.stop.set()
            cluster.stop_all()
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs_dir.glob("*.log"))

        # Every process but the killed worker was still running.
        assert alive["worker2"] == -signal.SIGKILL and all(
            code is None for name, code in alive.items() if name != "worker2"), (alive, logs)

        with world.db.read_session() as s:
            # Every mention stored once (the unique key would refuse a second row; count them all).
            external = Counter(s.execute(select(Mention.brand_id, Mention.channel, Mention.external_id)).all())
            assert len(external) == MENTIONS + 2 * TELEGRAM_USERS and max(external.values()) == 1
            assert {f"m{n}" for n in range(MENTIONS)} <= {key[2] for key in external}
            # Every case once: an author's thread (same brand, same person) is never split in two open
            # cases, which concurrent ingest of one organisation would do.
            per_person = Counter(s.execute(select(Case.brand_id, Case.person_id)).all())
            assert per_person and max(per_person.values()) == 1, per_person.most_common(3)
            cases_total = len(per_person)
            linked = s.scalar(select(func.count()).select_from(Mention).where(Mention.case_id.is_not(None)))
            brand_ids = [b for b in s.scalars(select(Brand.id))]
        # Each web brand has AUTHORS_PER_BRAND authors, and each telegram user a case.
        assert cases_total >= 3 * AUTHORS_PER_BRAND * 0.9, cases_total
        assert linked and linked >= MENTIONS * 0.9, linked
        assert len(brand_ids) == 3

        # Every reply sent exactly once, counted at the fake network.
        sent_texts = Counter((number, m["chat_id"], m.get("reply_to_message_id"))
                             for number, bot in enumerate(bots) for m in bot.sent)
        assert len(reply_ids) == 2 * TELEGRAM_USERS
        assert sum(sent_texts.values()) == len(reply_ids) and max(sent_texts.values()) == 1, sent_texts

        # Every channel polled once per interval: getUpdates calls never closer than the interval.
        for bot in bots:
            polls = [when for when, method in bot.calls_at if method == "getUpdates"]
            assert len(polls) >= 2, polls
            gaps = [b - a for a, b in itertools.pairwise(polls)]
            assert min(gaps) >= TELEGRAM_INTERVAL_S * 0.9, gaps

        # The live inbox of web 1 announced cases ingested through web 2 (odd-numbered posts).
        via_web2 = _cases_of_posts(world.db, posts[1::2])
        assert sse is not None and sse.case_ids & via_web2, (len(sse.case_ids), len(via_web2))

        # Nothing dead-lettered; the queues drained.
        assert all(q["dead"] == 0 and q["ready"] == 0 for q in jobs["queues"]), jobs
    world.db.dispose()


def _count(db: Database, model: Any) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _sent_count(db: Database, reply_ids: list[int]) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Reply).where(
            Reply.id.in_(reply_ids), Reply.state == "sent")) or 0)


def _wait_until(check: Any, timeout_s: float, what: Any) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def _progress(db: Database) -> dict[str, int]:
    with db.read_session() as s:
        return {str(channel): int(n) for channel, n in s.execute(
            select(Mention.channel, func.count()).group_by(Mention.channel)).all()}


def _queue_telegram_replies(world: World, *, deadline: float) -> list[int]:
    from cauce.auth.models import User

    done: dict[int, int] = {}
    while time.monotonic() < deadline and len(done) < 2 * TELEGRAM_USERS:
        with world.db.session() as s:
            user = s.get(User, world.agent_id)
            assert user is not None
            principal = auth.principal_for(s, user)
            for case_id in s.scalars(select(Case.id).where(Case.channel == "telegram")):
                if case_id not in done:
                    done[case_id] = replies.create_reply(s, case_id=case_id, text=REPLY, visibility="private",
                                                         principal=principal).id
        time.sleep(0.5)
    return list(done.values())


def _cases_of_posts(db: Database, posts: list[list[dict[str, Any]]]) -> set[int]:
    ids = [str(item["id"]) for items in posts for item in items]
    with db.read_session() as s:
        return {c for c in s.scalars(select(Mention.case_id).where(Mention.external_id.in_(ids))) if c}
