"""The polling scheduler and metric refresh: due channels, cursors, backoff, health, metrics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from cauce.audit.service import SYSTEM
from cauce.brands import channels
from cauce.brands.models import ChannelAccount
from cauce.connectors import construction
from cauce.connectors.base import AuthExpired, FetchResult, RateLimited, TransientError
from cauce.connectors.runtime import polling
from cauce.connectors.runtime.metrics import refresh_open_metrics
from cauce.db import Database
from cauce.mentions.models import Mention, MetricSnapshot
from cauce.mentions.schemas import MetricsIn
from connectors.runtime.recording import TEST_KEY, Network, provider
from helpers import T0, make_brand, mention, scripted_triage


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    with scripted_triage():
        yield


def _channel(db: Database, **settings: object) -> int:
    brand = make_brand(db)
    with db.session() as s:
        return construction.add_channel(s, brand=brand, kind="demo", name="Demo", settings=dict(settings),
                                        actor=SYSTEM).id


def _row(db: Database, channel_id: int) -> ChannelAccount:
    with db.session() as s:
        row = s.get(ChannelAccount, channel_id)
        assert row is not None
        return row


def page(*ns: int, cursor: str, more: bool = False) -> FetchResult:
    return FetchResult(
        mentions=[mention(n, brand="otra-marca", minutes=n) for n in ns], cursor={"since": cursor}, more=more
    )


def test_poll_ingests_saves_the_cursor_and_schedules_the_next_poll(db: Database) -> None:
    cid = _channel(db)
    net = Network(pages=[page(1, 2, cursor="2", more=True), page(2, 3, cursor="3")])
    first = polling.poll_due(db, T0, provider=provider(net))
    assert [(r.ingested, r.duplicates, r.more) for r in first] == [(2, 0, True)]
    row = _row(db, cid)
    assert row.cursor == {"since": "2"} and row.next_poll_at == T0 + timedelta(seconds=polling.MORE_DELAY_S)
    # Not due yet: nothing is fetched.
    assert polling.poll_due(db, T0 + timedelta(seconds=1), provider=provider(net)) == []
    second = polling.poll_due(db, T0 + timedelta(seconds=3), provider=provider(net))
    assert [(r.ingested, r.duplicates) for r in second] == [(1, 1)]
    assert net.fetch_cursors == [{}, {"since": "2"}]
    row = _row(db, cid)
    assert row.next_poll_at == T0 + timedelta(seconds=3 + polling.MIN_INTERVAL_S["demo"])
    with db.session() as s:
        # Mentions are always filed under the channel's own brand, whatever the connector said.
        assert {m.source for m in s.scalars(select(Mention))} == {f"connector:{cid}"}
        assert s.query(Mention).count() == 3


def test_a_crash_before_the_commit_leaves_neither_mentions_nor_cursor(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _channel(db)
    net = Network(pages=[page(1, 2, cursor="2"), page(1, 2, cursor="2")])

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("el proceso murió antes del commit")

    with monkeypatch.context() as m:
        m.setattr(channels, "save_cursor", crash)
        with pytest.raises(SystemExit):
            polling.poll_channel(db, cid, now=T0, provider=provider(net))
    with db.session() as s:
        assert s.query(Mention).count() == 0
    again = polling.poll_channel(db, cid, now=T0 + timedelta(minutes=5), provider=provider(net))
    assert (again.ingested, again.duplicates) == (2, 0)
    assert net.fetch_cursors == [{}, {}] and _row(db, cid).cursor == {"since": "2"}


def test_poll_interval_never_below_the_network_minimum(db: Database) -> None:
    cid = _channel(db, poll_interval_s=1)
    assert polling.interval_for(_row(db, cid)) == polling.MIN_INTERVAL_S["demo"]
    with db.session() as s:
        construction.update_channel(s, channel_id=cid, settings={"poll_interval_s": 600}, actor=SYSTEM)
    assert polling.interval_for(_row(db, cid)) == 600


def test_rate_limit_and_errors_back_off_and_expired_tokens_stop_polling(db: Database) -> None:
    cid = _channel(db)
    net = Network(script=[RateLimited("429", retry_after_s=1800), TransientError("503"), AuthExpired("401")])
    [r] = polling.poll_due(db, T0, provider=provider(net))
    assert r.error and "Límite" in r.error and r.next_poll_at is not None
    assert r.next_poll_at >= T0 + timedelta(seconds=1800)
    assert polling.poll_due(db, T0 + timedelta(seconds=1700), provider=provider(net)) == []
    [r] = polling.poll_due(db, T0 + timedelta(hours=1), provider=provider(net))
    assert r.error == "503" and _row(db, cid).healthy and _row(db, cid).last_error == "503"
    [r] = polling.poll_due(db, T0 + timedelta(hours=3), provider=provider(net))
    row = _row(db, cid)
    assert not row.healthy and "401" in (row.last_error or "")
    # An unhealthy channel is not polled until an admin fixes it.
    assert polling.poll_due(db, T0 + timedelta(days=1), provider=provider(net)) == []
    with db.session() as s:
        construction.update_channel(s, channel_id=cid, credentials={"token": "nuevo-1234567"}, actor=SYSTEM)
    net.pages.append(page(7, cursor="7"))
    [r] = polling.poll_due(db, T0 + timedelta(days=1), provider=provider(net))
    assert r.ingested == 1 and _row(db, cid).last_error is None
    assert "_consecutive_failures" not in _row(db, cid).settings


def test_metric_refresh_adds_snapshots_for_open_cases_only_when_changed(db: Database) -> None:
    cid = _channel(db)
    net = Network(pages=[page(1, cursor="1")])
    polling.poll_channel(db, cid, now=T0, provider=provider(net))
    net.metrics["1"] = MetricsIn(likes=40, reposts=12, replies=3)
    run = refresh_open_metrics(db, now=T0 + timedelta(hours=1), provider=provider(net))
    assert (run.channels, run.read, run.snapshots) == (1, 1, 1)
    assert refresh_open_metrics(db, now=T0 + timedelta(hours=2), provider=provider(net)).snapshots == 0
    with db.session() as s:
        snaps = s.scalars(select(MetricSnapshot).order_by(MetricSnapshot.id)).all()
        assert [(x.likes, x.reposts) for x in snaps] == [(0, 0), (40, 12)]
    # Old posts are not re-read.
    assert refresh_open_metrics(db, now=T0 + timedelta(days=30), provider=provider(net)).channels == 0


def test_a_failed_source_is_reported_on_the_channel_which_stays_healthy(db: Database) -> None:
    cid = _channel(db)
    partial = page(1, cursor="1")
    partial.errors.append("bluesky: fuente «mensajes directos» falló (500)")
    partial.retry_after_s = 900.0
    net = Network(pages=[partial, page(2, cursor="2")])
    [result] = polling.poll_due(db, T0, provider=provider(net))
    assert result.ingested == 1 and result.error is None
    row = _row(db, cid)
    assert row.healthy and row.cursor == {"since": "1"}
    assert row.last_error is not None and "mensajes directos" in row.last_error
    assert row.next_poll_at == T0 + timedelta(seconds=900)  # what the rate-limited source asked for
    polling.poll_due(db, T0 + timedelta(seconds=900), provider=provider(net))
    assert _row(db, cid).last_error is None  # every source answered this time


def test_polling_a_stream_only_channel_says_the_worker_runs_it(db: Database) -> None:
    brand = make_brand(db, search_terms=["conectel"])
    with db.session() as s:
        cid = construction.add_channel(s, brand=brand, kind="jetstream", name="Jetstream", settings={},
                                   actor=SYSTEM).id
    with pytest.raises(construction.StreamOnlyChannel, match="cauce worker"):
        polling.poll_channel(db, cid)


def test_a_poll_is_ingested_in_one_batch_and_one_bad_item_never_sinks_the_good_ones(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#16: a page goes through `ingest_many` (one triage call for the page); an item that breaks the
    batched write is redone isolated and reported, the rest of the page and the cursor are stored."""
    from cauce.mentions import service as mentions_service

    cid = _channel(db)
    net = Network(pages=[page(1, 2, 3, 4, cursor="4")])
    calls: list[int] = []
    real_assess_all = mentions_service._assess_all

    def counting(pairs: list[object]) -> object:
        calls.append(len(pairs))
        return real_assess_all(pairs)  # type: ignore[arg-type]

    monkeypatch.setattr(mentions_service, "_assess_all", counting)
    real_route = mentions_service._route

    def route(session: object, prepared: object, *args: object, **kwargs: object) -> object:
        if getattr(prepared, "item").id == "3":  # noqa: B009
            raise RuntimeError("un dato que rompe la escritura")
        return real_route(session, prepared, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mentions_service, "_route", route)
    result = polling.poll_channel(db, cid, now=T0, provider=provider(net))
    assert (result.ingested, result.duplicates, result.errors) == (3, 0, 1)
    assert result.error_details == ["3: error interno: RuntimeError"]
    assert calls and calls[0] == 4  # the whole page in one triage call
    with db.session() as s:
        assert sorted(m.external_id for m in s.scalars(select(Mention))) == ["1", "2", "4"]
    assert _row(db, cid).cursor == {"since": "4"}
