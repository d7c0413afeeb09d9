"""Report numbers on a hand-built data set (SQLite and PostgreSQL give the same answers)."""

from __future__ import annotations

from datetime import date

import pytest
from reports_data import FIRST_DAY, LAST_DAY, NOW, Data, build

from cauce.cases.service import Scope
from cauce.db import Database
from cauce.errors import InvalidInput, NotFound
from cauce.reports import service
from cauce.reports.period import Period, parse_period


def _period(data: Data, **kw: object) -> Period:
    return Period(FIRST_DAY, LAST_DAY, "UTC", **kw)  # type: ignore[arg-type]


def test_overall_times_medians_p90_and_targets(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        (row,) = service.time_rows(s, _period(data), None, now=NOW)
    assert row.cases == 5  # c1..c5; the discarded and the older case are out
    assert row.responded == 4
    # First replies 10, 30, 60, 120 min: median 45, p90 = 60 + 0.7 × 60.
    assert row.first_response_median_min == 45.0
    assert row.first_response_p90_min == 102.0
    assert row.first_response_within_target == 0.6  # c1, c4, c5 met; c2 late; c3 overdue
    # Resolutions 6, 10, 72 h: median 10, p90 = 10 + 0.8 × 62.
    assert row.resolved == 3
    assert row.resolution_median_h == 10.0
    assert row.resolution_p90_h == 59.6
    assert row.resolution_within_target == 0.5  # c1, c5 met; c2 late; c3 overdue; c4 still in term


def test_times_per_brand_channel_and_agent(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        brands = {r.label: r for r in service.time_rows(s, _period(data), "brand", now=NOW)}
        channels = {r.label: r for r in service.time_rows(s, _period(data), "channel", now=NOW)}
        agents = {r.label: r for r in service.time_rows(s, _period(data), "agent", now=NOW)}
    assert brands["Marca A"].cases == 4 and brands["Marca B"].cases == 1
    assert brands["Marca B"].first_response_median_min == 60.0
    assert brands["Marca B"].first_response_within_target == 1.0
    assert brands["Marca A"].target_first_response_min == 60
    assert {k: v.cases for k, v in channels.items()} == {"X / Twitter": 4, "Facebook": 1}
    assert {k: v.cases for k, v in agents.items()} == {"Laura Gómez": 2, "Pedro Ruiz": 1, "Sin asignar": 2}
    assert agents["Laura Gómez"].first_response_median_min == 75.0  # 30 and 120


def test_volumes_by_type_and_category_per_day(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        v = service.volumes(s, _period(data))
    assert v.days[0] == "2026-03-01" and len(v.days) == 7
    assert v.totals == [0, 2, 2, 1, 0, 0, 0]
    assert v.type_totals == {"queja": 3, "peticion": 1, "reclamo": 1}
    assert v.by_type["queja"] == [0, 1, 1, 1, 0, 0, 0]
    assert v.category_totals == {"cobro": 2, "atencion": 1, "entrega": 1}
    assert v.spike_days == []


def test_a_day_far_above_the_mean_is_a_spike(db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    from cauce.cases.models import Case
    from cauce.people.models import Person
    from helpers import make_brand

    brand = make_brand(db, name="Picos")
    with db.session() as s:
        person = Person(organisation_id=brand.organisation_id, display_name="P")
        s.add(person)
        s.flush()
        for day in range(1, 11):
            for n in range(12 if day == 6 else 1):
                s.add(Case(brand_id=brand.id, person_id=person.id, channel="twitter", conversation_key=f"{day}-{n}",
                           title="x", opened_at=datetime(2026, 4, day, 15, tzinfo=UTC) + timedelta(minutes=n)))
    with db.read_session() as s:
        v = service.volumes(s, Period(date(2026, 4, 1), date(2026, 4, 10), "America/Bogota", brand.id))
    assert v.totals == [1, 1, 1, 1, 1, 12, 1, 1, 1, 1]
    assert v.spike_days == ["2026-04-06"]
    assert v.spike_threshold is not None and 1 < v.spike_threshold < 12


def test_live_backlog_and_breaches_ignore_the_period(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        live = service.live_sla(s, _period(data), now=NOW)
    assert live.open_cases == 4
    assert live.backlog == {"nuevo": 2, "primera_respuesta": 1, "respondido": 1}
    assert live.breached_cases == 2  # c3 and the older c7
    assert live.breaches_by_clock["first_response"] == 2
    assert live.breaches_by_clock["resolution"] == 1
    assert {w.id for w in live.worst} == {data.cases["c3"], data.cases["c7"]}
    c3 = next(w for w in live.worst if w.id == data.cases["c3"])
    assert c3.clocks == ["first_response", "resolution"]


def test_satisfaction_and_resolution_rates(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        sat = service.satisfaction(s, _period(data))
        res = service.resolution(s, _period(data), now=NOW)
    assert sat.ratings == 4 and sat.average == 3.5
    assert sat.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
    assert sat.rated_cases == 3 and sat.resolved_cases == 3 and sat.response_rate == 1.0
    assert (res.resolved, res.unresolved, res.pending) == (3, 1, 1)
    assert res.rate == 0.75
    assert res.closed == 2 and res.outcomes == {"at_fault": 1, "not_at_fault": 1}
    assert res.confirmed_share == 0.5


def test_success_story_is_the_best_rated_resolved_case(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        story = service.success_story(s, _period(data))
    assert story is not None
    assert story.case_id == data.cases["c1"] and story.score == 5
    assert story.first_response_minutes == 30.0 and story.resolution_hours == 10.0


def test_scope_and_brand_filter_limit_every_number(db: Database) -> None:
    data = build(db)
    only_b = Scope(frozenset({data.brand_b}))
    with db.read_session() as s:
        (row,) = service.time_rows(s, _period(data, scope=only_b), None, now=NOW)
        live = service.live_sla(s, _period(data, brand_id=data.brand_a), now=NOW)
        full = service.dashboard(s, _period(data, scope=only_b), now=NOW)
    assert row.cases == 1
    assert live.open_cases == 4
    assert full.live.open_cases == 0 and full.volumes.type_totals == {"queja": 1}
    assert full.story is not None and full.story.case_id == data.cases["c5"]
    assert full.crises is not None and [c.brand for c in full.crises] == ["Marca B"]


def test_empty_period_gives_empty_numbers_not_errors(db: Database) -> None:
    build(db)
    with db.read_session() as s:
        full = service.dashboard(s, Period(date(2025, 1, 1), date(2025, 1, 3), "America/Bogota"), now=NOW)
    assert full.overall is None
    assert full.volumes.totals == [0, 0, 0]
    assert full.satisfaction.average is None and full.resolution.rate is None
    assert full.as_dict()["volumes"]["spike_days"] == []


def test_period_parsing_rejects_bad_input() -> None:
    scope = Scope(frozenset({1}))
    p = parse_period(start="2026-03-01", end="2026-03-07", brand="1", scope=scope, timezone="America/Bogota")
    assert (p.first_day, p.last_day, p.brand_id) == (date(2026, 3, 1), date(2026, 3, 7), 1)
    assert p.start.isoformat() == "2026-03-01T05:00:00+00:00"
    with pytest.raises(InvalidInput):
        parse_period(start="ayer", end=None, brand=None, scope=scope, timezone=None)
    with pytest.raises(InvalidInput):
        parse_period(start="2026-03-08", end="2026-03-01", brand=None, scope=scope, timezone=None)
    with pytest.raises(InvalidInput):
        parse_period(start="2020-01-01", end="2026-03-01", brand=None, scope=scope, timezone=None)
    with pytest.raises(NotFound):
        parse_period(start=None, end=None, brand="2", scope=scope, timezone=None)
    with pytest.raises(InvalidInput):
        parse_period(start=None, end=None, brand="<script>", scope=scope, timezone=None)
    default = parse_period(start=None, end=None, brand=None, scope=scope, timezone="Nowhere/Bogus",
                           today=date(2026, 3, 31))
    assert default.timezone == "UTC" and default.first_day == date(2026, 3, 2)


def test_one_pass_time_tables_match_the_per_dimension_queries(db: Database) -> None:
    data = build(db)
    with db.read_session() as s:
        overall, by_dimension = service.time_tables(s, _period(data), now=NOW)
        assert overall == service.time_rows(s, _period(data), None, now=NOW)[0]
        for dimension in service.DIMENSIONS:
            assert by_dimension[dimension] == service.time_rows(s, _period(data), dimension, now=NOW), dimension
    assert {r.label for r in by_dimension["area"]} == {"Sin área"}
