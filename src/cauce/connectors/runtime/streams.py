"""Live streams: one thread per streaming channel, beside polling (the `connectors.streams` job).

A channel streams when its network pushes events: kind `jetstream` always (Bluesky's Jetstream,
filtered by the brand's terms, resumed from a persisted `time_us` cursor) and `mastodon` when
`settings["stream"]` is true (notifications and hashtags; polling keeps running and fills gaps).
Each batch handed over by `run_stream` is ingested with `ingest_batch` (committed) and only then is
the cursor saved, so a crash replays events, never skips them; replays are duplicates that ingest
skips. A dropped connection is retried with backoff from the persisted cursor. A channel that is
disabled or unhealthy is not streamed, and its stream stops at the next `sync`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from cauce.audit.service import Actor
from cauce.brands import channels
from cauce.brands.models import Brand, ChannelAccount
from cauce.connectors import construction
from cauce.connectors.backoff import Backoff
from cauce.connectors.base import AuthExpired
from cauce.connectors.jetstream import DEFAULT_URL, PUBLIC_APPVIEW, JetstreamFilter, ProfileLookup, consume
from cauce.connectors.runtime import polling
from cauce.connectors.streaming import StreamBatch, run_stream
from cauce.connectors.terms import TermMatcher
from cauce.db import Database, database_unreachable, utcnow
from cauce.mentions import service as mentions
from cauce.mentions.schemas import MentionIn

log = logging.getLogger(__name__)

# Kinds that only stream: the polling scheduler leaves them alone.
STREAM_ONLY_KINDS = frozenset(polling.STREAM_ONLY_KINDS)
BACKOFF = Backoff(base_s=1.0, cap_s=300.0)
MAX_BATCH = 100
MAX_WAIT_S = 1.0


def wants_stream(kind: str, settings: dict[str, Any] | None) -> bool:
    if kind in STREAM_ONLY_KINDS:
        return True
    return kind == "mastodon" and (settings or {}).get("stream") is True


def streamable_channels(db: Database) -> list[int]:
    """Enabled, healthy channels that ask for a live stream."""
    with db.read_session() as session:
        rows = session.execute(
            select(ChannelAccount.id, ChannelAccount.kind, ChannelAccount.settings).where(
                ChannelAccount.enabled.is_(True), ChannelAccount.healthy.is_(True)
            )
        ).all()
    return [cid for cid, kind, settings in rows if wants_stream(kind, settings)]


@dataclass
class _Source:
    """One connection's worth of a stream: the async source, its cursor and what ended it."""

    kind: str
    open: Callable[[], AsyncIterator[MentionIn]]
    cursor: Callable[[], dict[str, Any]]
    saves_cursor: bool
    error: list[BaseException] = field(default_factory=list)
    # Completes a batch's mentions before ingest (Jetstream: the authors' profiles).
    enrich: Callable[[list[MentionIn]], list[MentionIn]] | None = None
    close: Callable[[], None] | None = None

    def source(self) -> AsyncIterator[MentionIn]:
        return self._guarded()

    async def _guarded(self) -> AsyncIterator[MentionIn]:
        # run_stream only logs why a source ended; keep the reason (an expired token) for the caller.
        try:
            async for item in self.open():
                yield item
        except Exception as exc:
            self.error.append(exc)
            raise


def _ws_url(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url.removeprefix("https://")
    if url.startswith("http://"):
        return "ws://" + url.removeprefix("http://")
    return url


def _jetstream_source(channel: ChannelAccount, brand: Brand) -> _Source:
    settings = channel.settings or {}
    configured = settings.get("brand_terms")
    extra: list[str] = [t for t in configured if isinstance(t, str)] if isinstance(configured, list) else []
    terms = list(dict.fromkeys([*(brand.search_terms or []), *(brand.handles or []), *extra]))
    if not terms:
        raise ValueError("el canal jetstream no tiene términos de marca que buscar")
    cursor = (channel.cursor or {}).get("time_us")
    filt = JetstreamFilter(
        brand=brand.slug, matcher=TermMatcher(terms), cursor=cursor if isinstance(cursor, int) else None
    )
    url = _ws_url(str(settings.get("jetstream_url") or channel.base_url or DEFAULT_URL))
    profiles = ProfileLookup(str(settings.get("appview_url") or PUBLIC_APPVIEW))
    return _Source(
        kind="jetstream",
        # One connection per attempt: reconnects go through the worker's backoff and the saved cursor.
        open=lambda: consume(filt, url=url, max_reconnects=0),
        cursor=lambda: {"time_us": filt.cursor} if filt.cursor is not None else {},
        saves_cursor=True,
        enrich=profiles.fill,
        close=profiles.close,
    )


def _mastodon_source(connector: Any) -> _Source:
    # The streaming API has no replay: the channel's polling cursor stays polling's own.
    return _Source(
        kind="mastodon", open=lambda: connector.stream(max_reconnects=0), cursor=lambda: {}, saves_cursor=False
    )


def _open(db: Database, channel_id: int) -> tuple[_Source, Any, str] | None:
    """The source for one connection, or None when the channel must not stream any more."""
    with db.read_session() as session:
        channel = session.get(ChannelAccount, channel_id)
        if channel is None or not channel.enabled or not channel.healthy:
            return None
        if not wants_stream(channel.kind, channel.settings):
            return None
        brand = session.get(Brand, channel.brand_id)
        if brand is None:
            return None
        if channel.kind == "jetstream":
            return _jetstream_source(channel, brand), None, brand.slug
        connector = construction.build_connector(channel.kind, construction.connector_config(session, channel))
        return _mastodon_source(connector), connector, brand.slug


@dataclass
class StreamStats:
    batches: int = 0
    ingested: int = 0
    duplicates: int = 0
    errors: int = 0
    connections: int = 0
    cursor_saves: int = 0

    def progress(self) -> int:
        return self.ingested + self.duplicates + self.errors + self.cursor_saves


def _handler(
    db: Database, channel_id: int, slug: str, src: _Source, stats: StreamStats
) -> Callable[[StreamBatch], None]:
    actor = Actor.connector(f"{src.kind}:{channel_id}")
    saved: list[dict[str, Any]] = []

    def handle(batch: StreamBatch) -> None:
        now = utcnow()
        items = [m.model_copy(update={"brand": slug}) if m.brand != slug else m for m in batch.mentions]
        if src.enrich is not None:
            items = src.enrich(items)
        for result in mentions.ingest_batch(
            db.session, items, actor=actor, source=f"connector:{channel_id}", now=now
        ):
            if result.status == "created":
                stats.ingested += 1
            elif result.status == "duplicate":
                stats.duplicates += 1
            else:
                stats.errors += 1
        stats.batches += 1
        # The mentions are committed: only now may the cursor move past them.
        if src.saves_cursor and batch.cursor and (not saved or saved[-1] != batch.cursor):
            with db.session() as session:
                row = session.get(ChannelAccount, channel_id)
                if row is not None:
                    channels.save_cursor(session, row, batch.cursor, polled_at=now)
            saved[:] = [dict(batch.cursor)]
            stats.cursor_saves += 1

    return handle


def stream_channel(
    db: Database,
    channel_id: int,
    *,
    stop: threading.Event,
    backoff: Backoff = BACKOFF,
    max_batch: int = MAX_BATCH,
    max_wait_s: float = MAX_WAIT_S,
    stats: StreamStats | None = None,
) -> StreamStats:
    """Stream one channel until `stop` is set, the channel stops qualifying or its token expires."""
    stats = stats or StreamStats()
    failures = 0
    while not stop.is_set():
        connector: Any = None
        src: _Source | None = None
        try:
            opened = _open(db, channel_id)
            if opened is None:
                return stats
            src, connector, slug = opened
            stats.connections += 1
            before = stats.progress()
            if src.kind == "mastodon" and stats.connections > 1:
                _poll_soon(db, channel_id)  # the stream has no replay: polling fills the gap
            run_stream(
                src.source,
                cursor=src.cursor,
                handle=_handler(db, channel_id, slug, src, stats),
                stop=stop,
                max_batch=max_batch,
                max_wait_s=max_wait_s,
            )
            if src.error:
                raise src.error[0]
            if stats.progress() > before:
                failures = 0  # the connection delivered: the next drop starts the backoff afresh
        except AuthExpired as exc:
            with db.session() as session:
                row = session.get(ChannelAccount, channel_id)
                if row is not None:
                    channels.mark_unhealthy(
                        session, row, error=f"Credenciales vencidas o revocadas: {exc.reason}", actor=Actor.connector(
                            f"stream:{channel_id}")
                    )
            return stats
        except Exception as exc:  # one bad connection must not end the stream: back off and reconnect
            if database_unreachable(exc):
                # The cursor is saved only after a committed batch: reconnecting replays, never skips.
                log.warning("stream of channel %s: the database is unreachable; reconnecting with backoff",
                            channel_id)
            else:
                log.exception("stream of channel %s failed", channel_id)
        finally:
            for close in (connector.close if connector is not None else None, src.close if src else None):
                if close is None:
                    continue
                try:
                    close()
                except Exception:
                    log.debug("closing the connector of channel %s failed", channel_id, exc_info=True)
        if stop.wait(backoff.delay(failures)):
            break
        failures += 1
    return stats


def _poll_soon(db: Database, channel_id: int) -> None:
    with db.session() as session:
        row = session.get(ChannelAccount, channel_id)
        if row is not None:
            row.next_poll_at = utcnow()


class Streams:
    """A process' stream threads: started for channels that qualify, stopped for those that no longer do.

    With `claim` (channel id → True when this process holds the channel's stream lease, taken or
    renewed) a channel streams in one process only: `sync` starts a stream only once claimed, and a
    keeper thread renews the leases of running streams every `renew_s` and stops any it lost.
    """

    def __init__(self, db: Database, *, backoff: Backoff = BACKOFF, max_wait_s: float = MAX_WAIT_S,
                 claim: Callable[[int], bool] | None = None, release: Callable[[int], object] | None = None,
                 renew_s: float = 10.0) -> None:
        self.db = db
        self.backoff = backoff
        self.max_wait_s = max_wait_s
        self.claim = claim
        self.release = release
        self.renew_s = renew_s
        self.running: dict[int, tuple[threading.Thread, threading.Event]] = {}
        self.stats: dict[int, StreamStats] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._keeper: threading.Thread | None = None

    def sync(self) -> list[int]:
        """Start and stop streams to match the channels; returns the ids being streamed."""
        wanted = set(streamable_channels(self.db))
        with self._lock:
            for cid, (thread, event) in list(self.running.items()):
                if cid not in wanted:
                    event.set()
                if not thread.is_alive():
                    del self.running[cid]
            for cid in sorted(wanted - self.running.keys()):
                if self.claim is not None and not self.claim(cid):
                    continue  # another process streams it
                event = threading.Event()
                stats = self.stats.setdefault(cid, StreamStats())
                thread = threading.Thread(
                    target=stream_channel,
                    args=(self.db, cid),
                    kwargs={"stop": event, "backoff": self.backoff, "max_wait_s": self.max_wait_s, "stats": stats},
                    name=f"stream-{cid}",
                    daemon=True,
                )
                self.running[cid] = (thread, event)
                thread.start()
            if self.claim is not None and self._keeper is None:
                self._keeper = threading.Thread(target=self._keep, name="stream-leases", daemon=True)
                self._keeper.start()
            return sorted(self.running)

    def _keep(self) -> None:
        assert self.claim is not None
        while not self._closed.wait(self.renew_s):
            with self._lock:
                running = list(self.running.items())
            for cid, (_, event) in running:
                try:
                    kept = self.claim(cid)
                except Exception:
                    log.warning("renewing the stream lease of channel %s failed", cid, exc_info=True)
                    kept = False  # cannot prove we still hold it: stop rather than risk two streams
                if not kept:
                    event.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._closed.set()
        for _, event in self.running.values():
            event.set()
        for thread, _ in self.running.values():
            thread.join(timeout_s)
        if self.release is not None:
            for cid, (thread, _) in self.running.items():
                if not thread.is_alive():
                    try:
                        self.release(cid)
                    except Exception:
                        log.debug("releasing the stream lease of channel %s failed", cid, exc_info=True)
        self.running = {cid: entry for cid, entry in self.running.items() if entry[0].is_alive()}
