"""Replies service: scope, the tone guard (block, override, warn), the outbox entry, recorded replies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM
from cauce.brands.models import ChannelAccount
from cauce.cases.models import Case
from cauce.db import Database
from cauce.errors import Conflict, Forbidden, InvalidInput, NotFound
from cauce.mentions.models import Mention
from cauce.people.models import Person
from cauce.replies import service as replies
from cauce.replies.models import Reply
from connectors.runtime.recording import TEST_KEY, build_world, more_mention
from helpers import scripted_triage

GOOD = ("Hola Ana, lamentamos mucho el doble cobro de tu factura de octubre. Ya lo estamos revisando y te "
        "escribimos por mensaje privado hoy mismo. Laura")
ASKS_DATA_IN_PUBLIC = "Hola Ana, envíanos tu número de cédula y teléfono aquí mismo para revisar el cobro. Laura"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    with scripted_triage():
        yield


def _actions(db: Database, case_id: int) -> list[str]:
    with db.session() as s:
        return [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                            .order_by(AuditEvent.id))]


def test_a_good_reply_is_queued_once_with_a_unique_key_and_audited(db: Database) -> None:
    w = build_world(db)
    with db.session() as s:
        reply = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent,
                                     intent="first_reply")
        assert reply.state == "queued" and reply.channel_account_id == w.channel_id
        assert reply.guard["verdict"] == "ok" and reply.in_reply_to_mention_id == w.mention_id
        second = replies.create_reply(s, case_id=w.case_id, text=GOOD + " ", visibility="public",
                                      principal=w.agent)
        assert second.idempotency_key != reply.idempotency_key
        # A client retrying the same request with its own key does not queue twice.
        a = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent,
                                 idempotency_key="boton-1")
        b = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent,
                                 idempotency_key="boton-1")
        assert a.id == b.id
        case = s.get(Case, w.case_id)
        assert case is not None and case.first_response_at is None  # queued is not yet answered
    assert "reply.queued" in _actions(db, w.case_id)


def test_other_brands_cases_are_not_found(db: Database) -> None:
    w = build_world(db)
    with db.session() as s, pytest.raises(NotFound):
        replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.outsider)
    with db.session() as s, pytest.raises(NotFound):
        replies.replies_of_case(s, case_id=w.case_id, principal=w.outsider)


def test_a_blocked_reply_is_refused_with_the_findings_unless_a_supervisor_overrides(db: Database) -> None:
    w = build_world(db)
    with db.session() as s, pytest.raises(replies.GuardBlocked) as err:
        replies.create_reply(s, case_id=w.case_id, text=ASKS_DATA_IN_PUBLIC, visibility="public",
                             principal=w.agent)
    assert "dato personal" in err.value.message and "supervisor" in err.value.message
    assert err.value.details["verdict"] == "block"
    with db.session() as s, pytest.raises(Forbidden):
        replies.create_reply(s, case_id=w.case_id, text=ASKS_DATA_IN_PUBLIC, visibility="public",
                             principal=w.agent, override_reason="yo decido")
    with db.session() as s:
        assert s.scalar(select(Reply.id)) is None
        reply = replies.create_reply(s, case_id=w.case_id, text=ASKS_DATA_IN_PUBLIC, visibility="public",
                                     principal=w.supervisor, override_reason="El cliente lo pidió así por escrito")
        assert reply.override_reason and reply.guard["verdict"] == "block"
    assert "reply.guard_overridden" in _actions(db, w.case_id)


def test_warn_findings_are_stored_on_the_reply(db: Database) -> None:
    w = build_world(db)
    with db.session() as s:
        reply = replies.create_reply(s, case_id=w.case_id, text="Lo revisamos.", visibility="public",
                                     principal=w.agent)
        rules = {f["rule"] for f in reply.guard["findings"]}
        assert reply.guard["verdict"] == "warn" and {"missing-greeting", "missing-signature"} <= rules


def test_confirmed_troll_gets_one_public_reply_then_private(db: Database) -> None:
    w = build_world(db, text="Conectel es una basura, jajaja", triage={"author_role": "troll"})
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None
        person = s.get(Person, case.person_id)
        assert person is not None
        person.confirmed_role = "troll"
        first = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent)
        first.state = "sent"
    with db.session() as s:
        with pytest.raises(replies.GuardBlocked) as err:
            replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent)
        assert {f["rule"] for f in err.value.details["findings"]} & {"troll-second-public", "should-be-private"}
        private = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="private", principal=w.agent)
        assert private.visibility == "private"


def test_a_private_conversation_is_answered_privately(db: Database) -> None:
    w = build_world(db)
    more_mention(db, 2, text="Te escribo por DM: sigo sin servicio", private=True, minutes=5)
    with db.session() as s:
        reply = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent)
        assert reply.visibility == "private"
        target = s.get(Mention, reply.in_reply_to_mention_id)
        assert target is not None and target.external_id == "2"


def test_bad_input_gets_clear_errors(db: Database) -> None:
    w = build_world(db)
    with db.session() as s:
        with pytest.raises(InvalidInput, match="vacía"):
            replies.create_reply(s, case_id=w.case_id, text="   ", visibility="public", principal=w.agent)
        with pytest.raises(InvalidInput, match="visibilidad"):
            replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="secreta", principal=w.agent)
        with pytest.raises(InvalidInput, match="demasiado larga"):
            replies.create_reply(s, case_id=w.case_id, text="a" * 100_001, visibility="public", principal=w.agent)


def test_a_reply_needs_an_enabled_channel_account(db: Database) -> None:
    w = build_world(db)
    with db.session() as s:
        account = s.get(ChannelAccount, w.channel_id)
        assert account is not None
        account.enabled = False
        with pytest.raises(InvalidInput, match="canal de twitter"):
            replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent)


def test_recorded_external_reply_counts_as_the_first_response(db: Database) -> None:
    w = build_world(db)
    with db.session() as s:
        reply = replies.record_external_reply(s, case_id=w.case_id, text="Le llamamos por teléfono.",
                                              visibility="public", principal=w.agent)
        assert reply.state == "recorded"
        case = s.get(Case, w.case_id)
        assert case is not None and case.first_response_at is not None and case.status == "primera_respuesta"
        assert all(m.answered for m in s.scalars(select(Mention).where(Mention.case_id == w.case_id)))


def test_retry_only_failed_replies(db: Database) -> None:
    w = build_world(db)
    with db.session() as s:
        reply = replies.create_reply(s, case_id=w.case_id, text=GOOD, visibility="public", principal=w.agent)
        with pytest.raises(Conflict):
            replies.retry(s, reply_id=reply.id, principal=w.agent)
        replies.mark_failed(s, reply, reason="La red rechazó la respuesta", actor=SYSTEM)
        again = replies.retry(s, reply_id=reply.id, principal=w.agent)
        assert again.state == "queued" and again.error is None
        with pytest.raises(NotFound):
            replies.retry(s, reply_id=reply.id, principal=w.outsider)
