"""Every dashboard and report figure, recomputed independently: plain SQL reads the raw rows, plain
Python counts them (statistics.quantiles for the percentiles). The service's aggregate SQL and the
pages must agree with it, on SQLite and on PostgreSQL.

The data set mixes the hand-built cases of reports_data with 80 seeded random ones (answered late,
on time, never, still within term; resolved or not; rated; assigned; in two brands), and the pages
are read through the web app, so a figure shown without its base ("100 %" when 1 of 659 was
answered) fails here.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from reports_data import FIRST_DAY, LAST_DAY, NOW, build
from sqlalchemy import text

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cases.models import Case, Satisfaction
from cauce.config import Settings
from cauce.db import Database
from cauce.people.models import Person
from cauce.reports import service
from cauce.reports.period import Period
from cauce.web.app import create_app

START = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
END = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, tzinfo=UTC) + timedelta(days=1)
PASSWORD = "clave-segura-1"


def _ts(value: Any) -> datetime | None:
    """A timestamp as the driver returns it (datetime on PostgreSQL, text on SQLite), in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class Row:
    id: int
    brand_id: int
    channel: str
    status: str
    is_open: bool
    pqr_type: str
    category: str | None
    assigned: int | None
    opened: datetime
    first: datetime | None
    first_due: datetime | None
    next_due: datetime | None
    resolved: datetime | None
    closed: datetime | None
    resolution_due: datetime | None
    area_due: datetime | None
    legal_due: datetime | None
    outcome: str | None
    confirmed: bool

    @property
    def done(self) -> datetime | None:
        return self.resolved or self.closed


def _rows(db: Database) -> list[Row]:
    with db.read_session() as s:
        raw = s.execute(text(
            "SELECT id, brand_id, channel, status, is_open, pqr_type, category, assigned_user_id, opened_at, "
            "first_response_at, first_response_due, next_response_due, resolved_at, closed_at, resolution_due, "
            "area_due, legal_due, outcome, customer_confirmed FROM cases")).all()
    return [Row(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7], *[_ts(v) for v in r[8:17]], r[17], bool(r[18]))
            for r in raw]


def _cohort(rows: list[Row], brand_id: int | None = None, zone: str = "UTC") -> list[Row]:
    tz = ZoneInfo(zone)
    start, end = START.replace(tzinfo=tz), END.replace(tzinfo=tz)
    return [r for r in rows if start <= r.opened < end and r.status != "descartado"
            and (brand_id is None or r.brand_id == brand_id)]


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")  # linear, like percentile_cont
    return cuts[round(q * 100) - 1] if q < 1 else max(values)


def _round(v: float | None, digits: int = 1) -> float | None:
    return None if v is None else round(v, digits)


DURATIONS = {"first_response_median_min", "first_response_p90_min", "resolution_median_h", "resolution_p90_h"}


def same(name: str, got: Any, want: Any) -> bool:
    """Counts and shares exactly; durations to one rounding step (SQLite's julianday arithmetic is off
    by microseconds, which can tip a value ending in ,x5 either way)."""
    if name in DURATIONS and got is not None and want is not None:
        return abs(got - want) <= 0.1 + 1e-9
    return bool(got == want)


def expected_times(group: list[Row], now: datetime = NOW) -> dict[str, Any]:
    firsts = sorted((r.first - r.opened).total_seconds() / 60 for r in group if r.first)
    resolutions = sorted((r.done - r.opened).total_seconds() / 3600 for r in group if r.done)
    fr_measured = [r for r in group if r.first_due and (r.first or r.first_due < now)]
    fr_met = [r for r in fr_measured if r.first and r.first <= r.first_due]  # type: ignore[operator]
    res_measured = [r for r in group if r.resolution_due and (r.done or r.resolution_due < now)]
    res_met = [r for r in res_measured if r.done and r.done <= r.resolution_due]  # type: ignore[operator]
    return {
        "cases": len(group), "responded": len(firsts), "resolved": len(resolutions),
        "first_response_median_min": _round(_p(firsts, 0.5)), "first_response_p90_min": _round(_p(firsts, 0.9)),
        "resolution_median_h": _round(_p(resolutions, 0.5)), "resolution_p90_h": _round(_p(resolutions, 0.9)),
        "first_response_met": len(fr_met), "first_response_measured": len(fr_measured),
        "first_response_pending": sum(1 for r in group if not r.first and r.first_due and r.first_due >= now),
        "resolution_met": len(res_met), "resolution_measured": len(res_measured),
        "resolution_pending": sum(1 for r in group if not r.done and r.resolution_due and r.resolution_due >= now),
        "first_response_within_target": round(len(fr_met) / len(fr_measured), 4) if fr_measured else None,
        "resolution_within_target": round(len(res_met) / len(res_measured), 4) if res_measured else None,
    }


def _breached(r: Row) -> bool:
    unresolved = r.resolved is None and r.closed is None
    return bool((r.first is None and r.first_due and r.first_due < NOW) or (r.next_due and r.next_due < NOW)
                or (unresolved and any(d and d < NOW for d in (r.resolution_due, r.area_due, r.legal_due))))


def _random_cases(db: Database, brand_a: int, brand_b: int, agents: list[int]) -> None:
    rng = random.Random(15)
    with db.session() as s:
        people = {}
        for brand in (brand_a, brand_b):
            org = s.execute(text("SELECT organisation_id FROM brands WHERE id = :b"), {"b": brand}).scalar_one()
            person = Person(organisation_id=org, display_name=f"Cliente {brand}")
            s.add(person)
            s.flush()
            people[brand] = person.id
        for i in range(80):
            brand = rng.choice((brand_a, brand_b))
            opened = START + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
            first_due = opened + timedelta(minutes=rng.choice((60, 120, 10 * 24 * 60)))
            answered = rng.random() < 0.6
            first = opened + timedelta(minutes=rng.randrange(1, 300)) if answered else None
            resolution_due = opened + timedelta(hours=rng.choice((24, 72, 24 * 30)))
            resolved = first + timedelta(hours=rng.randrange(1, 100)) if first and rng.random() < 0.5 else None
            closed = resolved + timedelta(hours=2) if resolved and rng.random() < 0.5 else None
            status = ("cerrado" if closed else "respondido" if resolved else "primera_respuesta" if first
                      else rng.choice(("nuevo", "descartado", "nuevo")))
            case = Case(brand_id=brand, person_id=people[brand], conversation_key=f"r{i}", title=f"Aleatorio {i}",
                        channel=rng.choice(("twitter", "facebook", "instagram")),
                        pqr_type=rng.choice(("queja", "reclamo", "peticion")),
                        category=rng.choice(("cobro", "entrega", None)), opened_at=opened,
                        first_response_at=first, first_response_due=first_due, resolved_at=resolved,
                        closed_at=closed, resolution_due=resolution_due, status=status,
                        is_open=status not in ("cerrado", "descartado"),
                        outcome=rng.choice(("at_fault", "not_at_fault", None)) if closed else None,
                        customer_confirmed=bool(closed) and rng.random() < 0.5,
                        assigned_user_id=rng.choice([None, *agents]))
            s.add(case)
            s.flush()
            if resolved and rng.random() < 0.6:
                s.add(Satisfaction(case_id=case.id, score=rng.randint(1, 5)))


@dataclass
class World:
    db: Database
    brand_a: int
    brand_b: int


@pytest.fixture
def world(db: Database) -> World:
    data = build(db)
    _random_cases(db, data.brand_a, data.brand_b, [data.agent_1, data.agent_2])
    return World(db, data.brand_a, data.brand_b)


def test_time_tables_match_an_independent_count(world: World) -> None:
    rows = _rows(world.db)
    with world.db.read_session() as s:
        board = service.dashboard(s, Period(FIRST_DAY, LAST_DAY, "UTC"), now=NOW)
    cohort = _cohort(rows)
    assert len(cohort) > 60
    assert board.overall is not None
    for name, want in expected_times(cohort).items():
        assert same(name, getattr(board.overall, name), want), (name, getattr(board.overall, name), want)
    groups = {"brand": lambda r: r.brand_id, "channel": lambda r: r.channel, "agent": lambda r: r.assigned}
    for dimension, key in groups.items():
        by_key: dict[Any, list[Row]] = {}
        for r in cohort:
            by_key.setdefault(key(r), []).append(r)
        got = {row.key: row for row in board.by_dimension[dimension]}
        assert set(got) == set(by_key), dimension
        for k, group in by_key.items():
            for name, want in expected_times(group).items():
                assert same(name, getattr(got[k], name), want), (dimension, k, name, getattr(got[k], name), want)


def test_volumes_resolution_satisfaction_and_live_match_an_independent_count(world: World) -> None:
    rows = _rows(world.db)
    with world.db.read_session() as s:
        board = service.dashboard(s, Period(FIRST_DAY, LAST_DAY, "UTC"), now=NOW)
        ratings = s.execute(text(
            "SELECT s.case_id, s.score FROM satisfaction_results s JOIN cases c ON c.id = s.case_id")).all()
    cohort = _cohort(rows)
    ids = {r.id for r in cohort}
    # Volumes: per type and per day.
    assert board.volumes.type_totals == dict(Counter(r.pqr_type for r in cohort))
    assert board.volumes.category_totals == dict(Counter(r.category for r in cohort if r.category))
    per_day = Counter(r.opened.date().isoformat() for r in cohort)
    assert board.volumes.totals == [per_day.get(d, 0) for d in board.volumes.days]
    # Resolution outcome.
    resolved = [r for r in cohort if r.done]
    unresolved = [r for r in cohort if not r.done and r.resolution_due and r.resolution_due < NOW]
    pending = [r for r in cohort if not r.done and (r.resolution_due is None or r.resolution_due >= NOW)]
    closed = [r for r in cohort if r.status == "cerrado"]
    res = board.resolution
    assert (res.resolved, res.unresolved, res.pending, res.closed) == (len(resolved), len(unresolved), len(pending),
                                                                       len(closed))
    assert res.rate == round(len(resolved) / (len(resolved) + len(unresolved)), 4)
    assert res.customer_confirmed == sum(1 for r in closed if r.confirmed)
    outcomes = Counter(r.outcome or "sin_resultado" for r in closed)
    assert res.outcomes == dict(outcomes)
    # Satisfaction of the cohort's cases.
    scores = [score for case_id, score in ratings if case_id in ids]
    sat = board.satisfaction
    assert sat.ratings == len(scores)
    assert sat.distribution == {n: scores.count(n) for n in range(1, 6)}
    assert sat.average == (round(sum(scores) / len(scores), 2) if scores else None)
    assert sat.rated_cases == len({case_id for case_id, _ in ratings if case_id in ids})
    assert sat.resolved_cases == len(resolved)
    # Live: every open case now, whatever the period.
    open_now = [r for r in rows if r.is_open]
    assert board.live.open_cases == len(open_now)
    assert dict(board.live.backlog) == dict(Counter(r.status for r in open_now))
    assert board.live.breached_cases == sum(1 for r in open_now if _breached(r))


def test_a_brand_filter_narrows_every_figure(world: World) -> None:
    rows = _rows(world.db)
    with world.db.read_session() as s:
        board = service.dashboard(s, Period(FIRST_DAY, LAST_DAY, "UTC", brand_id=world.brand_b), now=NOW)
    cohort = _cohort(rows, world.brand_b)
    assert board.overall is not None
    for name, want in expected_times(cohort).items():
        assert same(name, getattr(board.overall, name), want), (name, getattr(board.overall, name), want)
    assert board.live.open_cases == sum(1 for r in rows if r.is_open and r.brand_id == world.brand_b)


# --- the pages show the same figures, each with its base -----------------------------------------

def _login(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1),
                                         "next": "/inbox"}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def _figure(html: str, name: str) -> str:
    found = re.search(rf'data-(?:figure|kpi)="{name}"[^>]*>(.*?)</(?:dd|span)>', html, re.S)
    assert found, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


@pytest.fixture
def one_of_many(db: Database) -> Iterator[tuple[TestClient, int]]:
    """The case of issue 15: 659 cases received this week, one answered (on time), the rest within term."""
    from helpers import make_brand

    brand = make_brand(db, name="Conectel")
    now = datetime.now(UTC)
    with db.session() as s:
        auth.create_user(s, email="super@a.co", name="Sara", role="supervisor", password=PASSWORD,
                         brand_ids=[brand.id], actor=SYSTEM)
        person = Person(organisation_id=brand.organisation_id, display_name="Ana")
        s.add(person)
        s.flush()
        s.execute(Case.__table__.insert(), [
            {"brand_id": brand.id, "person_id": person.id, "channel": "twitter", "conversation_key": f"k{i}",
             "title": f"Caso {i}", "pqr_type": "queja", "status": "primera_respuesta" if i == 0 else "nuevo",
             "is_open": True, "priority": 0, "priority_reasons": [], "flags": [], "breaches": [],
             "resolution_checklist": {}, "role_confidence": 0.0, "customer_confirmed": False,
             "unanswered_count": 0 if i == 0 else 1, "mention_count": 1, "escalated": False,
             "supervisor_flagged": False, "opened_at": now - timedelta(minutes=10),
             "last_inbound_at": now - timedelta(minutes=10), "updated_at": now,
             "first_response_at": now - timedelta(minutes=5) if i == 0 else None,
             "first_response_due": now + timedelta(hours=1), "resolution_due": now + timedelta(days=5)}
            for i in range(659)])
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    yield _login(app, "super@a.co"), brand.id


def test_the_headline_says_received_answered_and_how_many_are_still_within_term(
        one_of_many: tuple[TestClient, int]) -> None:
    client, _ = one_of_many
    report = client.get("/reports/management")
    assert report.status_code == 200
    html = report.text
    assert "Casos atendidos" not in html
    assert _figure(html, "received") == "659"
    assert _figure(html, "answered") == "1 de 659"
    assert _figure(html, "first-in-target") == "1 de 1 (100 %) · 658 aún en plazo"
    assert _figure(html, "resolution-rate") == "0 de 0 · 659 aún en plazo"
    board = client.get("/dashboard").text
    assert _figure(board, "cases") == "659"
    assert "1 de 1 (100 %) · 658 aún en plazo" in _figure(board, "first-in-target")


def test_dashboard_page_figures_match_the_independent_count(world: World) -> None:
    with world.db.session() as s:
        auth.create_user(s, email="admin@a.co", name="Ada", role="admin", password=PASSWORD, actor=SYSTEM)
    app = create_app(Settings(database_url=world.db.url), db=world.db, run_scheduler=False)
    client = _login(app, "admin@a.co")
    html = client.get(f"/reports/management?from={FIRST_DAY}&to={LAST_DAY}").text
    with world.db.read_session() as s:  # the period's days are counted in the first brand's time zone
        zone = s.execute(text("SELECT timezone FROM brands ORDER BY name")).scalars().first()
    want = expected_times(_cohort(_rows(world.db), zone=zone), datetime.now(UTC))
    assert _figure(html, "received") == str(want["cases"])
    assert _figure(html, "answered") == f"{want['responded']} de {want['cases']}"
    assert _figure(html, "first-in-target").startswith(
        f"{want['first_response_met']} de {want['first_response_measured']} (")
