"""Crisis watch: spikes against the baseline, coordinated campaigns, crisis mode, alerts, watch period."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from playbook_helpers import AGENT, case_of, ingest, setup_brand

from cauce.audit.service import events_for
from cauce.cases import service as cases
from cauce.db import Database
from cauce.playbook import crisis
from cauce.playbook.crisis_detect import Complaint, detect_campaign, detect_spikes, poisson_sf
from cauce.playbook.next_actions import next_actions
from cauce.playbook.policy import defaults, update_overrides
from helpers import T0, scripted_triage

POLICY = defaults().crisis


def test_poisson_tail() -> None:
    assert poisson_sf(0, 3.0) == 1.0
    assert abs(poisson_sf(1, 2.0) - (1 - 0.1353352832)) < 1e-9
    assert poisson_sf(40, 2.0) < 1e-25


def _steady(hours: int = 13, every_minutes: int = 30, category: str = "cobro") -> list[Complaint]:
    start = T0 - timedelta(hours=hours)
    return [Complaint(start + timedelta(minutes=i * every_minutes), category, f"p{i}", "no me llega la factura")
            for i in range(hours * 60 // every_minutes)]


def test_a_spike_against_the_baseline_is_detected() -> None:
    """§2: «velocity: [...] complaints grow exponentially, a fast-growing one is an emerging crisis»"""
    base = _steady()
    assert detect_spikes(base, now=T0, policy=POLICY) == []
    burst = [Complaint(T0 - timedelta(minutes=10) + timedelta(seconds=30 * i), "cobro", f"b{i}", "cobro doble")
             for i in range(12)]
    found = {s.category: s for s in detect_spikes(base + burst, now=T0, policy=POLICY)}
    assert "cobro" in found and found["cobro"].kind == "spike" and found["cobro"].p_value < 1e-4
    assert found["cobro"].window_minutes == 15
    assert "Pico de quejas" in found["cobro"].summary()


def test_few_complaints_on_a_quiet_brand_are_no_crisis() -> None:
    few = [Complaint(T0 - timedelta(minutes=i), "entrega", f"x{i}") for i in range(4)]
    assert detect_spikes(few, now=T0, policy=POLICY) == []


def test_seasonal_baseline_suppresses_a_weekly_peak() -> None:
    base = _steady(every_minutes=60)
    burst = [Complaint(T0 - timedelta(minutes=i), "cobro", f"b{i}") for i in range(10)]
    assert detect_spikes(base + burst, now=T0, policy=POLICY)
    every_monday = {("cobro", 15): [9, 11, 10, 10], (None, 15): [9, 11, 10, 10],
                    ("cobro", 60): [12, 12, 12, 12], (None, 60): [12, 12, 12, 12]}
    assert detect_spikes(base + burst, now=T0, policy=POLICY, seasonal_counts=every_monday) == []


def test_coordinated_campaign_of_near_identical_text() -> None:
    text = "Exigimos que @conectel devuelva el dinero de los cobros falsos #ConectelRoba"
    copies = [Complaint(T0 - timedelta(minutes=i), "cobro", f"bot{i}", text + (" RT" if i % 2 else ""))
              for i in range(6)]
    varied = [Complaint(T0 - timedelta(minutes=i), "cobro", f"p{i}", f"Mi caso {w} es distinto a todos")
              for i, w in enumerate(("uno de factura", "de la entrega tardía", "con el técnico grosero",
                                     "del contrato que no pedí", "de la garantía negada", "de la app caída"))]
    signal = detect_campaign(copies + varied, now=T0, policy=POLICY)
    assert signal is not None and signal.accounts == 6 and signal.kind == "campaign"
    assert detect_campaign(varied, now=T0, policy=POLICY) is None
    same_account = [Complaint(c.at, c.category, "bot", c.text) for c in copies]
    assert detect_campaign(same_account, now=T0, policy=POLICY) is None


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerta"
    server.shutdown()


def test_crisis_mode_alert_linked_cases_tighter_sla_and_watch(db: Database, webhook: str) -> None:
    """§9: «After a crisis, keep monitoring closely.»"""
    brand = setup_brand(db)
    with db.session() as s:
        update_overrides(s, brand_id=brand.id, actor=AGENT, changes={"crisis": {"webhook_url": webhook}})
    with scripted_triage():
        for i in range(24):  # the baseline: one billing complaint every 30 minutes for 12 hours
            ingest(db, f"b{i}", handle=f"@base{i}", minutes=-720 + i * 30, triage={"category": "cobro"})
        with db.session() as s:
            assert crisis.crisis_sweep(s, T0).opened == []
        spike = [ingest(db, f"s{i}", handle=f"@s{i}", minutes=1 + i * 0.5, triage={"category": "cobro"})[1]
                 for i in range(14)]
    now = T0 + timedelta(minutes=8)
    with db.session() as s:
        result = crisis.crisis_sweep(s, now)
        assert len(result.opened) == 1 and result.linked_cases >= 14
        crisis_id = result.opened[0]
        assert crisis.in_crisis_mode(s, brand_id=brand.id)
    assert _Hook.received and _Hook.received[0]["crisis_id"] == crisis_id
    assert _Hook.received[0]["category"] == "cobro" and _Hook.received[0]["brand"] == "Conectel"
    tightened = case_of(db, spike[-1])
    assert tightened.first_response_due == now + timedelta(minutes=30) and tightened.supervisor_flagged
    with db.read_session() as s:
        c = crisis.get(s, crisis_id=crisis_id)
        assert c.alerts[0]["ok"] is True and c.status == "active"
        actions = {a.rule_id for a in next_actions(s, cases.get(s, case_id=spike[0]), now=now)}
        assert "§9.crisis-watch" in actions
        assert [e.action for e in events_for(s, "crisis", [crisis_id])][:2] == ["crisis.opened",
                                                                              "crisis.cases_linked"]
    calm = now + timedelta(minutes=61)
    with db.session() as s:
        assert crisis.crisis_sweep(s, calm).calmed == [crisis_id]
        watch = crisis.get(s, crisis_id=crisis_id)
        assert watch.status == "watch" and watch.watch_until == calm + timedelta(hours=72)
    with db.session() as s:
        ended = crisis.crisis_sweep(s, calm + timedelta(hours=72, minutes=1))
        assert ended.ended == [crisis_id]
    with db.read_session() as s:
        report = crisis.crisis_report(s, crisis_id=crisis_id)
    assert report["status"] == "ended" and report["cases"]["linked"] >= 14
    assert report["complaints_by_category"]["cobro"] >= 14 and report["detection_delay_minutes"] <= 8


def test_failed_webhook_is_recorded_not_raised(db: Database) -> None:
    brand = setup_brand(db)
    with db.session() as s:
        update_overrides(s, brand_id=brand.id, actor=AGENT,
                         changes={"crisis": {"webhook_url": "http://127.0.0.1:9/nada"}})
    with scripted_triage():
        for i in range(12):
            ingest(db, f"s{i}", handle=f"@s{i}", minutes=i, triage={"category": "entrega"})
    with db.session() as s:
        result = crisis.crisis_sweep(s, T0 + timedelta(minutes=12))
        alert = crisis.get(s, crisis_id=result.opened[0]).alerts[0]
    assert alert["ok"] is False and alert["error"]
