"""Reversing a network action undoes it on the network (hide → unhide, mute → unmute)."""

from __future__ import annotations

import pytest
from playbook_helpers import AGENT, ingest, setup_brand

from cauce.audit.service import Actor
from cauce.brands.models import ChannelAccount
from cauce.cases import service as cases
from cauce.db import Database
from cauce.playbook import moderation
from cauce.playbook.moderation import ModerationRequest, Principalish
from helpers import scripted_triage

AGENT_WHO = Principalish(AGENT, user_id=None, is_supervisor=False)
SUPERVISOR = Principalish(Actor.user(2, "Valentina Ríos"), user_id=None, is_supervisor=True)


@pytest.mark.parametrize(("action", "undo"), [("mute", "unmute"), ("hide", "unhide")])
def test_reversing_an_action_done_on_the_network_queues_its_opposite(db: Database, action: str, undo: str) -> None:
    brand = setup_brand(db)
    with db.session() as s:
        s.add(ChannelAccount(brand_id=brand.id, kind="twitter", name="@conectel"))
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "troll", "abusive": True,
                                                    "role_confidence": 0.9})
    with db.read_session() as s:
        case = cases.get(s, case_id=case_id)
        brand_id, person_id = case.brand_id, case.person_id
    with db.session() as s:
        row = moderation.moderate(s, ModerationRequest(brand_id, person_id, action, "respeto", case_id,
                                                       mention_id), who=AGENT_WHO)
        assert row.delivery_state == "queued"
        row.delivery_state = "done"  # what the outbox records once the network did it
        action_id = row.id
    with db.session() as s:
        moderation.reverse(s, action_id=action_id, reason="Revisado: crítica legítima", who=SUPERVISOR)
    with db.read_session() as s:
        rows = moderation.actions_of(s, person_id=person_id)
        opposite = next(r for r in rows if r.action == undo)
        assert opposite.delivery_state == "queued" and opposite.evidence == {"reverses": action_id}
