"""The demo channel: replies of the demo go through the real outbox and show as delivered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.connectors import demo_channel
from cauce.db import Database, utcnow
from cauce.mentions import service as mentions
from cauce.replies import outbox
from cauce.replies import service as replies
from helpers import make_brand, mention, scripted_triage

REPLY = (
    "Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
    "escribimos por mensaje privado hoy mismo. Laura"
)


@pytest.fixture(autouse=True)
def _triage() -> Iterator[None]:
    demo_channel.LOG.clear()
    with scripted_triage():
        yield


def test_demo_replies_are_delivered_once_through_the_outbox(db: Database) -> None:
    brand = make_brand(db)
    with db.session() as s:
        first = demo_channel.ensure_demo_channel(s, brand)
        assert demo_channel.ensure_demo_channel(s, brand).id == first.id  # created once
        assert first.credentials_encrypted is None  # the demo needs no secret key at all
        case_id = mentions.ingest(s, mention(1, channel="instagram")).case_id
        user = auth.create_user(
            s,
            email="laura@conectel.demo",
            name="Laura Gómez",
            role="agent",
            password="demo-clave-2026",
            brand_ids=[brand.id],
            actor=SYSTEM,
        )
        principal = auth.principal_for(s, user)
        assert case_id is not None
        public = replies.create_reply(s, case_id=case_id, text=REPLY, visibility="public", principal=principal)
        private = replies.create_reply(
            s, case_id=case_id, text=REPLY + " Escríbenos por aquí.", visibility="private", principal=principal
        )
    run = outbox.deliver_due(db.session, now=utcnow())
    assert run.sent == 2
    with db.session() as s:
        done = {r.id: r for r in replies.replies_of_case(s, case_id=case_id, principal=principal)}
    assert done[public.id].state == "sent" and done[public.id].external_id.startswith("demo-reply-")  # type: ignore[union-attr]
    assert done[private.id].external_id.startswith("demo-private-")  # type: ignore[union-attr]
    kinds = [(m.kind, m.target) for m in demo_channel.LOG.messages]
    assert kinds == [("reply", "1"), ("private", "@ana")]


def test_demo_connector_dedupes_by_idempotency_key_and_refuses_bad_text() -> None:
    connector = demo_channel.DemoConnector.from_config({"brand": "conectel", "reject_marker": "RECHAZAR"})
    a = connector.send_reply(in_reply_to="1", text="hola", idempotency_key="k1")
    b = connector.send_reply(in_reply_to="1", text="hola", idempotency_key="k1")
    assert a == b and connector.find_existing_reply("1", "k1") == a
    assert connector.find_existing_reply("1", "k2") is None
    from cauce.connectors.base import PermanentError

    with pytest.raises(PermanentError):
        connector.send_reply(in_reply_to="1", text="RECHAZAR esto", idempotency_key="k3")
    with pytest.raises(PermanentError):
        connector.send_private(recipient="@ana", text="  ", idempotency_key="k4")


def test_the_worker_loop_delivers_until_stopped(db: Database) -> None:
    import threading
    import time

    from cauce.runtime import local_executor

    brand = make_brand(db)
    with db.session() as s:
        demo_channel.ensure_demo_channel(s, brand)
        case_id = mentions.ingest(s, mention(1)).case_id
        user = auth.create_user(
            s,
            email="laura@conectel.demo",
            name="Laura Gómez",
            role="agent",
            password="demo-clave-2026",
            brand_ids=[brand.id],
            actor=SYSTEM,
        )
        principal = auth.principal_for(s, user)
        assert case_id is not None
        reply = replies.create_reply(s, case_id=case_id, text=REPLY, visibility="public", principal=principal)
    before = set(threading.enumerate())
    executor = local_executor(db)  # what `cauce worker` and `cauce serve` start: every role
    executor.start()
    deadline = time.monotonic() + 20
    state = "queued"
    while time.monotonic() < deadline and state != "sent":
        time.sleep(0.1)
        with db.read_session() as s:
            state = replies.get_reply(s, reply_id=reply.id, principal=principal).state
    executor.stop()
    assert state == "sent" and not [t for t in set(threading.enumerate()) - before if t.name.startswith("jobs-")]
    assert len(demo_channel.LOG.messages) == 1


def test_run_once_does_one_pass_of_everything(db: Database) -> None:
    from cauce.runtime import local_executor

    brand = make_brand(db)
    with db.session() as s:
        demo_channel.ensure_demo_channel(s, brand)
    result = local_executor(db).run_once()  # `cauce worker --once`
    assert result["connectors.poll_due"]["channels_polled"] == 1 and result["replies.outbox"]["sent"] == 0
    assert {"cases.sla", "people.identity", "people.retention", "audit.checkpoint", "playbook.crisis",
            "corrections.retrain", "connectors.metrics", "connectors.streams"} <= result.keys()
    again = local_executor(db).run_once()
    assert again["connectors.poll_due"]["channels_polled"] == 0  # the demo channel is not due again for a minute
