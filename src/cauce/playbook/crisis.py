"""Crisis watch: sweep every brand for spikes and campaigns; crisis mode, alerts, tighter SLAs,
linked cases under a parent incident, and a post-crisis watch period with its own report.

`crisis_sweep(session, now)` is what the worker and the demo call periodically. It works on the
mentions' own timestamps, so a replayed or simulated stream behaves like a live one.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cauce.audit.service import SYSTEM, record, record_changes
from cauce.brands.models import Brand
from cauce.cases.models import Case
from cauce.db import utcnow
from cauce.errors import NotFound
from cauce.mentions.models import Mention
from cauce.playbook import alerts
from cauce.playbook.crisis_detect import Complaint, Signal, detect_campaign, detect_spikes
from cauce.playbook.models import Crisis, CrisisCase
from cauce.playbook.policy import CrisisPolicy, effective_policy

LIVE_STATES = ("active", "watch")


@dataclass
class SweepResult:
    checked_brands: int = 0
    opened: list[int] = field(default_factory=list)
    reactivated: list[int] = field(default_factory=list)
    calmed: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    linked_cases: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def current(session: Session, *, brand_id: int) -> Crisis | None:
    """The brand's crisis in progress (active or under post-crisis watch), if any."""
    return session.scalar(select(Crisis).where(Crisis.brand_id == brand_id, Crisis.status.in_(LIVE_STATES))
                          .order_by(Crisis.id.desc()).limit(1))


def in_crisis_mode(session: Session, *, brand_id: int) -> bool:
    """True while a crisis is active: drafts use crisis templates, SLAs are tighter."""
    crisis = current(session, brand_id=brand_id)
    return crisis is not None and crisis.status == "active"


def _complaints(session: Session, brand_id: int, since: datetime, now: datetime,
                with_flagged: bool = False) -> list[Complaint]:
    query = select(Mention.created_at, Mention.category, Mention.person_id, Mention.text, Mention.id).where(
        Mention.brand_id == brand_id, Mention.created_at > since, Mention.created_at <= now)
    if with_flagged:
        query = query.where(or_(Mention.is_complaint.is_(True), Mention.abusive.is_(True),
                                Mention.threat.is_(True), Mention.legal_risk.is_(True)))
    else:
        query = query.where(Mention.is_complaint.is_(True))
    return [Complaint(r.created_at, r.category, str(r.person_id), r.text[:600], r.id)
            for r in session.execute(query.order_by(Mention.created_at))]


def _seasonal(session: Session, brand_id: int, now: datetime, policy: CrisisPolicy,
              history_start: datetime | None) -> dict[tuple[str | None, int], list[int]]:
    """Counts of the same windows in previous weeks, when the brand has that much history."""
    weeks = policy.seasonal_weeks
    if history_start is None or history_start > now - timedelta(weeks=weeks):
        return {}
    out: dict[tuple[str | None, int], list[int]] = {}
    for window in {policy.short_window_minutes, policy.window_minutes}:
        per_week: list[Counter[str | None]] = []
        for k in range(1, weeks + 1):
            end = now - timedelta(weeks=k)
            rows = session.execute(
                select(Mention.category, func.count()).where(
                    Mention.brand_id == brand_id, Mention.is_complaint.is_(True),
                    Mention.created_at > end - timedelta(minutes=window), Mention.created_at <= end)
                .group_by(Mention.category)).all()
            counter: Counter[str | None] = Counter({cat: n for cat, n in rows})
            counter[None] = sum(n for _, n in rows)
            per_week.append(counter)
        for cat in {c for week in per_week for c in week}:
            out[(cat, window)] = [week.get(cat, 0) for week in per_week]
    return out


def signals_for(session: Session, brand: Brand, now: datetime, policy: CrisisPolicy) -> list[Signal]:
    since = now - timedelta(minutes=policy.window_minutes + policy.baseline_hours * 60)
    history_start = session.scalar(select(func.min(Mention.created_at)).where(Mention.brand_id == brand.id))
    found = detect_spikes(_complaints(session, brand.id, since, now), now=now, policy=policy,
                          seasonal_counts=_seasonal(session, brand.id, now, policy, history_start),
                          history_start=history_start)
    recent = _complaints(session, brand.id, now - timedelta(minutes=policy.campaign_window_minutes), now,
                         with_flagged=True)
    campaign = detect_campaign(recent, now=now, policy=policy)
    if campaign is not None:
        found.append(campaign)
    return sorted(found, key=lambda s: -s.strength)


def _focus(signals: list[Signal]) -> str | None:
    """The category of the crisis: the strongest per-category spike, unless only the total moved."""
    per_cat = [s for s in signals if s.category is not None]
    return per_cat[0].category if per_cat else None


def crisis_sweep(session: Session, now: datetime | None = None, *, brand_ids: frozenset[int] | None = None,
                 notify: bool = True) -> SweepResult:
    """Look at every brand once: open, update, calm down or end crises."""
    now = now or utcnow()
    result = SweepResult()
    query = select(Brand).order_by(Brand.id)
    if brand_ids is not None:
        query = query.where(Brand.id.in_(brand_ids))
    for brand in session.scalars(query):
        result.checked_brands += 1
        policy = effective_policy(session, brand_id=brand.id).crisis
        signals = signals_for(session, brand, now, policy)
        crisis = current(session, brand_id=brand.id)
        if signals and crisis is None:
            crisis, linked = _open(session, brand, signals, now, policy, notify=notify)
            result.opened.append(crisis.id)
            result.linked_cases += linked
        elif signals and crisis is not None:
            changes: dict[str, Any] = {"last_signal_at": now}
            if crisis.status == "watch":
                changes.update(status="active", watch_until=None)
                result.reactivated.append(crisis.id)
            details = dict(crisis.details)
            details["peak"] = max(int(details.get("peak", 0)), max(s.count for s in signals))
            details["signals"] = [s.summary() for s in signals]
            changes["details"] = details
            record_changes(session, crisis, changes, actor=SYSTEM, action="crisis.updated", entity_type="crisis",
                           brand_id=brand.id, reason=" ".join(s.summary() for s in signals))
            if crisis.id in result.reactivated and notify:
                _alert(crisis, brand, policy, signals, 0, title=f"La crisis de {brand.name} se reactivó")
        elif crisis is not None and crisis.status == "active" and \
                now - crisis.last_signal_at >= timedelta(minutes=policy.calm_minutes):
            watch_until = now + timedelta(hours=policy.watch_hours)
            record_changes(session, crisis, {"status": "watch", "watch_until": watch_until},
                           actor=SYSTEM, action="crisis.watch", entity_type="crisis", brand_id=brand.id,
                           reason="Sin picos: empieza la vigilancia poscrisis (PLAYBOOK §9).")
            result.calmed.append(crisis.id)
        elif crisis is not None and crisis.status == "watch" and crisis.watch_until and now >= crisis.watch_until:
            report = crisis_report(session, crisis_id=crisis.id, now=now)
            record_changes(session, crisis, {"status": "ended", "ended_at": now,
                                             "details": dict(crisis.details) | {"final_report": report}},
                           actor=SYSTEM, action="crisis.ended", entity_type="crisis", brand_id=brand.id,
                           reason="Terminó la vigilancia poscrisis.")
            result.ended.append(crisis.id)
            crisis = None
        if crisis is not None and crisis.status == "active":
            result.linked_cases += link_cases(session, crisis, now=now, policy=policy, signals=signals)
    return result


def _open(session: Session, brand: Brand, signals: list[Signal], now: datetime, policy: CrisisPolicy,
          *, notify: bool) -> tuple[Crisis, int]:
    top = signals[0]
    category = _focus(signals)
    what = f"«{category}»" if category else "varias categorías"
    title = (f"Campaña coordinada contra {brand.name}" if top.kind == "campaign"
             else f"Pico de quejas de {what} en {brand.name}")
    crisis = Crisis(brand_id=brand.id, category=category, kind=top.kind, status="active", title=title[:300],
                    started_at=min(s.started_at for s in signals), detected_at=now, last_signal_at=now,
                    details={"signals": [s.summary() for s in signals], "peak": max(s.count for s in signals),
                             "examples": list(top.examples), "expected": top.expected,
                             "p_value": top.p_value, "accounts": top.accounts})
    session.add(crisis)
    session.flush()
    record(session, actor=SYSTEM, action="crisis.opened", entity_type="crisis", entity_id=crisis.id,
           brand_id=brand.id, after={"title": title, "kind": top.kind, "category": category,
                                     "signals": crisis.details["signals"]})
    linked = link_cases(session, crisis, now=now, policy=policy, signals=signals)
    from cauce.notifications import service as notifications

    notifications.on_crisis_opened(session, crisis=crisis, brand_name=brand.name)
    if notify:
        _alert(crisis, brand, policy, signals, linked, title=title)
    return crisis, linked


def _alert(crisis: Crisis, brand: Brand, policy: CrisisPolicy, signals: list[Signal], linked: int,
           *, title: str) -> None:
    payload = {"event": "crisis", "crisis_id": crisis.id, "brand": brand.name, "brand_slug": brand.slug,
               "title": title, "kind": crisis.kind, "category": crisis.category, "status": crisis.status,
               "started_at": crisis.started_at.isoformat(), "detected_at": crisis.detected_at.isoformat(),
               "signals": [s.summary() for s in signals], "linked_cases": linked}
    crisis.alerts = [*crisis.alerts, *alerts.send(policy, payload)]


def link_cases(session: Session, crisis: Crisis, *, now: datetime, policy: CrisisPolicy,
               signals: Sequence[Signal] = ()) -> int:
    """Link the crisis's open cases under it (bulk) and tighten their first-response target."""
    mention_ids = {i for s in signals for i in s.mention_ids}
    query = select(Case).where(Case.brand_id == crisis.brand_id, Case.is_open.is_(True),
                               Case.last_inbound_at >= crisis.started_at,
                               Case.pqr_type.in_(("queja", "reclamo", "peticion")))
    if crisis.category is not None:
        query = query.where(Case.category == crisis.category)
    candidates = {c.id: c for c in session.scalars(query)}
    if mention_ids:
        ids = list(mention_ids)[:5000]
        for case in session.scalars(select(Case).join(Mention, Mention.case_id == Case.id)
                                    .where(Mention.id.in_(ids), Case.is_open.is_(True))):
            candidates[case.id] = case
    linked = set(session.scalars(select(CrisisCase.case_id).where(CrisisCase.crisis_id == crisis.id)))
    new = [c for cid, c in sorted(candidates.items()) if cid not in linked]
    if not new:
        return 0
    for case in new:
        session.add(CrisisCase(crisis_id=crisis.id, case_id=case.id, linked_at=now))
    record(session, actor=SYSTEM, action="crisis.cases_linked", entity_type="crisis", entity_id=crisis.id,
           brand_id=crisis.brand_id, after={"case_ids": [c.id for c in new]})
    tighter = timedelta(minutes=policy.first_response_minutes)
    for case in new:
        if case.first_response_at is None and case.first_response_due is not None:
            due = max(case.opened_at, crisis.detected_at) + tighter
            if due < case.first_response_due:
                record_changes(session, case, {"first_response_due": due, "supervisor_flagged": True},
                               actor=SYSTEM, action="crisis.sla_tightened", entity_type="case", case_id=case.id,
                               brand_id=case.brand_id, reason=f"Crisis #{crisis.id}: {crisis.title}")
    return len(new)


def crises_of(session: Session, *, brand_ids: frozenset[int] | None = None, live_only: bool = False,
              limit: int = 100) -> list[Crisis]:
    query = select(Crisis)
    if brand_ids is not None:
        query = query.where(Crisis.brand_id.in_(brand_ids))
    if live_only:
        query = query.where(Crisis.status.in_(LIVE_STATES))
    return list(session.scalars(query.order_by(Crisis.id.desc()).limit(limit)))


def get(session: Session, *, crisis_id: int, brand_ids: frozenset[int] | None = None) -> Crisis:
    crisis = session.get(Crisis, crisis_id)
    if crisis is None or (brand_ids is not None and crisis.brand_id not in brand_ids):
        raise NotFound(f"No existe la crisis {crisis_id}.")
    return crisis


def crisis_report(session: Session, *, crisis_id: int, now: datetime | None = None,
                  brand_ids: frozenset[int] | None = None) -> dict[str, Any]:
    """The crisis and its post-crisis watch, hour by hour, with the linked cases' handling."""
    now = now or utcnow()
    crisis = get(session, crisis_id=crisis_id, brand_ids=brand_ids)
    end = crisis.ended_at or now
    start = crisis.started_at - timedelta(hours=2)
    query = select(Mention.created_at, Mention.category).where(
        Mention.brand_id == crisis.brand_id, Mention.is_complaint.is_(True), Mention.created_at >= start,
        Mention.created_at <= end)
    hourly: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for at, category in session.execute(query):
        hourly[at.replace(minute=0, second=0, microsecond=0).isoformat()] += 1
        by_category[category or "otro"] += 1
    cases = list(session.scalars(select(Case).join(CrisisCase, CrisisCase.case_id == Case.id)
                                 .where(CrisisCase.crisis_id == crisis.id)))
    first = [(c.first_response_at - c.opened_at).total_seconds() / 60 for c in cases if c.first_response_at]
    watch_start = crisis.watch_until - timedelta(hours=effective_policy(
        session, brand_id=crisis.brand_id).crisis.watch_hours) if crisis.watch_until else None
    during_watch = sum(n for hour, n in hourly.items() if watch_start and hour >= watch_start.isoformat())
    return {
        "crisis_id": crisis.id, "brand_id": crisis.brand_id, "title": crisis.title, "kind": crisis.kind,
        "category": crisis.category, "status": crisis.status, "started_at": crisis.started_at.isoformat(),
        "detected_at": crisis.detected_at.isoformat(),
        "detection_delay_minutes": round((crisis.detected_at - crisis.started_at).total_seconds() / 60, 1),
        "watch_until": crisis.watch_until.isoformat() if crisis.watch_until else None,
        "ended_at": crisis.ended_at.isoformat() if crisis.ended_at else None,
        "peak": crisis.details.get("peak"), "signals": crisis.details.get("signals", []),
        "alerts": crisis.alerts, "complaints_per_hour": dict(sorted(hourly.items())),
        "complaints_by_category": dict(by_category.most_common()),
        "complaints_during_watch": during_watch,
        "cases": {"linked": len(cases), "open": sum(1 for c in cases if c.is_open),
                  "answered": len(first),
                  "median_first_response_minutes": round(statistics.median(first), 1) if first else None,
                  "breached": sum(1 for c in cases if c.breaches)},
    }


def crisis_out(crisis: Crisis) -> dict[str, Any]:
    return {"id": crisis.id, "brand_id": crisis.brand_id, "title": crisis.title, "kind": crisis.kind,
            "category": crisis.category, "status": crisis.status, "started_at": crisis.started_at.isoformat(),
            "detected_at": crisis.detected_at.isoformat(), "last_signal_at": crisis.last_signal_at.isoformat(),
            "watch_until": crisis.watch_until.isoformat() if crisis.watch_until else None,
            "ended_at": crisis.ended_at.isoformat() if crisis.ended_at else None,
            "signals": crisis.details.get("signals", []), "alerts": crisis.alerts}
