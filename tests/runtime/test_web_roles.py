"""The web app runs the background jobs of the roles in CAUCE_JOBS (#16): all by default (the
embedded single node: `cauce serve`/`cauce demo` deliver, poll, stream and sweep with no other
service), none on a web node of a cluster, exactly the listed ones otherwise."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.connectors import demo_channel
from cauce.db import Database
from cauce.mentions import service as mentions
from cauce.replies import service as replies
from cauce.vocabulary import JobRole
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

REPLY = ("Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
         "escribimos por mensaje privado hoy mismo. Laura")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("CAUCE_JOBS", "CAUCE_BROKER_URL", "CAUCE_BACKGROUND"):
        monkeypatch.delenv(name, raising=False)
    demo_channel.LOG.clear()
    with scripted_triage():
        yield


def _job_threads(before: set[threading.Thread]) -> set[str]:
    return {t.name for t in set(threading.enumerate()) - before if t.name.startswith("jobs-") and t.is_alive()}


@pytest.mark.parametrize(("env", "broker", "roles"), [
    (None, None, set(JobRole)),
    ("outbox,sweep", None, {JobRole.outbox, JobRole.sweep}),
    ("none", None, set()),
    (None, "amqp://guest@rabbit/", set()),  # a web node of a cluster only serves
])
def test_the_web_app_runs_the_roles_it_is_given(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch,
                                                env: str | None, broker: str | None, roles: set[JobRole]) -> None:
    if env is not None:
        monkeypatch.setenv("CAUCE_JOBS", env)
    if broker is not None:
        monkeypatch.setenv("CAUCE_BROKER_URL", broker)
    before = set(threading.enumerate())
    app = create_app(Settings(database_url=sqlite_db.url), db=sqlite_db)
    with TestClient(app):
        assert app.state.executor.roles == roles
        assert _job_threads(before) == {f"jobs-{r}" for r in roles}
    assert not _job_threads(before)  # stopped with the app


def test_the_embedded_web_app_delivers_replies(db: Database) -> None:
    brand = make_brand(db)
    with db.session() as s:
        demo_channel.ensure_demo_channel(s, brand)
        case_id = mentions.ingest(s, mention(1)).case_id
        user = auth.create_user(s, email="laura@conectel.demo", name="Laura Gómez", role="agent",
                                password="demo-clave-2026", brand_ids=[brand.id], actor=SYSTEM)
        principal = auth.principal_for(s, user)
        assert case_id is not None
        reply = replies.create_reply(s, case_id=case_id, text=REPLY, visibility="public", principal=principal)
    with TestClient(create_app(Settings(database_url=db.url), db=db)):
        deadline = time.monotonic() + 20
        state = "queued"
        while time.monotonic() < deadline and state != "sent":
            time.sleep(0.1)
            with db.read_session() as s:
                state = replies.get_reply(s, reply_id=reply.id, principal=principal).state
    assert state == "sent" and len(demo_channel.LOG.messages) == 1
