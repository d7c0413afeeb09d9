"""The improvement loop: root causes from complaint clusters, confirmed by an agent, actions, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playbook_helpers import AGENT, ingest, setup_brand
from sqlalchemy import select

from cauce.cases.models import FollowUp
from cauce.db import Database
from cauce.errors import InvalidInput, InvalidTransition
from cauce.playbook import improvement
from helpers import T0, scripted_triage

BILLING = ["Me cobraron doble la factura de internet este mes", "Otra vez cobro doble en mi factura de internet",
           "La factura de internet llegó con cobro doble, qué pasa", "Cobro doble en la factura del internet, exijo",
           "Revisen mi factura de internet: cobro doble de nuevo"]
TECH = ["El técnico no llegó a la cita de instalación", "Nadie vino a la cita de instalación, el técnico faltó",
        "Esperé todo el día al técnico de la instalación y no llegó", "El técnico de instalación no llegó otra vez"]
OTHER = ["La app se cierra sola al abrir el chat", "Me trataron mal en la tienda del centro"]


def test_complaints_group_into_root_causes_and_customers_are_told_what_changed(db: Database) -> None:
    """§9: «Each complaint is a chance to improve: group complaints by root cause, track the improvement
    actions, and notify the affected customers when fixed.»"""
    brand = setup_brand(db)
    cases: dict[str, int] = {}
    with scripted_triage():
        for i, text in enumerate(BILLING + TECH + OTHER):
            cases[text] = ingest(db, i, handle=f"@p{i}", minutes=i, text=text, triage={"category": "cobro"})[1]
    with db.session() as s:
        proposed = improvement.propose(s, brand_id=brand.id, actor=AGENT, now=T0 + timedelta(hours=1))
        groups = [set(improvement.case_ids_of(s, r.id)) for r in proposed]
        ids = [r.id for r in proposed]
    assert {cases[t] for t in BILLING} in groups and {cases[t] for t in TECH} in groups
    assert len(groups) == 2
    billing_id = ids[groups.index({cases[t] for t in BILLING})]
    with db.session() as s, pytest.raises(InvalidTransition, match="Confirme"):
        improvement.add_action(s, root_cause_id=billing_id, title="Corregir facturación", actor=AGENT)
    with db.session() as s:
        improvement.confirm(s, root_cause_id=billing_id, label="Cobro doble en facturas de internet", actor=AGENT,
                            remove_case_ids=[cases[BILLING[-1]]])
        action = improvement.add_action(s, root_cause_id=billing_id, title="Corregir el proceso de facturación",
                                        actor=AGENT)
        action_id = action.id
    with db.session() as s, pytest.raises(InvalidInput, match="qué cambió"):
        improvement.complete_action(s, action_id=action_id, notice_text="listo", actor=AGENT)
    notice = "Corregimos el error que duplicaba el cobro; ya no volverá a pasar y reembolsamos la diferencia."
    with db.session() as s:
        created = improvement.complete_action(s, action_id=action_id, notice_text=notice, actor=AGENT)
    assert len(created) == 4
    with db.read_session() as s:
        notices = list(s.scalars(select(FollowUp).where(FollowUp.kind == "improvement_notice")))
        assert {f.case_id for f in notices} == {cases[t] for t in BILLING[:-1]}
        assert all(f.text == notice for f in notices)
        views = improvement.views(s, brand_id=brand.id, status="confirmed")
    assert views[0].label == "Cobro doble en facturas de internet" and views[0].actions[0]["status"] == "done"
    with db.session() as s:  # confirmed cases are not proposed again
        again = improvement.propose(s, brand_id=brand.id, actor=AGENT, now=T0 + timedelta(hours=1))
        assert all(not set(improvement.case_ids_of(s, r.id)) & {cases[t] for t in BILLING[:-1]} for r in again)
