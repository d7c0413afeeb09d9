"""Playbook benchmarks: next-actions latency per case, and crisis detection on the demo simulator.

    .venv/bin/python benchmarks/playbook/run.py [--cases 1000] [--skip-db-crisis]

1. Latency: 1,000+ cases from the simulator's stream in a fresh SQLite database; for each case
   `next_actions(session, case)` (facts loaded from the database + rules) and the pure rules alone.
2. Crisis, pure detector: the simulator's stream with 12 h of history before its crisis, sweeps every
   simulated minute over every brand; delay from the crisis start to the first signal, and false
   alarms (signals outside the crisis brand's crisis window).
3. Crisis, end to end: the same on a database through `crisis_sweep`, with the alert posted to a local
   fake webhook; delay from the crisis start to the alert.

Triage in these runs is the simulator's ground truth (its labels), so the numbers measure the
playbook, not the classifier.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from cauce.db import Database, upgrade
from cauce.demo.stream import SimEvent, Simulator
from cauce.mentions.schemas import MentionIn
from cauce.triage import service as triage_service
from cauce.triage.schemas import Assessment, History

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
COMPLAINTS = {"queja", "reclamo"}


class LabelAssessor:
    """Triage from the simulator's labels (ground truth)."""

    def __init__(self) -> None:
        self.labels: dict[str, Any] = {}

    def assess(self, mention: MentionIn, history: History) -> Assessment:
        lab = self.labels[mention.id]
        complaint = lab.pqr_type in COMPLAINTS
        return Assessment(
            language="es", is_complaint=complaint, complaint_score=0.9 if complaint else 0.1,
            pqr_type=lab.pqr_type, category=lab.category, sentiment="negativo" if complaint else "neutro",
            anger=0.8 if "insult" in lab.flags else 0.4, abusive="insult" in lab.flags or "abusive" in lab.flags,
            threat="threat" in lab.flags, legal_risk="legal" in lab.flags or "legal_risk" in lab.flags,
            author_role=lab.role, role_confidence=0.8, priority=60 if complaint else 20, reasons=("simulador",))


def _db(tmp: Path, name: str) -> Database:
    url = f"sqlite:///{tmp / name}"
    upgrade(url)
    db = Database(url)
    from cauce.demo.catalog import BRANDS
    from cauce.demo.seed import seed_brand

    with db.session() as s:
        for spec in BRANDS:
            seed_brand(s, spec)
    return db


def _ingest(db: Database, events: list[SimEvent], assessor: LabelAssessor) -> None:
    from cauce.mentions import service as mentions

    for e in events:
        assessor.labels[e.mention.id] = e.labels
    with db.session() as s:
        for e in events:
            mentions.ingest(s, e.mention, now=e.at)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_latency(tmp: Path, n_cases: int) -> dict[str, Any]:
    from sqlalchemy import select

    from cauce.cases.models import Case
    from cauce.playbook import facts
    from cauce.playbook.next_actions import derive, next_actions, next_actions_many
    from cauce.playbook.policy import effective_policy

    db = _db(tmp, "latency.db")
    assessor = LabelAssessor()
    triage_service.set_assessor(assessor)
    sim = Simulator(seed=3, start=START, rate_per_min=30, crisis=True, crisis_at=timedelta(minutes=30))
    events: list[SimEvent] = []
    stream = sim.events()
    while True:
        batch = [next(stream) for _ in range(500)]
        events.extend(batch)
        _ingest(db, batch, assessor)
        with db.read_session() as s:
            count = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) or 0
        if count >= n_cases:
            break
    full: list[float] = []
    pure: list[float] = []
    n_actions = 0
    with db.read_session() as s:
        case_list = list(s.scalars(select(Case).order_by(Case.id).limit(n_cases)))
        now = events[-1].at
        for case in case_list:
            effective_policy(s, brand_id=case.brand_id)  # warm the per-session policy cache
        for case in case_list:
            t = time.perf_counter()
            acts = next_actions(s, case, now=now)
            full.append((time.perf_counter() - t) * 1000)
            n_actions += len(acts)
            f = facts.load(s, case)
            policy = effective_policy(s, brand_id=case.brand_id)
            t = time.perf_counter()
            derive(f, policy, now=now)
            pure.append((time.perf_counter() - t) * 1000)
        # The inbox: next actions for pages of 50 cases at once (facts loaded in nine queries a page).
        per_case: list[float] = []
        for i in range(0, len(case_list), 50):
            page = case_list[i:i + 50]
            t = time.perf_counter()
            got = next_actions_many(s, page, now=now)
            per_case.append((time.perf_counter() - t) * 1000 / len(page))
            assert all(got[c.id] == next_actions(s, c, now=now) for c in page[:3])
    triage_service.set_assessor(None)
    db.dispose()
    return {"cases": len(case_list), "mentions": len(events), "actions_per_case": round(n_actions / len(case_list), 2),
            "full_ms": {"p50": round(pct(full, 0.5), 3), "p99": round(pct(full, 0.99), 3),
                        "mean": round(statistics.mean(full), 3)},
            "rules_only_ms": {"p50": round(pct(pure, 0.5), 4), "p99": round(pct(pure, 0.99), 4)},
            "batched_per_case_ms": {"p50": round(pct(per_case, 0.5), 3), "max": round(max(per_case), 3)}}


def bench_detector(seed: int, rate: float, factor: float, *, sweep_from: timedelta = timedelta(hours=12, minutes=30),
                   step_minutes: int = 1, crisis_at: timedelta = timedelta(hours=13)) -> dict[str, Any]:
    """Pure detector on the stream: sweeps every simulated minute, all brands."""
    from cauce.playbook.crisis_detect import Complaint, detect_campaign, detect_spikes
    from cauce.playbook.policy import defaults

    policy = defaults().crisis
    sim = Simulator(seed=seed, start=START, rate_per_min=rate, crisis_at=crisis_at, crisis_factor=factor,
                    crisis_duration=timedelta(minutes=15))
    end = sim.crisis_start + timedelta(minutes=45)
    complaints: dict[str, list[Complaint]] = defaultdict(list)
    everything: dict[str, list[Complaint]] = defaultdict(list)
    seen: set[str] = set()
    next_sweep = START + sweep_from
    first_signal: datetime | None = None
    first_kind = ""
    false_alarms: list[str] = []
    sweeps = 0
    for e in sim.events():
        while e.at > next_sweep:
            sweeps += 1
            for slug in everything:
                found = detect_spikes(complaints[slug], now=next_sweep, policy=policy, history_start=START)
                camp = detect_campaign(everything[slug][-policy.campaign_window_minutes * 40:], now=next_sweep,
                                       policy=policy)
                if camp:
                    found.append(camp)
                in_crisis = slug == sim.crisis_brand.slug and sim.crisis_start <= next_sweep <= end
                if found and in_crisis and first_signal is None:
                    first_signal, first_kind = next_sweep, found[0].kind
                elif found and not in_crisis:
                    false_alarms.append(f"{slug}@{next_sweep:%H:%M} {found[0].summary()}")
            next_sweep += timedelta(minutes=step_minutes)
        if e.at > end:
            break
        if e.mention.id in seen:
            continue
        seen.add(e.mention.id)
        slug = e.mention.brand
        item = Complaint(e.at, e.labels.category, e.mention.author.handle, e.mention.text)
        everything.setdefault(slug, [])  # every brand is swept
        if e.labels.pqr_type in COMPLAINTS:
            complaints[slug].append(item)
        if e.labels.pqr_type in COMPLAINTS or e.labels.flags:  # what the service feeds the campaign check
            everything[slug].append(item)
    delay = (first_signal - sim.crisis_start).total_seconds() / 60 if first_signal else None
    return {"seed": seed, "rate_per_min": rate, "crisis_factor": factor, "detected": first_signal is not None,
            "delay_minutes": delay, "first_signal": first_kind, "sweeps": sweeps,
            "false_alarm_sweeps": len(false_alarms), "brand_sweeps": sweeps * len(everything),
            "history_before_crisis_h": round(crisis_at.total_seconds() / 3600, 2), "false_alarms": false_alarms[:8]}


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[float, dict[str, Any]]] = []  # noqa: RUF012 - shared by the handler instances

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((time.time(), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def bench_db_crisis(tmp: Path, rate: float = 3.0) -> dict[str, Any]:
    """End to end: ingest the stream, run `crisis_sweep` every simulated minute, alert to a local webhook."""
    from cauce.audit.service import SYSTEM
    from cauce.brands import service as brands
    from cauce.playbook.crisis import crisis_sweep
    from cauce.playbook.policy import update_overrides

    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = _db(tmp, "crisis.db")
    sim = Simulator(seed=5, start=START, rate_per_min=rate, crisis_at=timedelta(hours=12, minutes=30),
                    crisis_duration=timedelta(minutes=15))
    with db.session() as s:
        brand = brands.resolve(s, sim.crisis_brand.slug)
        for b in brands.list_brands(s):
            update_overrides(s, brand_id=b.id, actor=SYSTEM,
                             changes={"crisis": {"webhook_url": f"http://127.0.0.1:{server.server_port}/h"}})
        brand_id = brand.id
    assessor = LabelAssessor()
    triage_service.set_assessor(assessor)
    end = sim.crisis_start + timedelta(minutes=30)
    first_sweep = sim.crisis_start - timedelta(minutes=30)
    pending: list[SimEvent] = []
    alerts: list[tuple[datetime, dict[str, Any]]] = []
    sweep_ms: list[float] = []
    next_sweep = first_sweep
    ingested = 0
    t0 = time.perf_counter()
    for e in sim.events():
        if e.at > next_sweep and next_sweep <= end:
            _ingest(db, pending, assessor)
            ingested += len(pending)
            pending = []
            while e.at > next_sweep and next_sweep <= end:
                if next_sweep >= first_sweep:
                    before = len(_Hook.received)
                    t = time.perf_counter()
                    with db.session() as s:
                        crisis_sweep(s, next_sweep)
                    sweep_ms.append((time.perf_counter() - t) * 1000)
                    alerts.extend((next_sweep, p) for _, p in _Hook.received[before:])
                next_sweep += timedelta(minutes=1)
        if e.at > end:
            break
        pending.append(e)
    triage_service.set_assessor(None)
    server.shutdown()
    ours = [(at, p) for at, p in alerts if p["brand_slug"] == sim.crisis_brand.slug]
    others = [p["brand_slug"] for at, p in alerts if p["brand_slug"] != sim.crisis_brand.slug]
    first = ours[0] if ours else None
    db.dispose()
    return {"rate_per_min": rate, "mentions": ingested, "crisis_brand": sim.crisis_brand.slug, "brand_id": brand_id,
            "alert_delay_minutes": (first[0] - sim.crisis_start).total_seconds() / 60 if first else None,
            "alert_title": first[1]["title"] if first else None,
            "linked_cases_at_alert": first[1]["linked_cases"] if first else None,
            "false_alerts_other_brands": len(others), "sweep_ms_p50": round(pct(sweep_ms, 0.5), 1),
            "sweep_ms_p99": round(pct(sweep_ms, 0.99), 1), "wall_seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--skip-db-crisis", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["latency"] = bench_latency(Path(tmp), args.cases)
        print(json.dumps({"latency": out["latency"]}, ensure_ascii=False), flush=True)
        out["detector"] = [bench_detector(seed, rate, factor)
                           for seed in (1, 2, 3) for rate, factor in ((30, 12.0), (10, 4.0))]
        # False alarms over a long quiet stretch: every 5 minutes from hour 1 to the crisis, all brands.
        out["detector"] += [bench_detector(seed, 30, 12.0, sweep_from=timedelta(hours=1), step_minutes=5)
                            for seed in (4, 5)]
        # Like the live demo: one hour of history, then the crisis four minutes later.
        out["detector"] += [bench_detector(seed, 30, 12.0, sweep_from=timedelta(minutes=30),
                                           crisis_at=timedelta(hours=1, minutes=4)) for seed in (6, 7)]
        for row in out["detector"]:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        if not args.skip_db_crisis:
            out["db_crisis"] = bench_db_crisis(Path(tmp))
            print(json.dumps({"db_crisis": out["db_crisis"]}, ensure_ascii=False), flush=True)
    Path(__file__).with_name("results.json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
