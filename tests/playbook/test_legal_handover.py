"""§8 «Defamation and threats: measure their reach, try to talk offline, preserve evidence, and hand
over to legal when needed» — one action does both, and the 30-minute clock only runs when needed:
a threat, or a legal accusation reaching a wide public. «Los voy a demandar» from a customer is a
threat to sue, which the PLAYBOOK's labels say is not a threat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playbook_helpers import AGENT, case_of, ingest, setup_brand

from cauce.audit.service import events_for_case
from cauce.cases import service as cases
from cauce.db import Database
from cauce.playbook import evidence
from cauce.playbook.next_actions import Action, next_actions
from helpers import T0, scripted_triage


def _step(db: Database, case_id: int) -> Action:
    with db.read_session() as s:
        case = cases.get(s, case_id=case_id)
        return next(a for a in next_actions(s, case, now=T0 + timedelta(minutes=5))
                    if a.rule_id == "§8.defamation-threat-evidence")


def test_a_customer_who_threatens_to_sue_gets_no_30_minute_clock(db: Database) -> None:
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, text="Me cobraron doble, los voy a demandar",
                            triage={"legal_risk": True, "pqr_type": "reclamo", "category": "cobro"})
    step = _step(db, case_id)
    assert step.due_at is None and step.blocking is False and step.done is False
    assert step.detail and "se atiende como cliente" in step.detail


@pytest.mark.parametrize(("triage", "extra"), [
    ({"threat": True}, {}),
    # an accusation read by fifty thousand people spreads
    ({"legal_risk": True}, {"author": {"handle": "@ana", "name": "Ana Pérez", "followers": 50_000}}),
])
def test_threats_and_wide_reach_accusations_keep_the_clock(db: Database, triage: dict[str, bool],
                                                           extra: dict[str, Any]) -> None:
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, text="Son unos ladrones y lo voy a publicar", triage=triage, **extra)
    step = _step(db, case_id)
    assert step.blocking is True and step.due_at == case_of(db, case_id).opened_at + timedelta(minutes=30)


def test_one_action_preserves_the_flagged_messages_and_hands_the_case_to_legal(db: Database) -> None:
    setup_brand(db)
    with scripted_triage():
        first, case_id = ingest(db, 1, text="Los voy a encontrar", triage={"threat": True},
                                url="https://x.example/ana/status/1")
        ingest(db, 2, text="Y sigo esperando", minutes=3, in_reply_to="1", triage={})
    with db.session() as s:
        done = evidence.preserve_and_hand_to_legal(s, case_id=case_id, actor=AGENT, now=T0 + timedelta(minutes=6))
        assert [e.mention_id for e in done.snapshots] == [first]  # only the flagged message
        assert done.area is not None and done.area.slug == "legal"
    assert case_of(db, case_id).area_id == done.area.id
    assert _step(db, case_id).done is True
    with db.session() as s:  # twice: nothing is copied again
        assert evidence.preserve_and_hand_to_legal(s, case_id=case_id, actor=AGENT).snapshots == []
    with db.read_session() as s:
        actions = [e.action for e in events_for_case(s, case_id)]
    assert actions.count("playbook.evidence_preserved") == 1 and "case.assigned" in actions
