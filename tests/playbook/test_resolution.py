"""§5 branch checklists and closing the loop; §8 evidence; §9 follow-up, satisfaction, reopening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_helpers import AGENT, case_of, ingest, reply, setup_brand
from sqlalchemy import select

from cauce.audit.service import events_for_case
from cauce.cases import service as cases
from cauce.cases.models import Area, FollowUp
from cauce.db import Database, utcnow
from cauce.errors import InvalidInput, InvalidTransition, NotFound
from cauce.playbook import evidence, resolution
from cauce.playbook.next_actions import next_actions
from helpers import T0, scripted_triage


def _investigated_case(db: Database) -> int:
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"category": "cobro", "pqr_type": "reclamo"})
    reply(db, case_id, visibility="public")
    with db.session() as s:
        area = next(a for a in cases.areas_of(s, brand_id=case_of(db, case_id).brand_id) if a.slug == "cobros")
        cases.assign(s, case_id=case_id, area_id=area.id, actor=AGENT)
    return case_id


def _rules(db: Database, case_id: int) -> dict[str, bool]:
    with db.read_session() as s:
        case = cases.get(s, case_id=case_id)
        return {a.rule_id: a.done for a in next_actions(s, case, now=T0 + timedelta(hours=2))}


def test_not_at_fault_branch_checklist_must_be_complete_to_close(db: Database) -> None:
    """§5.1: «The company was NOT at fault (checked, not assumed): give the result of the investigation
    through a private channel; explain cordially but firmly the scope of the product/service and why the
    expectation was outside it; point to the web page where that information is published; state what will
    be done so other customers do not get the wrong expectation.»"""
    case_id = _investigated_case(db)
    assert _rules(db, case_id)["§5.choose-branch"] is False
    with db.session() as s:
        resolution.set_outcome(s, case_id=case_id, outcome="not_at_fault", actor=AGENT)
    rules = _rules(db, case_id)
    branch = ["§5.1.result-private", "§5.1.explain-scope", "§5.1.link-published-info", "§5.1.prevention-measure"]
    assert all(rules[i] is False for i in branch) and "§5.2.strong-apology" not in rules
    with db.session() as s, pytest.raises(InvalidTransition) as refused:
        resolution.close_case(s, case_id=case_id, actor=AGENT)
    assert {d["rule_id"] for d in refused.value.details} == {*branch, "§5.close-the-loop"}
    with db.session() as s, pytest.raises(InvalidInput):
        resolution.tick(s, case_id=case_id, item="§5.1.explain-scope", state="not_applicable", note="x",
                        actor=AGENT)
    with db.session() as s, pytest.raises(InvalidInput):
        resolution.tick(s, case_id=case_id, item="§5.2.strong-apology", actor=AGENT)
    with db.session() as s:
        for item in branch:
            resolution.tick(s, case_id=case_id, item=item, note="hecho", actor=AGENT)
    rules = _rules(db, case_id)
    assert all(rules[i] for i in branch)
    checklist = case_of(db, case_id).resolution_checklist
    assert checklist["§5.1.explain-scope"]["by"] == "Laura Gómez"
    with db.read_session() as s:
        ticked = [e.id for e in events_for_case(s, case_id) if e.action == "playbook.checklist_ticked"]
    assert len(ticked) == 4


def test_at_fault_branch_allows_no_warranty_with_a_reason(db: Database) -> None:
    """§5.2: «The company WAS at fault: apologise strongly and directly (timid apologies make it worse);
    offer the warranty if it applies; explain what went wrong and what has been done so it does not happen
    again; compensate when warranted.»"""
    case_id = _investigated_case(db)
    with db.session() as s:
        resolution.set_outcome(s, case_id=case_id, outcome="at_fault", actor=AGENT)
        with pytest.raises(InvalidInput, match="por qué no aplica"):
            resolution.tick(s, case_id=case_id, item="§5.2.warranty", state="not_applicable", actor=AGENT)
        resolution.tick(s, case_id=case_id, item="§5.2.warranty", state="not_applicable",
                        note="Cobro indebido: no hay producto en garantía.", actor=AGENT)
        for item in ("§5.2.strong-apology", "§5.2.what-went-wrong", "§5.2.compensation"):
            resolution.tick(s, case_id=case_id, item=item, actor=AGENT)
        resolution.record_confirmation(s, case_id=case_id, kind="confirmed", note="Respondió: gracias",
                                       actor=AGENT)
        closed = resolution.close_case(s, case_id=case_id, actor=AGENT)
        assert closed.status == "cerrado" and closed.outcome == "at_fault"


def test_close_the_loop_needs_confirmation_or_no_answer_after_follow_up(db: Database) -> None:
    """§5: «Either way, close the loop: every claim gets an explanation, even when it is rejected, and the
    customer's confirmation is recorded.»"""
    case_id = _investigated_case(db)
    with db.session() as s:
        resolution.resolve_case(s, case_id=case_id, outcome="not_at_fault", actor=AGENT, now=T0)
        for item in ("§5.1.result-private", "§5.1.explain-scope", "§5.1.link-published-info",
                     "§5.1.prevention-measure"):
            resolution.tick(s, case_id=case_id, item=item, actor=AGENT)
    with db.session() as s, pytest.raises(InvalidTransition, match="Cerrar el círculo"):
        resolution.close_case(s, case_id=case_id, actor=AGENT)
    with db.session() as s, pytest.raises(InvalidTransition, match="seguimiento"):
        resolution.record_confirmation(s, case_id=case_id, kind="no_answer_after_follow_up", actor=AGENT,
                                       now=T0)
    with db.session() as s:
        resolution.record_confirmation(s, case_id=case_id, kind="no_answer_after_follow_up", actor=AGENT,
                                       note="Sin respuesta tras el seguimiento", now=utcnow() + timedelta(days=8))
        assert resolution.close_case(s, case_id=case_id, actor=AGENT).status == "cerrado"


def test_follow_up_and_survey_are_scheduled_after_resolution(db: Database) -> None:
    """§9: «After a prudent time, tell the customer what improved thanks to the complaint (a message, mail
    or call). Measure the customer's satisfaction with the answer»"""
    case_id = _investigated_case(db)
    with db.session() as s:
        resolution.resolve_case(s, case_id=case_id, outcome="at_fault", actor=AGENT, now=T0)
        resolution.resolve_case(s, case_id=case_id, outcome="at_fault", actor=AGENT, now=T0)  # idempotent
    with db.read_session() as s:
        items = {f.kind: f for f in s.scalars(select(FollowUp).where(FollowUp.case_id == case_id))}
        resolved = cases.get(s, case_id=case_id).resolved_at
        assert set(items) == {"follow_up", "satisfaction_survey"}
        assert resolved is not None
        assert items["follow_up"].due_at == resolved + timedelta(days=7)
        assert items["satisfaction_survey"].due_at == resolved + timedelta(hours=24)
        assert "twitter" in (items["satisfaction_survey"].text or "")
        follow_up_id = items["follow_up"].id
    rules = _rules(db, case_id)
    assert rules["§9.follow-up"] is False and rules["§9.satisfaction-survey"] is False
    with db.session() as s:
        resolution.complete_follow_up(s, follow_up_id=follow_up_id, actor=AGENT)
        resolution.record_csat(s, case_id=case_id, score=5, comment="Muy bien", actor=AGENT)
    rules = _rules(db, case_id)
    assert rules["§9.follow-up"] and rules["§9.satisfaction-survey"]
    assert case_of(db, case_id).status == "respondido"


def test_low_satisfaction_reopens_the_case(db: Database) -> None:
    """§9: «Measure the customer's satisfaction with the answer (the PQR system controls both response time
    and satisfaction).» — a low score (≤ 2) reopens the case."""
    case_id = _investigated_case(db)
    with db.session() as s:
        resolution.resolve_case(s, case_id=case_id, outcome="at_fault", actor=AGENT)
        cases.transition(s, case_id=case_id, to="seguimiento", actor=AGENT)
        resolution.record_csat(s, case_id=case_id, score=2, comment="No me solucionaron", actor=AGENT)
    case = case_of(db, case_id)
    assert case.status == "reabierto" and case.is_open and case.outcome is None
    with db.read_session() as s:
        reopen = [e.reason for e in events_for_case(s, case_id) if e.action == "case.reabierto"]
    assert reopen and "Satisfacción baja (2/5)" in (reopen[0] or "")
    assert _rules(db, case_id)["§9.low-score-reopens"] is True


def test_threat_evidence_is_preserved_and_routed_to_legal(db: Database) -> None:
    """§8: «Defamation and threats: measure their reach, try to talk offline, preserve evidence, and hand
    over to legal when needed.»"""
    setup_brand(db)
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"threat": True},
                                     url="https://x.example/ana/status/1", text="Los voy a encontrar")
    assert _rules(db, case_id)["§8.defamation-threat-evidence"] is False
    with db.session() as s:
        snap = evidence.preserve_evidence(s, case_id=case_id, mention_id=mention_id, actor=AGENT,
                                          now=T0 + timedelta(minutes=3))
        assert snap.text == "Los voy a encontrar" and snap.url == "https://x.example/ana/status/1"
        assert snap.followers == 120 and snap.reach["level"] == "bajo" and len(snap.content_hash) == 64
        assert snap.posted_at == T0
    assert _rules(db, case_id)["§8.defamation-threat-evidence"] is True
    with db.read_session() as s:
        area = s.get(Area, case_of(db, case_id).area_id)
        assert area is not None and area.slug == "legal"
    with scripted_triage():
        other_mention, _ = ingest(db, 2, handle="@beto")
    with db.session() as s, pytest.raises(NotFound, match=f"No existe la mención {other_mention}"):
        # another case's mention answers like a missing one (no existence oracle)
        evidence.preserve_evidence(s, case_id=case_id, mention_id=other_mention, actor=AGENT)


def test_every_step_is_documented_who_what_when(db: Database) -> None:
    """§4: «Everything done is documented: who, what, when, on which channel.»"""
    case_id = _investigated_case(db)
    with db.session() as s:
        resolution.set_outcome(s, case_id=case_id, outcome="at_fault", actor=AGENT, reason="Error de facturación")
        resolution.tick(s, case_id=case_id, item="§5.2.strong-apology", note="Disculpa por DM", actor=AGENT)
    with db.read_session() as s:
        events = [(e.action, e.actor_label, e.created_at, e.after, e.reason) for e in events_for_case(s, case_id)]
    outcome = next(e for e in events if e[0] == "playbook.outcome_set")
    assert outcome[1] == "Laura Gómez" and outcome[3]["outcome"] == "at_fault" and outcome[4]
    tick = next(e for e in events if e[0] == "playbook.checklist_ticked")
    entry = tick[3]["resolution_checklist"]["§5.2.strong-apology"]
    assert entry["by"] == "Laura Gómez" and entry["note"] == "Disculpa por DM" and tick[2] is not None
