"""Case lifecycle, response clocks, escalation, legal terms (Ley 1755 de 2015)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cauce.audit.service import SYSTEM, events_for_case
from cauce.brands.models import Brand
from cauce.cases import service as cases
from cauce.cases import sla
from cauce.cases.models import Case
from cauce.db import Database
from cauce.errors import Conflict, InvalidInput, InvalidTransition
from cauce.mentions.service import ingest
from helpers import T0, make_brand, mention, scripted_triage


def open_case(db: Database, **brand_kwargs: object) -> int:
    brand = make_brand(db, **brand_kwargs)  # type: ignore[arg-type]
    with scripted_triage(), db.session() as s:
        result = ingest(s, mention(1, brand=brand.slug))
    assert result.case_id is not None
    return result.case_id


def test_first_response_cannot_be_skipped(db: Database) -> None:
    case_id = open_case(db)
    with db.session() as s:
        for target in ("en_investigacion", "respondido", "cerrado"):
            with pytest.raises(InvalidTransition, match="primera respuesta"):
                cases.transition(s, case_id=case_id, to=target, actor=SYSTEM)
        with pytest.raises(InvalidTransition, match="respuesta pública registrada"):
            cases.transition(s, case_id=case_id, to="primera_respuesta", actor=SYSTEM)


def test_full_lifecycle_with_outcome_and_audit(db: Database) -> None:
    case_id = open_case(db)
    with db.session() as s:
        case = cases.get(s, case_id=case_id)
        cases.record_response(s, case=case, at=T0 + timedelta(minutes=20), public=True, actor=SYSTEM)
        assert case.status == "primera_respuesta" and case.unanswered_count == 0
        cases.transition(s, case_id=case_id, to="en_investigacion", actor=SYSTEM)
        cases.transition(s, case_id=case_id, to="respondido", actor=SYSTEM)
        with pytest.raises(InvalidTransition, match="resultado"):
            cases.transition(s, case_id=case_id, to="cerrado", actor=SYSTEM)
        cases.transition(s, case_id=case_id, to="cerrado", actor=SYSTEM, outcome="at_fault")
        assert not case.is_open and case.outcome == "at_fault" and case.closed_at is not None
        cases.transition(s, case_id=case_id, to="reabierto", actor=SYSTEM, reason="volvió a fallar")
        assert case.is_open and case.outcome is None
    with db.session() as s:
        actions = [e.action for e in events_for_case(s, case_id)]
    assert actions[:1] == ["case.opened"]
    for expected in ("case.responded", "case.primera_respuesta", "case.en_investigacion", "case.respondido",
                     "case.cerrado", "case.reabierto"):
        assert expected in actions
    with db.session() as s:
        events = events_for_case(s, case_id)
        closing = next(e for e in events if e.action == "case.cerrado")
        assert closing.before == {"status": "respondido", "is_open": True, "closed_at": None,
                                  "updated_at": closing.before["updated_at"], "outcome": None}
        assert closing.after is not None and closing.after["outcome"] == "at_fault"


def test_discarding_needs_a_reason(db: Database) -> None:
    case_id = open_case(db)
    with db.session() as s:
        with pytest.raises(InvalidInput):
            cases.transition(s, case_id=case_id, to="descartado", actor=SYSTEM)
        cases.transition(s, case_id=case_id, to="descartado", actor=SYSTEM, reason="spam")


def test_clock_states_and_breach_sweep_escalates_once(db: Database) -> None:
    case_id = open_case(db)
    with db.session() as s:
        case = cases.get(s, case_id=case_id)
        assert sla.sla_state(case, now=T0 + timedelta(minutes=10)) == "ok"
        assert sla.sla_state(case, now=T0 + timedelta(minutes=50)) == "warning"
        assert sla.sla_state(case, now=T0 + timedelta(minutes=61)) == "breached"
        first = cases.check_sla(s, now=T0 + timedelta(minutes=61))
        second = cases.check_sla(s, now=T0 + timedelta(minutes=62))
        assert (first.breached, first.escalated) == (1, 1)
        assert (second.breached, second.escalated) == (0, 0)
        assert case.breaches == ["first_response"] and case.supervisor_flagged
        assert case.priority == 50 + cases.ESCALATION_BUMP
    with db.session() as s:
        actions = [e.action for e in events_for_case(s, case_id)]
    assert actions.count("sla.breached") == 1 and actions.count("sla.escalated") == 1


def test_first_response_never_waits_more_than_24_hours(db: Database) -> None:
    # Closed on weekends: a Friday-night complaint would otherwise wait until Monday.
    make_brand(db, policy={"first_response_minutes": 600})
    friday_night = T0 + timedelta(days=4, hours=12)
    with scripted_triage(), db.session() as s:
        result = ingest(s, mention(1, at=friday_night))
        case = s.get(Case, result.case_id)
        assert case is not None and case.first_response_due == friday_night + timedelta(hours=24)


def test_legal_term_15_business_days_and_one_extension_up_to_double(db: Database) -> None:
    case_id = open_case(db, name="Alcaldía de San Telmo", policy={"legal_pqrs": True})
    with db.session() as s:
        case = cases.get(s, case_id=case_id)
        assert case.legal_due is not None
        cal = sla.calendar_for(s.get_one(Brand, case.brand_id))
        assert case.legal_due == cal.add_business_days(case.opened_at, 15)
        with pytest.raises(InvalidInput, match="motivos"):
            cases.extend_legal_term(s, case_id=case_id, notice="corto", actor=SYSTEM, now=T0)
        cases.extend_legal_term(s, case_id=case_id, actor=SYSTEM, now=T0 + timedelta(days=1),
                                notice="Necesitamos un concepto de Planeación; responderemos en 30 días hábiles.")
        assert case.legal_due == cal.add_business_days(case.opened_at, 30)
        with pytest.raises(Conflict, match="una vez"):
            cases.extend_legal_term(s, case_id=case_id, actor=SYSTEM, now=T0 + timedelta(days=2),
                                    notice="Otra ampliación más por motivos de fuerza mayor adicionales.")


def test_extension_after_the_term_ran_out_is_refused(db: Database) -> None:
    case_id = open_case(db, name="Alcaldía", policy={"legal_pqrs": True})
    with db.session() as s, pytest.raises(Conflict, match="venció"):
        cases.extend_legal_term(s, case_id=case_id, actor=SYSTEM, now=T0 + timedelta(days=60),
                                notice="Se amplía el plazo por complejidad técnica del caso reportado.")


def test_no_legal_term_without_the_policy(db: Database) -> None:
    case_id = open_case(db)
    with db.session() as s:
        assert cases.get(s, case_id=case_id).legal_due is None


def test_assigning_an_area_starts_its_investigation_clock(db: Database) -> None:
    case_id = open_case(db)
    with db.session() as s:
        case = cases.get(s, case_id=case_id)
        area = cases.create_area(s, brand_id=case.brand_id, name="Facturación", slug="facturacion",
                                 investigation_hours=16, categories=["cobro"], actor=SYSTEM)
        cases.assign(s, case_id=case_id, area_id=area.id, actor=SYSTEM)
        assert case.area_id == area.id and case.area_due is not None
        assert "area" in [c.name for c in sla.clocks(case, now=case.area_assigned_at or T0)]


def test_queue_order_is_priority_then_age(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        for n, prio in ((1, 30), (2, 90), (3, 30), (4, 60)):
            ingest(s, mention(n, handle=f"@u{n}", minutes=n, test_triage={"priority": prio}))
    with db.session() as s:
        ordered = [c.priority for c in cases.list_cases(s)]
        titles = [c.id for c in cases.list_cases(s)]
    assert ordered == [90, 60, 30, 30]
    assert titles[2] < titles[3]


def test_a_brand_scope_hides_other_brands_cases(db: Database) -> None:
    make_brand(db, name="Marca A")
    make_brand(db, name="Marca B")
    with scripted_triage(), db.session() as s:
        a = ingest(s, mention(1, brand="marca-a"))
        b = ingest(s, mention(2, brand="marca-b", handle="@bb"))
    with db.session() as s:
        scope = cases.Scope(frozenset({cases.get(s, case_id=a.case_id or 0).brand_id}))
        assert [c.id for c in cases.list_cases(s, scope=scope)] == [a.case_id]
        with pytest.raises(Exception, match="No existe el caso"):
            cases.get(s, case_id=b.case_id or 0, scope=scope)
