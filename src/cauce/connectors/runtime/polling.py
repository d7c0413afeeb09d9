"""Polling: one fetch cycle per channel, and the scheduler that decides which channels are due.

A cycle fetches from the persisted cursor, ingests every mention (batched: `ingest_many`) and saves
the new cursor in the SAME transaction, so after a crash either both the mentions and the cursor are stored or
neither is: no gaps, and re-fetching a page only meets duplicates, which ingest skips.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cauce.audit.service import Actor
from cauce.brands import channels
from cauce.brands.models import Brand, ChannelAccount
from cauce.connectors import construction
from cauce.connectors.backoff import Backoff
from cauce.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    FetchResult,
    RateLimited,
    TransientError,
)
from cauce.db import Database, utcnow
from cauce.errors import CauceError, NotFound
from cauce.mentions import service as mentions
from cauce.mentions.schemas import MentionIn

log = logging.getLogger(__name__)

# Seconds between polls per network: what their public rate limits allow comfortably.
MIN_INTERVAL_S: dict[str, float] = {
    "mastodon": 60,
    "bluesky": 60,
    "rss": 900,
    "x": 900,
    "telegram": 10,
    "email": 120,
    "meta": 300,
    "webhook": 3600,
    "demo": 60,
}
DEFAULT_INTERVAL_S = 300.0
# Channels that only stream (`runtime/streams.py`): nothing to poll.
STREAM_ONLY_KINDS = ("jetstream",)
# When a network says there is more right now, poll again soon but not in a tight loop.
MORE_DELAY_S = 2.0
BACKOFF = Backoff(base_s=60.0, cap_s=3600.0)

ConnectorProvider = Callable[[int, str, dict[str, Any]], Connector]


def default_provider(channel_id: int, kind: str, config: dict[str, Any]) -> Connector:
    connector: Connector = construction.build_connector(kind, config)
    return connector


def interval_for(channel: ChannelAccount) -> float:
    """The channel's own `poll_interval_s`, never below the network's minimum."""
    minimum = MIN_INTERVAL_S.get(channel.kind, DEFAULT_INTERVAL_S)
    wanted = (channel.settings or {}).get("poll_interval_s")
    try:
        return max(minimum, float(wanted)) if wanted is not None else minimum
    except (TypeError, ValueError):
        return minimum


@dataclass
class PollResult:
    channel_id: int
    ingested: int = 0
    duplicates: int = 0
    errors: int = 0
    more: bool = False
    error: str | None = None  # why the fetch itself failed
    error_details: list[str] = field(default_factory=list)
    next_poll_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ingested": self.ingested, "duplicates": self.duplicates, "errors": self.errors}
        if self.error:
            out["error"] = self.error
        if self.error_details:
            out["error_details"] = self.error_details[:20]
        return out


def _failures(channel: ChannelAccount) -> int:
    value = (channel.settings or {}).get("_consecutive_failures", 0)
    return value if isinstance(value, int) and value >= 0 else 0


def _after_failure(
    db: Database,
    channel_id: int,
    *,
    now: datetime,
    error: str,
    retry_after_s: float | None,
    unhealthy: bool,
    actor: Actor,
) -> datetime:
    with db.session() as session:
        channel = session.get(ChannelAccount, channel_id)
        assert channel is not None
        failures = _failures(channel) + 1
        delay = max(interval_for(channel), BACKOFF.delay(failures - 1, retry_after_s=retry_after_s))
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        when = now + timedelta(seconds=delay)
        # Failure count lives beside the settings so backoff survives restarts; underscore = internal.
        channel.settings = {**(channel.settings or {}), "_consecutive_failures": failures}
        channel.last_error = error[:2000]
        channel.last_polled_at = now
        channel.next_poll_at = when
        if unhealthy:
            channels.mark_unhealthy(session, channel, error=error, actor=actor)
        return when


def poll_channel(
    db: Database, channel_id: int, *, now: datetime | None = None, provider: ConnectorProvider | None = None
) -> PollResult:
    """One fetch cycle for one channel (what `cauce channels poll ID` runs)."""
    now = now or utcnow()
    result = PollResult(channel_id)
    with db.read_session() as session:
        account = channels.get_channel(session, channel_id)
        if channels.is_deleted(account):  # kept for its history, never polled again
            raise NotFound(f"No existe el canal {channel_id}.")
        if account.kind in STREAM_ONLY_KINDS:
            raise construction.StreamOnlyChannel(
                f"El canal {channel_id} ({account.kind}) solo transmite en vivo: no se consulta por sondeo; "
                "lo atiende `cauce worker` (o `cauce serve`), que guarda su cursor.")
        brand = session.get(Brand, account.brand_id)
        assert brand is not None
        kind, cursor, slug = account.kind, dict(account.cursor or {}), brand.slug
        config = construction.connector_config(session, account)
    actor = Actor.connector(f"{kind}:{channel_id}")
    try:
        with (provider or default_provider)(channel_id, kind, config) as connector:
            fetched: FetchResult = connector.fetch(cursor)
    except RateLimited as exc:
        result.error = f"Límite de la red: {exc.reason}"
        result.next_poll_at = _after_failure(
            db, channel_id, now=now, error=result.error, retry_after_s=exc.retry_after_s, unhealthy=False, actor=actor
        )
        return result
    except AuthExpired as exc:
        result.error = f"Credenciales vencidas o revocadas: {exc.reason}"
        result.next_poll_at = _after_failure(
            db, channel_id, now=now, error=result.error, retry_after_s=None, unhealthy=True, actor=actor
        )
        return result
    except (TransientError, ConnectorError) as exc:
        result.error = exc.reason
        result.next_poll_at = _after_failure(
            db, channel_id, now=now, error=exc.reason, retry_after_s=None, unhealthy=False, actor=actor
        )
        return result
    with db.session() as session:
        ingest_items(
            session, fetched.mentions, channel_id=channel_id, brand_slug=slug, actor=actor, now=now, into=result
        )
        result.errors += len(fetched.errors)
        result.error_details.extend(fetched.errors)
        row = session.get(ChannelAccount, channel_id)
        assert row is not None
        channel = row
        channels.save_cursor(session, channel, fetched.cursor, polled_at=now)
        settings = dict(channel.settings or {})
        if settings.pop("_consecutive_failures", None) is not None:
            channel.settings = settings
        # A source that failed while the others worked is reported on the channel, which stays healthy.
        channel.last_error = "; ".join(fetched.errors)[:2000] or None
        result.more = fetched.more
        delay = MORE_DELAY_S if fetched.more else interval_for(channel)
        channel.next_poll_at = now + timedelta(seconds=max(delay, fetched.retry_after_s or 0.0))
        result.next_poll_at = channel.next_poll_at
    return result


def ingest_items(
    session: Session,
    items: list[MentionIn],
    *,
    channel_id: int,
    brand_slug: str,
    actor: Actor,
    now: datetime,
    into: PollResult,
) -> PollResult:
    """Ingest what a channel delivered (poll or webhook) in the caller's transaction, counting outcomes
    into `into`. The batched path (`ingest_many`): one triage call for the whole page, written in a few
    batched inserts; when that fails it is rolled back to its savepoint and redone with each mention in
    its own savepoint, so one bad item is reported and never sinks the good ones."""
    # A connector speaks for its own brand only.
    items = [item.model_copy(update={"brand": brand_slug}) if item.brand != brand_slug else item for item in items]
    source = f"connector:{channel_id}"
    try:
        # Fast path: the page in a few batched inserts, inside a savepoint of the caller's transaction.
        with session.begin_nested():
            outcomes = mentions.ingest_many(session, items, actor=actor, source=source, now=now, isolated=False)
    except OperationalError:
        raise  # the database itself failed (lock, outage): the whole cycle is retried later
    except Exception:  # one item broke the batch: rolled back, redone with every mention isolated
        log.debug("batched ingest of channel %s failed; retrying each mention isolated", channel_id, exc_info=True)
        outcomes = mentions.ingest_many(session, items, actor=actor, source=source, now=now)
    for outcome in outcomes:
        if outcome.status == "created":
            into.ingested += 1
        elif outcome.status == "duplicate":
            into.duplicates += 1
        else:
            into.errors += 1
            into.error_details.append(f"{outcome.external_id}: {outcome.error}")
    return into


def due_channels(db: Database, *, now: datetime) -> list[int]:
    with db.read_session() as session:
        return list(
            session.scalars(
                select(ChannelAccount.id)
                .where(
                    ChannelAccount.enabled.is_(True),
                    ChannelAccount.healthy.is_(True),
                    ChannelAccount.kind.not_in(STREAM_ONLY_KINDS),
                    or_(ChannelAccount.next_poll_at.is_(None), ChannelAccount.next_poll_at <= now),
                )
                .order_by(ChannelAccount.next_poll_at.is_not(None), ChannelAccount.next_poll_at, ChannelAccount.id)
            )
        )


def due_channel_intervals(db: Database, *, now: datetime) -> list[tuple[int, float]]:
    """The due channels (as `due_channels`) with each one's polling interval (its lease's length)."""
    ids = due_channels(db, now=now)
    if not ids:
        return []
    with db.read_session() as session:
        found = session.scalars(select(ChannelAccount).where(ChannelAccount.id.in_(ids)))
        rows = {c.id: interval_for(c) for c in found}
    return [(cid, rows[cid]) for cid in ids if cid in rows]


def is_due(db: Database, channel_id: int, *, now: datetime) -> bool:
    with db.read_session() as session:
        when = session.scalar(select(ChannelAccount.next_poll_at).where(ChannelAccount.id == channel_id))
    return when is None or when <= now


def poll_safely(
    db: Database, channel_id: int, *, now: datetime, provider: ConnectorProvider | None = None
) -> PollResult:
    """`poll_channel`, with a channel that cannot be polled marked unhealthy and a bug logged: one
    failing channel never stops the others."""
    try:
        return poll_channel(db, channel_id, now=now, provider=provider)
    except CauceError as exc:
        with db.session() as session:
            channel = session.get(ChannelAccount, channel_id)
            if channel is not None:
                channels.mark_unhealthy(session, channel, error=exc.message)
        return PollResult(channel_id, error=exc.message)
    except Exception as exc:  # a bug in one connector must not stop the scheduler
        log.exception("polling channel %s failed", channel_id)
        return PollResult(channel_id, error=f"error interno: {type(exc).__name__}")


def poll_due(
    db: Database, now: datetime | None = None, *, provider: ConnectorProvider | None = None
) -> list[PollResult]:
    """Poll every enabled, healthy channel whose time has come, in this process and without leases
    (tests and tools; the runtime's `connectors.poll_due` job claims each channel first)."""
    now = now or utcnow()
    return [poll_safely(db, channel_id, now=now, provider=provider) for channel_id in due_channels(db, now=now)]
