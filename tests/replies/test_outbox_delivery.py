"""The outbox: exactly-once delivery, crash recovery, rate limits, expired tokens, moderation actions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select

from cauce.audit.models import AuditEvent
from cauce.brands.models import ChannelAccount
from cauce.cases.models import Case, ModerationAction
from cauce.connectors.base import AuthExpired, PermanentError, RateLimited, TransientError
from cauce.db import Database, utcnow
from cauce.mentions.models import Mention
from cauce.replies import outbox
from cauce.replies import service as replies
from cauce.replies.models import Reply
from connectors.runtime.recording import TEST_KEY, Network, RecordingConnector, build_world, provider
from helpers import scripted_triage

GOOD = ("Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
        "escribimos por mensaje privado hoy mismo. Laura")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    with scripted_triage():
        yield


def _queue(db: Database, w: object, *, visibility: str = "public", text: str = GOOD) -> int:
    with db.session() as s:
        return replies.create_reply(s, case_id=w.case_id, text=text, visibility=visibility,  # type: ignore[attr-defined]
                                    principal=w.agent).id  # type: ignore[attr-defined]


def _reply(db: Database, reply_id: int) -> Reply:
    with db.session() as s:
        reply = s.get(Reply, reply_id)
        assert reply is not None
        return reply


def test_delivery_marks_sent_and_counts_as_the_first_public_response(db: Database) -> None:
    w = build_world(db)
    net = Network()
    rid = _queue(db, w)
    run = outbox.deliver_due(db.session, now=utcnow(), registry=provider(net))
    assert (run.sent, run.failed, run.retried) == (1, 0, 0)
    assert net.posts == [{"kind": "reply", "target": "1", "text": GOOD, "key": _reply(db, rid).idempotency_key}]
    reply = _reply(db, rid)
    assert reply.state == "sent" and reply.external_id == "ext-1" and reply.attempts == 1 and reply.sent_at
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None and case.first_response_at is not None and case.status == "primera_respuesta"
        assert all(m.answered for m in s.scalars(select(Mention).where(Mention.case_id == w.case_id)))
    # Nothing is left to send: a second pass sends nothing more.
    assert outbox.deliver_due(db.session, now=utcnow(), registry=provider(net)).sent == 0
    assert len(net.posts) == 1


def test_a_private_reply_on_a_public_network_goes_as_a_direct_message(db: Database) -> None:
    w = build_world(db)
    net = Network()
    rid = _queue(db, w, visibility="private")
    outbox.deliver_due(db.session, now=utcnow(), registry=provider(net))
    assert net.posts[0]["kind"] == "private" and net.posts[0]["target"] == "@ana"
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None and case.first_response_at is None and case.last_response_at is not None
    assert _reply(db, rid).state == "sent"


def test_crash_between_send_and_acknowledgement_never_sends_twice(db: Database) -> None:
    w = build_world(db)
    net = Network(script=["crash"])
    rid = _queue(db, w)
    now = utcnow()
    run = outbox.deliver_due(db.session, now=now, registry=provider(net))
    assert run.unknown == 1 and run.sent == 0 and len(net.posts) == 1
    assert _reply(db, rid).state == "sending"
    # Within the lease nobody touches it (another worker may still be finishing it).
    assert outbox.deliver_due(db.session, now=now + timedelta(seconds=30), registry=provider(net)).as_dict()[
        "recovered"] == 0
    later = outbox.deliver_due(db.session, now=now + timedelta(minutes=3), registry=provider(net))
    assert later.recovered == 1 and later.sent == 0
    reply = _reply(db, rid)
    assert reply.state == "sent" and reply.external_id == "ext-1"
    assert len(net.posts) == 1


def test_interrupted_send_that_never_reached_the_network_is_sent_once(db: Database) -> None:
    w = build_world(db)
    net = Network()
    rid = _queue(db, w)
    now = utcnow()
    with db.session() as s:  # as if the worker died right after claiming the reply
        reply = s.get(Reply, rid)
        assert reply is not None
        reply.state, reply.attempts, reply.next_attempt_at = "sending", 1, now + outbox.LEASE
    run = outbox.deliver_due(db.session, now=now + timedelta(minutes=5), registry=provider(net))
    assert run.sent == 1 and len(net.posts) == 1 and _reply(db, rid).state == "sent"


def test_rate_limit_requeues_after_retry_after_and_pauses_the_channel(db: Database) -> None:
    w = build_world(db)
    net = Network(script=[RateLimited("429 demasiadas solicitudes", retry_after_s=600)])
    first, second = _queue(db, w), _queue(db, w, text=GOOD + " Gracias por avisarnos.")
    now = utcnow()
    run = outbox.deliver_due(db.session, now=now, registry=provider(net))
    assert run.retried == 1 and run.sent == 0 and net.posts == []
    reply = _reply(db, first)
    assert reply.state == "queued" and reply.next_attempt_at is not None
    assert reply.next_attempt_at >= now + timedelta(seconds=600) and "Límite" in (reply.error or "")
    assert _reply(db, second).attempts == 0  # the channel was paused for the rest of the run
    assert outbox.deliver_due(db.session, now=now + timedelta(seconds=60), registry=provider(net)).sent == 1
    done = outbox.deliver_due(db.session, now=now + timedelta(minutes=15), registry=provider(net))
    assert done.sent == 1 and len(net.posts) == 2


def test_transient_errors_back_off_then_fail_after_max_attempts(db: Database) -> None:
    w = build_world(db)
    net = Network(script=[TransientError("503 no disponible")] * outbox.MAX_ATTEMPTS)
    rid = _queue(db, w)
    now = utcnow()
    for i in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_due(db.session, now=now + timedelta(days=i), registry=provider(net))
    reply = _reply(db, rid)
    assert reply.state == "failed" and reply.attempts == outbox.MAX_ATTEMPTS and "503" in (reply.error or "")
    assert net.posts == []


def test_expired_token_marks_channel_unhealthy_fails_visibly_and_alerts(db: Database) -> None:
    w = build_world(db)
    net = Network(script=[AuthExpired("401 The access token is invalid")])
    rid, other = _queue(db, w), _queue(db, w, text=GOOD + " Gracias.")
    run = outbox.deliver_due(db.session, now=utcnow(), registry=provider(net))
    assert run.failed == 2 and net.posts == []
    reply = _reply(db, rid)
    assert reply.state == "failed" and "credenciales" in (reply.error or "") and "renovarlas" in (reply.error or "")
    assert "no está operativo" in (_reply(db, other).error or "")
    with db.session() as s:
        channel = s.get(ChannelAccount, w.channel_id)
        assert channel is not None and not channel.healthy and "401" in (channel.last_error or "")
        actions = {e.action for e in s.scalars(select(AuditEvent))}
        case_events = {e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == w.case_id))}
    assert "channel.alert" in actions and "reply.failed" in case_events


def test_permanent_error_fails_with_the_api_reason(db: Database) -> None:
    w = build_world(db)
    net = Network(script=[PermanentError("Record not found", status=404)])
    rid = _queue(db, w)
    assert outbox.deliver_due(db.session, now=utcnow(), registry=provider(net)).failed == 1
    reply = _reply(db, rid)
    assert reply.state == "failed" and "Record not found" in (reply.error or "")


def test_queued_moderation_actions_go_through_the_same_worker(db: Database) -> None:
    w = build_world(db)
    net = Network()
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None
        for action in ("hide", "block", "warn"):
            s.add(ModerationAction(brand_id=case.brand_id, person_id=case.person_id, case_id=case.id,
                                   mention_id=w.mention_id, action=action, rule="norma-2", reason="insultos",
                                   channel_account_id=w.channel_id, delivery_state="queued"))
    run = outbox.deliver_due(db.session, now=utcnow(), registry=provider(net))
    assert run.moderated == 2
    assert sorted(net.actions) == [("block", "@ana"), ("hide", "1")]
    with db.session() as s:
        states = {m.action: m.delivery_state for m in s.scalars(select(ModerationAction))}
    assert states == {"hide": "done", "block": "done", "warn": "not_needed"}


def test_recipients_and_moderation_targets_follow_each_network() -> None:
    def m(channel: str, raw: dict[str, object], handle: str = "@ana") -> Mention:
        return Mention(channel=channel, external_id="77:5", author_handle=handle, raw=raw)

    telegram = m("telegram", {"chat_id": -100, "user_id": 77})
    assert outbox.private_recipient(telegram) == "77"
    assert outbox.moderation_target(telegram, "ban") == "-100:77"
    assert outbox.moderation_target(telegram, "hide") == "77:5"
    x = m("x", {"author_id": "2244994945"})
    assert outbox.private_recipient(x) == "2244994945" and outbox.moderation_target(x, "mute") == "2244994945"
    mastodon = m("mastodon", {}, handle="@ana@otra.example")
    assert outbox.private_recipient(mastodon) == "@ana@otra.example"
    assert outbox.moderation_target(mastodon, "block") == "@ana@otra.example"


def test_two_workers_at_once_still_send_each_reply_once(db: Database) -> None:
    import threading

    from connectors.runtime.recording import RecordingConnector

    class Slow(RecordingConnector):
        def send_reply(self, *, in_reply_to: str, text: str, idempotency_key: str,  # type: ignore[override]
                       created_at: datetime | None = None) -> object:
            import time

            time.sleep(0.05)
            return super().send_reply(in_reply_to=in_reply_to, text=text, idempotency_key=idempotency_key)

    w = build_world(db)
    net = Network()
    ids = [_queue(db, w, text=f"{GOOD} Caso {n}.") for n in range(6)]
    now = utcnow()
    workers = [threading.Thread(target=outbox.deliver_due, args=(db.session,),
                                kwargs={"now": now, "registry": lambda *a: Slow(net)}) for _ in range(2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    keys = [p["key"] for p in net.posts]
    assert len(keys) == 6 and len(set(keys)) == 6
    assert {_reply(db, i).state for i in ids} == {"sent"}


@pytest.mark.parametrize("refusal", [
    TransientError("bluesky: error del servidor (500 InternalServerError)"),  # the reference PDS on a taken rkey
    PermanentError("x: You are not allowed to create a Tweet with duplicate content.", 403),
    PermanentError("409 Conflict: already exists", 409),
], ids=["500", "403", "409"])
def test_a_retry_after_a_lost_answer_finds_the_reply_whatever_already_exists_looks_like(
        db: Database, refusal: Exception) -> None:
    w = build_world(db)
    # The answer is lost and the network cannot yet tell whether the post exists: retried later.
    net = Network(script=["lost"], duplicate_error=refusal, failing_lookups=1)
    rid = _queue(db, w)
    now = utcnow()
    first = outbox.deliver_due(db.session, now=now, registry=provider(net))
    assert first.retried == 1 and len(net.posts) == 1 and _reply(db, rid).state == "queued"
    later = outbox.deliver_due(db.session, now=now + timedelta(hours=1), registry=provider(net))
    assert later.sent == 1 and later.failed == 0
    reply = _reply(db, rid)
    assert reply.state == "sent" and reply.external_id == "ext-1"
    assert len(net.posts) == 1  # posted once, acknowledged once


def test_a_lost_answer_is_resolved_on_the_same_attempt_when_the_post_is_found(db: Database) -> None:
    w = build_world(db)
    net = Network(script=["lost"])
    rid = _queue(db, w)
    run = outbox.deliver_due(db.session, now=utcnow(), registry=provider(net))
    assert run.sent == 1 and run.retried == 0 and len(net.posts) == 1 and _reply(db, rid).state == "sent"


def test_a_refused_send_with_nothing_on_the_network_still_fails(db: Database) -> None:
    w = build_world(db)
    net = Network(script=[PermanentError("403 forbidden", 403)])
    rid = _queue(db, w)
    run = outbox.deliver_due(db.session, now=utcnow(), registry=provider(net))
    assert run.failed == 1 and _reply(db, rid).state == "failed" and net.posts == []


def test_an_action_a_network_leaves_to_cauce_is_not_sent_and_says_why(db: Database) -> None:
    class LocalMute(RecordingConnector):
        local_actions: ClassVar[Mapping[str, str]] = {
            "mute": "silenciar en esta red ocultaría sus menciones; se silencia solo en Cauce"}

    w = build_world(db)
    net = Network()
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None
        s.add(ModerationAction(brand_id=case.brand_id, person_id=case.person_id, case_id=case.id,
                               mention_id=w.mention_id, action="mute", rule="respeto", reason="burlas",
                               channel_account_id=w.channel_id, delivery_state="queued"))
    run = outbox.deliver_due(db.session, now=utcnow(), registry=lambda *_: LocalMute(net))
    assert net.actions == [] and run.failed == 0
    with db.session() as s:
        row = s.scalars(select(ModerationAction)).one()
        assert row.delivery_state == "not_needed" and "solo en Cauce" in (row.delivery_error or "")
