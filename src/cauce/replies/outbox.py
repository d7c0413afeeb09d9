"""The outbox worker: deliver queued replies and moderation actions exactly once.

A reply is claimed (`queued` → `sending`, attempts + 1, a lease in `next_attempt_at`) and that
claim is committed BEFORE the network call; the result is committed after it. If the process
dies in between, the reply stays `sending` past its lease: the next run first asks the network
whether the reply already exists (`find_existing_reply` with the idempotency key) and only
re-sends when it does not — and then with the same idempotency key, which networks that
support one use to refuse a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record_changes
from cauce.brands import channels
from cauce.brands.models import ChannelAccount
from cauce.cases.models import ModerationAction
from cauce.connectors import construction
from cauce.connectors.backoff import Backoff
from cauce.connectors.base import (
    AuthExpired,
    ConfigError,
    Connector,
    ConnectorError,
    PermanentError,
    RateLimited,
    SentItem,
    TransientError,
)
from cauce.db import utcnow
from cauce.errors import CauceError
from cauce.mentions.models import Mention
from cauce.observability import metrics
from cauce.people import service as people
from cauce.replies import service as replies
from cauce.replies.models import Reply

log = logging.getLogger(__name__)

OUTBOX = Actor.connector("outbox")
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BACKOFF = Backoff(base_s=30.0, cap_s=3600.0)
NETWORK_ACTIONS = frozenset({"block", "mute", "unmute", "hide", "unhide", "ban"})

SessionFactory = Callable[[], AbstractContextManager[Session]]
# (channel id, kind, plain config) -> a connector; tests pass their own.
ConnectorProvider = Callable[[int, str, dict[str, Any]], Connector]


def default_provider(channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
    connector: Connector = construction.build_connector(kind, config)
    return connector


@dataclass
class OutboxRun:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    recovered: int = 0  # found already on the network after an interruption
    unknown: int = 0  # outcome unknown: left `sending` for the next run to check
    moderated: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {"errors": self.errors[:20]}


@dataclass(frozen=True)
class _Job:
    reply_id: int
    channel_id: int | None
    kind: str | None
    config: dict[str, Any] | None
    problem: str | None  # why it cannot be sent (channel missing, disabled, unhealthy...)
    visibility: str
    in_reply_to: str | None
    recipient: str | None
    text: str
    key: str
    attempts: int
    created_at: datetime  # of the reply: networks whose record keys carry a time derive them from it


class _Connectors:
    """One connector per channel per run (sessions are reused; Bluesky rate-limits logins)."""

    def __init__(self, provider: ConnectorProvider) -> None:
        self.provider = provider
        self.built: dict[int, Connector] = {}

    def get(self, channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
        if channel_id not in self.built:
            self.built[channel_id] = self.provider(channel_id, kind, config)
        return self.built[channel_id]

    def close(self) -> None:
        for connector in self.built.values():
            try:
                connector.close()
            except Exception:  # closing must never mask the run's result
                log.exception("closing connector failed")


def _channel_problem(channel: ChannelAccount | None) -> str | None:
    if channel is None:
        return "La respuesta no tiene un canal de envío configurado."
    if not channel.enabled:
        return f"El canal «{channel.name}» está desactivado."
    if not channel.healthy:
        return (f"El canal «{channel.name}» no está operativo ({channel.last_error or 'sin detalle'}); "
                "un administrador debe revisarlo y luego reintentar.")
    return None


def _job(session: Session, reply: Reply) -> _Job:
    channel = session.get(ChannelAccount, reply.channel_account_id) if reply.channel_account_id else None
    problem = _channel_problem(channel)
    config: dict[str, Any] | None = None
    if problem is None and channel is not None:
        try:
            config = construction.connector_config(session, channel)
        except CauceError as exc:
            problem = exc.message
    mention = session.get(Mention, reply.in_reply_to_mention_id) if reply.in_reply_to_mention_id else None
    return _Job(reply.id, channel.id if channel else None, channel.kind if channel else None, config, problem,
                reply.visibility, mention.external_id if mention else None,
                private_recipient(mention) if mention else None, reply.text, reply.idempotency_key, reply.attempts,
                reply.created_at)


def private_recipient(mention: Mention) -> str:
    """Who a DM goes to: networks that address people by numeric id get it from the raw mention."""
    raw = mention.raw or {}
    if raw.get("recipient"):
        return str(raw["recipient"])
    if mention.channel == "telegram" and raw.get("user_id"):
        return str(raw["user_id"])
    if mention.channel in ("x", "twitter") and raw.get("author_id"):
        return str(raw["author_id"])
    return mention.author_handle


def moderation_target(mention: Mention, action: str) -> str:
    """What a network's moderate() acts on: the post for hide/unhide, else the account."""
    raw = mention.raw or {}
    if action in ("hide", "unhide"):
        return mention.external_id
    if mention.channel == "telegram" and raw.get("chat_id") and raw.get("user_id"):
        return f"{raw['chat_id']}:{raw['user_id']}"
    if mention.channel in ("x", "twitter") and raw.get("author_id"):
        return str(raw["author_id"])
    return mention.author_handle


def _send(connector: Connector, job: _Job) -> SentItem:
    if job.visibility == "private":
        if not job.recipient:
            raise PermanentError("No se sabe a quién enviar el mensaje privado.")
        return connector.send_private(recipient=job.recipient, text=job.text, idempotency_key=job.key,
                                      in_reply_to=job.in_reply_to)
    if not job.in_reply_to:
        raise PermanentError("No hay una publicación a la cual responder.")
    return connector.send_reply(in_reply_to=job.in_reply_to, text=job.text, idempotency_key=job.key,
                                created_at=job.created_at)


def _requeue(session: Session, reply: Reply, *, at: datetime, reason: str) -> None:
    record_changes(session, reply, {"state": "queued", "next_attempt_at": at, "error": reason[:2000]},
                   actor=OUTBOX, action="reply.requeued", entity_type="reply", case_id=reply.case_id,
                   reason=reason[:2000])


def _auth_failed(session: Session, reply: Reply, exc: ConnectorError) -> str:
    channel = session.get(ChannelAccount, reply.channel_account_id) if reply.channel_account_id else None
    name = channel.name if channel else "del envío"
    if channel is not None:
        channels.mark_unhealthy(session, channel, error=f"Credenciales vencidas o revocadas: {exc.reason}",
                                actor=OUTBOX)
    return (f"No se pudo enviar: las credenciales del canal «{name}» vencieron o fueron revocadas "
            f"({exc.reason}). Un administrador debe renovarlas; después reintente la respuesta.")


class _Outcome:
    """How one delivery attempt ended, applied to the reply in its own transaction."""

    def __init__(self, run: OutboxRun, session_factory: SessionFactory, now: datetime,
                 paused: dict[int, datetime]) -> None:
        self.run, self.session_factory, self.now, self.paused = run, session_factory, now, paused

    def apply(self, job: _Job, attempt: Callable[[], SentItem | None], *, requeue_when_absent: bool = False) -> None:
        try:
            item = attempt()
        except RateLimited as exc:
            delay = BACKOFF.delay(max(0, job.attempts - 1), retry_after_s=exc.retry_after_s)
            when = self.now + timedelta(seconds=delay)
            if job.channel_id is not None:
                self.paused[job.channel_id] = when
            self._retry(job, when, f"Límite de la red; se reintenta a las {when:%H:%M:%S} UTC. ({exc.reason})",
                        checking=requeue_when_absent)
            return
        except TransientError as exc:
            if job.attempts >= MAX_ATTEMPTS:
                self._fail(job, f"La red no respondió tras {job.attempts} intentos: {exc.reason}")
                return
            when = self.now + timedelta(seconds=BACKOFF.delay(max(0, job.attempts - 1)))
            self._retry(job, when, f"Error temporal de la red; se reintenta. ({exc.reason})",
                        checking=requeue_when_absent)
            return
        except AuthExpired as exc:
            with self.session_factory() as session:
                reply = session.get(Reply, job.reply_id)
                assert reply is not None
                replies.mark_failed(session, reply, reason=_auth_failed(session, reply, exc), actor=OUTBOX)
            self.run.failed += 1
            return
        except (PermanentError, ConfigError) as exc:
            self._fail(job, f"La red rechazó la respuesta: {exc.reason}")
            return
        except Exception as exc:  # unknown outcome (e.g. a malformed answer after posting): never re-send blindly
            log.exception("outbox: outcome of reply %s unknown", job.reply_id)
            self.run.unknown += 1
            self.run.errors.append(f"respuesta {job.reply_id}: {type(exc).__name__}")
            return
        with self.session_factory() as session:
            reply = session.get(Reply, job.reply_id)
            assert reply is not None
            if item is None:
                if requeue_when_absent:
                    _requeue(session, reply, at=self.now, reason="No se encontró en la red tras una interrupción; "
                                                                 "se envía de nuevo con la misma clave.")
                return
            replies.mark_delivered(session, reply, external_id=item.external_id, url=item.url, at=utcnow(),
                                   actor=OUTBOX)
        if requeue_when_absent:
            self.run.recovered += 1
        else:
            self.run.sent += 1

    def _retry(self, job: _Job, when: datetime, reason: str, *, checking: bool = False) -> None:
        with self.session_factory() as session:
            reply = session.get(Reply, job.reply_id)
            assert reply is not None
            if checking:
                # Still unknown whether it went out: stay `sending` and check again later, never re-send.
                record_changes(session, reply, {"next_attempt_at": when, "error": reason[:2000]}, actor=OUTBOX,
                               action="reply.check_postponed", entity_type="reply", case_id=reply.case_id)
            else:
                _requeue(session, reply, at=when, reason=reason)
        self.run.retried += 1

    def _fail(self, job: _Job, reason: str) -> None:
        with self.session_factory() as session:
            reply = session.get(Reply, job.reply_id)
            assert reply is not None
            replies.mark_failed(session, reply, reason=reason, actor=OUTBOX)
        self.run.failed += 1


def _claim(session_factory: SessionFactory, reply_id: int, *, state: str, now: datetime, lease: timedelta,
           stale_only: bool = False) -> _Job | None:
    """Take one reply for this worker; committed before any network call."""
    with session_factory() as session:
        query = select(Reply).where(Reply.id == reply_id, Reply.state == state)
        if stale_only:
            query = query.where(Reply.next_attempt_at <= now)
        reply = session.scalar(query.with_for_update(skip_locked=True))
        if reply is None:
            return None
        changes: dict[str, Any] = {"state": "sending", "next_attempt_at": now + lease}
        if state == "queued":
            changes["attempts"] = reply.attempts + 1
        record_changes(session, reply, changes, actor=OUTBOX,
                       action="reply.sending" if state == "queued" else "reply.checking", entity_type="reply",
                       case_id=reply.case_id)
        return _job(session, reply)


def _ids(session_factory: SessionFactory, query: Any) -> list[tuple[int, int | None]]:
    with session_factory() as session:
        return [(row[0], row[1]) for row in session.execute(query).all()]


def deliver_due(session_factory: SessionFactory, *, now: datetime | None = None,
                registry: ConnectorProvider | None = None, limit: int = 100, lease: timedelta = LEASE,
                paused: dict[int, datetime] | None = None) -> OutboxRun:
    """One pass of the outbox: recover interrupted sends, deliver due replies, then moderation.

    `paused` (channel id → until when) lets a long-running worker remember rate limits between runs.
    """
    now = now or utcnow()
    run = OutboxRun()
    paused = paused if paused is not None else {}
    connectors = _Connectors(registry or default_provider)
    outcome = _Outcome(run, session_factory, now, paused)
    try:
        stale = _ids(session_factory, select(Reply.id, Reply.channel_account_id).where(
            Reply.state == "sending", Reply.next_attempt_at <= now).order_by(Reply.id).limit(limit))
        for reply_id, _ in stale:
            job = _claim(session_factory, reply_id, state="sending", now=now, lease=lease, stale_only=True)
            if job is not None:
                _run_job(job, outcome, connectors, recover=True)
        due = _ids(session_factory, select(Reply.id, Reply.channel_account_id).where(
            Reply.state == "queued", or_(Reply.next_attempt_at.is_(None), Reply.next_attempt_at <= now))
            .order_by(Reply.created_at, Reply.id).limit(limit))
        for reply_id, channel_id in due:
            if channel_id is not None and paused.get(channel_id, now) > now:
                continue
            job = _claim(session_factory, reply_id, state="queued", now=now, lease=lease)
            if job is not None:
                _run_job(job, outcome, connectors, recover=False)
        _moderate_due(session_factory, run=run, now=now, connectors=connectors, paused=paused, limit=limit)
    finally:
        connectors.close()
        metrics.count_outbox(run)  # every attempt was committed on its own
    return run


def _run_job(job: _Job, outcome: _Outcome, connectors: _Connectors, *, recover: bool) -> None:
    if job.problem is not None or job.channel_id is None or job.kind is None or job.config is None:
        outcome._fail(job, job.problem or "La respuesta no tiene un canal de envío configurado.")
        return
    channel_id, kind, config = job.channel_id, job.kind, job.config

    def connector() -> Connector:
        return connectors.get(channel_id, kind, config)

    if recover:
        outcome.apply(job, lambda: _find_sent(connector(), job), requeue_when_absent=True)
        return
    outcome.apply(job, lambda: _send_once(connector(), job))


def _find_sent(connector: Connector, job: _Job) -> SentItem | None:
    """The reply already on the network under the job's idempotency key, if any."""
    return connector.find_existing_reply(job.in_reply_to or job.recipient or "", job.key, created_at=job.created_at)


def _send_once(connector: Connector, job: _Job) -> SentItem:
    """Send; when the network refuses, first ask whether the reply is already there.

    A retry after a lost answer re-sends with the same idempotency key, and each network says
    "already exists" its own way (the Bluesky PDS answers a taken rkey with HTTP 500, X with 403,
    others with 400 or 409). Whatever the status, a reply found under this key was sent.
    """
    try:
        return _send(connector, job)
    except (TransientError, PermanentError):
        try:
            existing = _find_sent(connector, job)
        except ConnectorError:
            existing = None  # the look-up failing tells nothing: report the send's own error
        if existing is None:
            raise
        return existing


# --- moderation actions -----------------------------------------------------------------------

@dataclass(frozen=True)
class _ModerationJob:
    action_id: int
    action: str
    target: str | None
    channel_id: int | None
    kind: str | None
    config: dict[str, Any] | None
    problem: str | None


def _moderation_job(session: Session, ma: ModerationAction) -> _ModerationJob:
    mention = session.get(Mention, ma.mention_id) if ma.mention_id else None
    channel = session.get(ChannelAccount, ma.channel_account_id) if ma.channel_account_id else None
    if channel is None and mention is not None:
        channel = channels.channel_for(session, brand_id=ma.brand_id, network=mention.channel)
    problem = _channel_problem(channel)
    target: str | None
    if mention is not None:
        target = moderation_target(mention, ma.action)
    elif ma.action in ("hide", "unhide"):
        target = None
    else:
        network = channel.kind if channel else None
        handles = [h.handle for h in people.handles_of(session, person_id=ma.person_id) if h.channel == network]
        target = handles[0] if handles else None
    if problem is None and target is None:
        problem = "No se sabe sobre qué publicación o cuenta aplicar la acción en la red."
    config: dict[str, Any] | None = None
    if problem is None and channel is not None:
        try:
            config = construction.connector_config(session, channel)
        except CauceError as exc:
            problem = exc.message
    return _ModerationJob(ma.id, ma.action, target, channel.id if channel else None,
                          channel.kind if channel else None, config, problem)


def _set_delivery(session_factory: SessionFactory, action_id: int, state: str, error: str | None,
                  *, auth: AuthExpired | None = None) -> None:
    with session_factory() as session:
        ma = session.get(ModerationAction, action_id)
        assert ma is not None
        if auth is not None and ma.channel_account_id:
            channel = session.get(ChannelAccount, ma.channel_account_id)
            if channel is not None:
                channels.mark_unhealthy(session, channel, error=f"Credenciales vencidas o revocadas: {auth.reason}",
                                        actor=OUTBOX)
        record_changes(session, ma, {"delivery_state": state, "delivery_error": error}, actor=OUTBOX,
                       action=f"moderation.delivery_{state}", entity_type="moderation_action", case_id=ma.case_id,
                       brand_id=ma.brand_id, reason=error)


def _queued_moderation(session_factory: SessionFactory, limit: int) -> Iterator[_ModerationJob]:
    ids = _ids(session_factory, select(ModerationAction.id, ModerationAction.channel_account_id)
               .where(ModerationAction.delivery_state == "queued").order_by(ModerationAction.id).limit(limit))
    for action_id, _ in ids:
        with session_factory() as session:
            ma = session.scalar(select(ModerationAction).where(ModerationAction.id == action_id,
                                                               ModerationAction.delivery_state == "queued")
                                .with_for_update(skip_locked=True))
            if ma is None:
                continue
            if ma.action not in NETWORK_ACTIONS:
                record_changes(session, ma, {"delivery_state": "not_needed"}, actor=OUTBOX,
                               action="moderation.delivery_not_needed", entity_type="moderation_action",
                               case_id=ma.case_id, brand_id=ma.brand_id)
                continue
            job = _moderation_job(session, ma)
        yield job


def _moderate_due(session_factory: SessionFactory, *, run: OutboxRun, now: datetime, connectors: _Connectors,
                  paused: dict[int, datetime], limit: int) -> None:
    # Block, mute and hide are idempotent on every network, so an interrupted action is simply redone.
    for job in _queued_moderation(session_factory, limit):
        if job.problem is not None or job.channel_id is None or job.kind is None or job.config is None \
                or job.target is None:
            _set_delivery(session_factory, job.action_id, "failed", job.problem)
            run.failed += 1
            continue
        if paused.get(job.channel_id, now) > now:
            continue
        try:
            connector = connectors.get(job.channel_id, job.kind, job.config)
            if job.action in connector.local_actions:
                _set_delivery(session_factory, job.action_id, "not_needed", connector.local_actions[job.action])
                continue
            connector.moderate(action=job.action, target=job.target)  # type: ignore[arg-type]
        except RateLimited as exc:
            paused[job.channel_id] = now + timedelta(seconds=BACKOFF.delay(0, retry_after_s=exc.retry_after_s))
            run.retried += 1
            continue
        except TransientError:
            run.retried += 1
            continue
        except AuthExpired as exc:
            _set_delivery(session_factory, job.action_id, "failed",
                          f"Credenciales del canal vencidas o revocadas: {exc.reason}", auth=exc)
            run.failed += 1
            continue
        except ConnectorError as exc:
            _set_delivery(session_factory, job.action_id, "failed", f"La red rechazó la acción: {exc.reason}")
            run.failed += 1
            continue
        except Exception as exc:
            log.exception("outbox: moderation action %s failed", job.action_id)
            run.errors.append(f"moderación {job.action_id}: {type(exc).__name__}")
            continue
        _set_delivery(session_factory, job.action_id, "done", None)
        run.moderated += 1
