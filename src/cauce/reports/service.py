"""What a supervisor needs (PLAYBOOK §10), computed with aggregate SQL over the cases of a period.

The cohort is the cases *opened* in the period (discarded ones excluded: spam is not a PQR), of the
brands the caller may see. Times are wall-clock (what the customer lived); "within target" uses
each case's own due time, which the SLA module computed on the brand's business calendar.
Percentiles: `percentile_cont` on PostgreSQL; on SQLite (the small embedded default) only the
durations are fetched and the same linear interpolation is applied in Python.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy import ColumnElement, and_, extract, func, literal, or_, select, text, tuple_
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.apimodel import StrictOut
from cauce.auth.models import User
from cauce.brands.models import Brand
from cauce.brands.policy import load_policy
from cauce.cases import lifecycle
from cauce.cases.models import Area, Case, Satisfaction
from cauce.db import utcnow
from cauce.reports.period import Period

DIMENSIONS: dict[str, str] = {"brand": "Marca", "channel": "Canal", "agent": "Agente", "area": "Área"}
N_COUNTS = 9  # the counts of `_aggregates`, before the percentiles
CLOCKS = ("first_response", "next_response", "resolution", "area", "legal")
SPIKE_SIGMAS = 2.0
TOP_N = 10


# --- helpers ----------------------------------------------------------------------------------

def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _seconds(session: Session, end: Any, start: Any) -> ColumnElement[Any]:
    if _is_postgres(session):
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _resolved_at() -> ColumnElement[Any]:
    return func.coalesce(Case.resolved_at, Case.closed_at)


def cohort(period: Period) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the cases a report counts."""
    where: list[ColumnElement[bool]] = [Case.opened_at >= period.start, Case.opened_at < period.end,
                                        Case.status != "descartado"]
    return where + _brand_filter(period)


def _brand_filter(period: Period) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if period.brand_id is not None:
        where.append(Case.brand_id == period.brand_id)
    if period.scope.brand_ids is not None:
        where.append(Case.brand_id.in_(period.scope.brand_ids))
    return where


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks: the same as SQL `percentile_cont`."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


# --- response and resolution times -------------------------------------------------------------

@dataclass(frozen=True)
class TimeRow:
    """Response and resolution times of one group (a brand, channel, agent, area, or everything)."""

    key: str | int | None
    label: str
    cases: int
    responded: int
    first_response_median_min: float | None
    first_response_p90_min: float | None
    first_response_within_target: float | None  # share of finished-or-overdue first-response clocks met
    resolved: int
    resolution_median_h: float | None
    resolution_p90_h: float | None
    resolution_within_target: float | None
    target_first_response_min: int | None = None
    target_resolution_h: int | None = None
    # The counts behind the shares: "n de m en meta", and how many are still within their term
    # (no answer yet, due time not reached) — so 1 answered of 659 received never reads as "100 %".
    first_response_met: int = 0
    first_response_measured: int = 0
    first_response_pending: int = 0
    resolution_met: int = 0
    resolution_measured: int = 0
    resolution_pending: int = 0


def _key_column(dimension: str | None) -> Any:
    columns = {"brand": Case.brand_id, "channel": Case.channel, "agent": Case.assigned_user_id,
               "area": Case.area_id}
    if dimension is None:
        return literal("all")
    if dimension not in columns:
        raise ValueError(f"unknown dimension {dimension!r}")
    return columns[dimension]


def _labels(session: Session, dimension: str | None, keys: list[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if dimension == "brand":
        return dict(session.execute(select(Brand.id, Brand.name).where(Brand.id.in_(ids))).all())
    if dimension == "agent":
        found = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
        return {**found, None: "Sin asignar"}
    if dimension == "area":
        rows = session.execute(select(Area.id, Area.name, Brand.name).join(Brand, Brand.id == Area.brand_id)
                               .where(Area.id.in_(ids))).all()
        return {**{i: f"{name} ({brand})" for i, name, brand in rows}, None: "Sin área"}
    if dimension == "channel":
        return {k: labels.label(labels.CHANNELS, k) for k in ids}
    return {"all": "Total"}


def _aggregates(session: Session, now: datetime) -> tuple[list[Any], list[Any], tuple[Any, Any]]:
    """The counts (and on PostgreSQL the percentiles) of a time table, plus the two duration columns."""
    resolved_at = _resolved_at()
    first_secs = _seconds(session, Case.first_response_at, Case.opened_at)
    resolution_secs = _seconds(session, resolved_at, Case.opened_at)
    counts = [
        func.count(),
        func.count(Case.first_response_at),
        func.count().filter(Case.first_response_at <= Case.first_response_due),
        func.count().filter(and_(Case.first_response_due.is_not(None),
                                 or_(Case.first_response_at.is_not(None), Case.first_response_due < now))),
        func.count(resolved_at),
        func.count().filter(resolved_at <= Case.resolution_due),
        func.count().filter(and_(Case.resolution_due.is_not(None),
                                 or_(resolved_at.is_not(None), Case.resolution_due < now))),
        func.count().filter(and_(Case.first_response_at.is_(None), Case.first_response_due >= now)),
        func.count().filter(and_(resolved_at.is_(None), Case.resolution_due >= now)),
    ]
    pcts = [func.percentile_cont(q).within_group(expr) for expr in (first_secs, resolution_secs) for q in (0.5, 0.9)]
    return counts, pcts, (first_secs, resolution_secs)


def _build(session: Session, dimension: str | None, rows: list[tuple[Any, ...]],
           percentiles: dict[Any, tuple[Any, ...]]) -> list[TimeRow]:
    """rows: (key, N_COUNTS counts); percentiles: key -> (first p50, first p90, resolution p50, resolution p90) s."""
    names = _labels(session, dimension, [row[0] for row in rows])
    targets = _brand_targets(session, [row[0] for row in rows]) if dimension == "brand" else {}
    out = []
    for row in rows:
        k, total, responded, fr_met, fr_due, resolved, res_met, res_due, fr_pending, res_pending = row[:1 + N_COUNTS]
        if dimension is None and not total:
            continue
        p = percentiles.get(k, (None, None, None, None))
        minutes = [None if v is None else float(v) / 60 for v in p[:2]]
        hours = [None if v is None else float(v) / 3600 for v in p[2:]]
        target = targets.get(k, (None, None))
        out.append(TimeRow(k, names.get(k, str(k)), total, responded, _round(minutes[0]), _round(minutes[1]),
                           _share(fr_met, fr_due), resolved, _round(hours[0]), _round(hours[1]),
                           _share(res_met, res_due), target[0], target[1], fr_met, fr_due, fr_pending,
                           res_met, res_due, res_pending))
    return sorted(out, key=lambda r: (-r.cases, r.label))


def time_rows(session: Session, period: Period, dimension: str | None, *, now: datetime | None = None) -> list[TimeRow]:
    """First-response and resolution times per group, against each case's own due times."""
    now = now or utcnow()
    key = _key_column(dimension)
    counts, pcts, (first_secs, resolution_secs) = _aggregates(session, now)
    percentiles: dict[Any, tuple[Any, ...]] = {}
    if _is_postgres(session):
        query = select(key, *counts, *pcts).where(*cohort(period))
        rows = [tuple(r) for r in session.execute(query if dimension is None else query.group_by(key))]
        percentiles = {row[0]: row[1 + N_COUNTS:5 + N_COUNTS] for row in rows}
    else:
        query = select(key, *counts).where(*cohort(period))
        rows = [tuple(r) for r in session.execute(query if dimension is None else query.group_by(key))]
        durations: dict[Any, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for k, f, r in session.execute(select(key, first_secs, resolution_secs).where(*cohort(period))):
            if f is not None:
                durations[k][0].append(float(f))
            if r is not None:
                durations[k][1].append(float(r))
        for k, (firsts, resolutions) in durations.items():
            firsts.sort()
            resolutions.sort()
            percentiles[k] = (percentile(firsts, 0.5), percentile(firsts, 0.9),
                              percentile(resolutions, 0.5), percentile(resolutions, 0.9))
    return _build(session, dimension, rows, percentiles)


# GROUPING(brand, channel, agent, area) bitmask of each grouping set (a set bit: not grouped by it).
_GROUPING_BITS = {7: "brand", 11: "channel", 13: "agent", 14: "area", 15: None}


def time_tables(session: Session, period: Period, *, now: datetime | None = None
                ) -> tuple[TimeRow | None, dict[str, list[TimeRow]]]:
    """The overall row and every dimension's rows; on PostgreSQL in one pass (GROUPING SETS)."""
    now = now or utcnow()
    if not _is_postgres(session):
        overall = time_rows(session, period, None, now=now)
        return (overall[0] if overall else None), {d: time_rows(session, period, d, now=now) for d in DIMENSIONS}
    keys = [Case.brand_id, Case.channel, Case.assigned_user_id, Case.area_id]
    counts, pcts, _ = _aggregates(session, now)
    query = (select(func.grouping(*keys), *keys, *counts, *pcts).where(*cohort(period))
             .group_by(func.grouping_sets(*[tuple_(k) for k in keys], tuple_())))
    split: dict[str | None, list[tuple[Any, ...]]] = defaultdict(list)
    for row in session.execute(query):
        dimension = _GROUPING_BITS.get(row[0], "?")
        if dimension == "?":
            continue
        key = "all" if dimension is None else row[1 + list(DIMENSIONS).index(dimension)]
        split[dimension].append((key, *row[5:]))
    built = {d: _build(session, d, split.get(d, []), {r[0]: r[1 + N_COUNTS:5 + N_COUNTS] for r in split.get(d, [])})
             for d in (None, *DIMENSIONS)}
    overall = built.pop(None)
    return (overall[0] if overall else None), {d: built[d] for d in DIMENSIONS}


def _brand_targets(session: Session, brand_ids: list[Any]) -> dict[Any, tuple[int, int]]:
    out = {}
    for brand in session.scalars(select(Brand).where(Brand.id.in_([b for b in brand_ids if b is not None]))):
        policy = load_policy(brand.policy)
        out[brand.id] = (policy.first_response_minutes, policy.resolution_hours_for("queja"))
    return out


# --- volumes, trends and spikes ----------------------------------------------------------------

@dataclass(frozen=True)
class Volumes:
    days: list[str]
    totals: list[int]
    by_type: dict[str, list[int]]  # pqr_type -> count per day
    by_category: dict[str, list[int]]  # category -> count per day (complaints with a category)
    type_totals: dict[str, int]
    category_totals: dict[str, int]
    mean_per_day: float
    stdev_per_day: float
    spike_threshold: float | None
    spike_days: list[str]


def _day_column(session: Session, period: Period) -> Any:
    """The calendar day of `opened_at` in the report's time zone."""
    if _is_postgres(session):
        # Local midnight as a timestamptz (cheaper than formatting every row); volumes() reads its date.
        return func.date_trunc("day", Case.opened_at, period.timezone)
    # SQLite has no time zones: a fixed offset taken at the middle of the period (exact for every
    # Latin American zone without daylight saving; off by an hour at most near a DST change).
    middle = period.start + (period.end - period.start) / 2
    offset = middle.astimezone(period.zone).utcoffset() or timedelta(0)
    return func.date(Case.opened_at, f"{int(offset.total_seconds() // 60):+d} minutes")


def volumes(session: Session, period: Period) -> Volumes:
    day = _day_column(session, period)
    days = [d.isoformat() for d in period.days]
    index = {d: i for i, d in enumerate(days)}
    by_type: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    query = (select(day, Case.pqr_type, Case.category, func.count()).where(*cohort(period))
             .group_by(day, Case.pqr_type, Case.category))
    for d, pqr, category, n in session.execute(query):
        i = index.get(d.astimezone(period.zone).date().isoformat() if isinstance(d, datetime) else str(d)[:10])
        if i is None:
            continue
        by_type.setdefault(pqr or "otro", [0] * len(days))[i] += n
        if category:
            by_category.setdefault(category, [0] * len(days))[i] += n
    totals = [sum(series[i] for series in by_type.values()) for i in range(len(days))]
    mean = sum(totals) / len(totals) if totals else 0.0
    stdev = math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals)) if totals else 0.0
    threshold = mean + SPIKE_SIGMAS * stdev if stdev > 0 else None
    spikes = [days[i] for i, t in enumerate(totals) if threshold is not None and t > threshold]
    return Volumes(days, totals, dict(sorted(by_type.items())), dict(sorted(by_category.items())),
                   {k: sum(v) for k, v in sorted(by_type.items(), key=lambda kv: -sum(kv[1]))},
                   {k: sum(v) for k, v in sorted(by_category.items(), key=lambda kv: -sum(kv[1]))},
                   round(mean, 2), round(stdev, 2), None if threshold is None else round(threshold, 2), spikes)


# --- SLA now: backlog and live breaches -------------------------------------------------------

@dataclass(frozen=True)
class BreachedCase:
    id: int
    title: str
    brand: str
    status: str
    clocks: list[str]
    overdue_minutes: float


@dataclass(frozen=True)
class LiveSla:
    open_cases: int
    backlog: dict[str, int]  # status -> open cases
    breached_cases: int
    breaches_by_clock: dict[str, int]
    worst: list[BreachedCase]


def _breach_conditions(now: datetime) -> dict[str, ColumnElement[bool]]:
    """Running clocks past due, exactly as `cases.sla.clocks` sees them for an open case."""
    unresolved = and_(Case.resolved_at.is_(None), Case.closed_at.is_(None))
    return {
        "first_response": and_(Case.first_response_at.is_(None), Case.first_response_due < now),
        "next_response": Case.next_response_due < now,
        "resolution": and_(unresolved, Case.resolution_due < now),
        "area": and_(unresolved, Case.area_due < now),
        "legal": and_(unresolved, Case.legal_due < now),
    }


def live_sla(session: Session, period: Period, *, now: datetime | None = None) -> LiveSla:
    """Open cases right now (whatever the period): backlog by state and clocks already breached."""
    now = now or utcnow()
    where = [Case.is_open.is_(True), *_brand_filter(period)]
    conditions = _breach_conditions(now)
    any_breach = or_(*conditions.values())
    backlog: dict[str, int] = {}
    totals = [0] * (1 + len(conditions))
    for status, n, *breached in session.execute(
            select(Case.status, func.count(), func.count().filter(any_breach),
                   *[func.count().filter(c) for c in conditions.values()]).where(*where).group_by(Case.status)):
        backlog[status] = n
        totals = [t + b for t, b in zip(totals, breached, strict=True)]
    worst_rows = session.execute(
        select(Case, Brand.name).join(Brand, Brand.id == Case.brand_id).where(*where, any_breach)
        .order_by(Case.priority.desc(), Case.opened_at.asc()).limit(TOP_N)).all()
    worst = []
    for case, brand_name in worst_rows:
        dues = {"first_response": case.first_response_due if case.first_response_at is None else None,
                "next_response": case.next_response_due,
                **{n: d for n, d in (("resolution", case.resolution_due), ("area", case.area_due),
                                     ("legal", case.legal_due)) if case.resolved_at is None and case.closed_at is None}}
        late = {n: d for n, d in dues.items() if d is not None and d < now}
        oldest = min(late.values()) if late else now
        worst.append(BreachedCase(case.id, case.title, brand_name, case.status, sorted(late),
                                  round((now - oldest).total_seconds() / 60, 1)))
    order = ["nuevo", "reabierto", "primera_respuesta", "en_investigacion", "respondido", "seguimiento"]
    ordered = {s: backlog[s] for s in order if s in backlog} | {s: n for s, n in backlog.items() if s not in order}
    return LiveSla(sum(backlog.values()), ordered, totals[0], dict(zip(CLOCKS, totals[1:], strict=True)), worst)


# --- satisfaction, resolution, success story ---------------------------------------------------

@dataclass(frozen=True)
class SatisfactionSummary:
    ratings: int
    average: float | None
    distribution: dict[int, int]
    rated_cases: int
    resolved_cases: int
    response_rate: float | None  # rated cases / resolved cases


@dataclass(frozen=True)
class Resolution:
    resolved: int  # an answer was given (respondido, seguimiento or cerrado)
    unresolved: int  # still without an answer after the resolution term
    pending: int  # without an answer, still within term
    rate: float | None  # resolved / (resolved + unresolved), like the agencies' conciliation rate
    closed: int
    outcomes: dict[str, int]
    customer_confirmed: int
    confirmed_share: float | None  # confirmed / closed


def satisfaction(session: Session, period: Period, *, resolved: int | None = None) -> SatisfactionSummary:
    """CSAT of the period's cases; `resolved` (from `resolution`) saves a scan when already known."""
    row = session.execute(
        select(func.count(func.distinct(Satisfaction.case_id)),
               *[func.count().filter(Satisfaction.score == score) for score in range(1, 6)])
        .join(Case, Case.id == Satisfaction.case_id).where(*cohort(period))).one()
    rated = int(row[0])
    distribution = {score: int(n) for score, n in zip(range(1, 6), row[1:], strict=True)}
    ratings = sum(distribution.values())
    average = sum(s * n for s, n in distribution.items()) / ratings if ratings else None
    if resolved is None:
        resolved = session.scalar(select(func.count(_resolved_at())).where(*cohort(period))) or 0
    return SatisfactionSummary(ratings, _round(average, 2), distribution, rated, resolved, _share(rated, resolved))


def resolution(session: Session, period: Period, *, now: datetime | None = None) -> Resolution:
    now = now or utcnow()
    resolved_at = _resolved_at()
    closed = Case.status == "cerrado"
    outcome_names = list(lifecycle.OUTCOMES)
    row = session.execute(select(
        func.count(resolved_at),
        func.count().filter(and_(resolved_at.is_(None), Case.resolution_due < now)),
        func.count().filter(and_(resolved_at.is_(None), or_(Case.resolution_due.is_(None),
                                                            Case.resolution_due >= now))),
        func.count().filter(closed),
        func.count().filter(and_(closed, Case.customer_confirmed.is_(True))),
        func.count().filter(and_(closed, Case.outcome.is_(None))),
        *[func.count().filter(and_(closed, Case.outcome == name)) for name in outcome_names],
    ).where(*cohort(period))).one()
    resolved, unresolved, pending, closed_n, confirmed, no_outcome = (int(v) for v in row[:6])
    outcomes = {name: int(n) for name, n in zip(outcome_names, row[6:], strict=True) if n}
    if no_outcome:
        outcomes["sin_resultado"] = no_outcome
    outcomes = dict(sorted(outcomes.items(), key=lambda kv: -kv[1]))
    return Resolution(resolved, unresolved, pending, _share(resolved, resolved + unresolved), closed_n,
                      outcomes, confirmed, _share(confirmed, closed_n))


@dataclass(frozen=True)
class SuccessStory:
    case_id: int
    title: str
    brand: str
    channel: str
    pqr_type: str
    category: str | None
    outcome: str | None
    score: int
    comment: str | None
    first_response_minutes: float | None
    resolution_hours: float | None


def success_story(session: Session, period: Period) -> SuccessStory | None:
    """The best-rated resolved case of the period (fastest first answer breaks ties)."""
    first_secs = _seconds(session, Case.first_response_at, Case.opened_at)
    found = session.execute(
        select(Case, Brand.name, Satisfaction.score, Satisfaction.comment)
        .join(Satisfaction, Satisfaction.case_id == Case.id).join(Brand, Brand.id == Case.brand_id)
        .where(*cohort(period), _resolved_at().is_not(None))
        .order_by(Satisfaction.score.desc(), first_secs.asc().nulls_last(), Case.id.asc()).limit(1)).first()
    if found is None:
        return None
    case, brand_name, score, comment = found
    done = case.resolved_at or case.closed_at
    return SuccessStory(
        case.id, case.title, brand_name, case.channel, case.pqr_type, case.category, case.outcome, score, comment,
        _round((case.first_response_at - case.opened_at).total_seconds() / 60) if case.first_response_at else None,
        _round((done - case.opened_at).total_seconds() / 3600) if done else None)


# --- playbook: crises and root causes (optional feature) -------------------------------------

@dataclass(frozen=True)
class CrisisState:
    brand_id: int
    brand: str
    status: str  # calma | active | watch
    title: str | None
    since: str | None
    crises_in_period: int


@dataclass(frozen=True)
class RootCauseRow:
    id: int
    brand: str
    label: str
    category: str | None
    status: str
    cases: int


def crisis_states(session: Session, period: Period) -> list[CrisisState] | None:
    try:
        from cauce.playbook.models import Crisis
    except ImportError:
        return None
    brand_query = select(Brand.id, Brand.name).order_by(Brand.name)
    if period.scope.brand_ids is not None:
        brand_query = brand_query.where(Brand.id.in_(period.scope.brand_ids))
    if period.brand_id is not None:
        brand_query = brand_query.where(Brand.id == period.brand_id)
    brands = session.execute(brand_query).all()
    ids = [b for b, _ in brands]
    live: dict[int, Any] = {}
    for crisis in session.scalars(select(Crisis).where(Crisis.brand_id.in_(ids), Crisis.status.in_(("active", "watch")))
                                  .order_by(Crisis.id.asc())):
        previous = live.get(crisis.brand_id)
        if previous is None or previous.status != "active":
            live[crisis.brand_id] = crisis
    in_period = dict(session.execute(
        select(Crisis.brand_id, func.count()).where(Crisis.brand_id.in_(ids), Crisis.started_at < period.end,
                                                    or_(Crisis.ended_at.is_(None), Crisis.ended_at >= period.start))
        .group_by(Crisis.brand_id)).all())
    out = []
    for brand_id, name in brands:
        now_live = live.get(brand_id)
        out.append(CrisisState(brand_id, name, now_live.status if now_live else "calma",
                               now_live.title if now_live else None,
                               now_live.started_at.isoformat() if now_live else None, in_period.get(brand_id, 0)))
    return out


def top_root_causes(session: Session, period: Period, limit: int = TOP_N) -> list[RootCauseRow] | None:
    try:
        from cauce.playbook.models import RootCause, RootCauseCase
    except ImportError:
        return None
    n = func.count(RootCauseCase.case_id).label("n")
    rows = session.execute(
        select(RootCause, Brand.name, n).join(RootCauseCase, RootCauseCase.root_cause_id == RootCause.id)
        .join(Case, Case.id == RootCauseCase.case_id).join(Brand, Brand.id == RootCause.brand_id)
        .where(*cohort(period), RootCause.status.in_(("proposed", "confirmed")))
        .group_by(RootCause.id, Brand.name).order_by(n.desc(), RootCause.id.asc()).limit(limit)).all()
    return [RootCauseRow(rc.id, brand, rc.label, rc.category, rc.status, count) for rc, brand, count in rows]


# --- everything for the dashboard -------------------------------------------------------------

class Dashboard(StrictOut):
    """The supervisor dashboard's numbers for a period; also the /api/v1/reports/dashboard answer."""

    model_config = ConfigDict(frozen=True)

    period: dict[str, Any] = Field(description="from, to (dates), timezone, brand_id")
    generated_at: str
    overall: TimeRow | None
    by_dimension: dict[str, list[TimeRow]]
    volumes: Volumes
    live: LiveSla
    satisfaction: SatisfactionSummary
    resolution: Resolution
    crises: list[CrisisState] | None
    root_causes: list[RootCauseRow] | None
    story: SuccessStory | None
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


def dashboard(session: Session, period: Period, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    if _is_postgres(session):
        # The percentiles sort every group's durations: let them sort in memory, for this transaction only.
        session.execute(text("SET LOCAL work_mem = '32MB'"))
    overall, by_dimension = time_tables(session, period, now=now)
    outcome = resolution(session, period, now=now)
    return Dashboard(
        period={"from": period.first_day.isoformat(), "to": period.last_day.isoformat(), "timezone": period.timezone,
                "brand_id": period.brand_id},
        generated_at=now.isoformat(),
        overall=overall,
        by_dimension=by_dimension,
        volumes=volumes(session, period),
        live=live_sla(session, period, now=now),
        satisfaction=satisfaction(session, period, resolved=outcome.resolved),
        resolution=outcome,
        crises=crisis_states(session, period),
        root_causes=top_root_causes(session, period),
        story=success_story(session, period),
        labels={"pqr_types": labels.PQR_TYPES, "categories": labels.CATEGORIES, "dimensions": DIMENSIONS,
                "clocks": {"first_response": "Primera respuesta", "next_response": "Siguiente respuesta",
                           "resolution": "Resolución", "area": "Investigación del área",
                           "legal": "Término legal"}},
    )
