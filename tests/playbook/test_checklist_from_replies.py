"""§5: the resolution checklist items a resolution draft covers are ticked when that reply reaches the
customer — in the name of the agent who wrote it, not of the outbox that carried it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playbook_helpers import AGENT, case_of, ingest, reply, setup_brand
from sqlalchemy import select

from cauce.audit.service import SYSTEM, events_for_case
from cauce.auth import service as auth
from cauce.auth.models import User
from cauce.cases import service as cases
from cauce.cases.models import FollowUp
from cauce.db import Database
from cauce.playbook import resolution
from cauce.replies import service as replies
from cauce.replies.models import Reply
from cauce.replies.outbox import OUTBOX
from helpers import T0, scripted_triage


def _case_with_branch(db: Database, outcome: str) -> tuple[int, int]:
    brand = setup_brand(db)
    with db.session() as s:
        user = auth.create_user(s, email="laura@a.co", name="Laura Gómez", role="agent", password="clave-segura-1",
                                brand_ids=[brand.id], actor=SYSTEM)
        user_id = user.id
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"category": "cobro", "pqr_type": "reclamo"})
    reply(db, case_id, visibility="public")
    with db.session() as s:
        area = next(a for a in cases.areas_of(s, brand_id=brand.id) if a.slug == "cobros")
        cases.assign(s, case_id=case_id, area_id=area.id, actor=AGENT)
        resolution.set_outcome(s, case_id=case_id, outcome=outcome, actor=AGENT)
    return case_id, user_id


def _queued(db: Database, case_id: int, user_id: int, *, intent: str, visibility: str) -> int:
    with db.session() as s:
        row = Reply(case_id=case_id, channel="twitter", visibility=visibility, author_user_id=user_id,
                    text="Hola Ana: te pedimos disculpas…", intent=intent, state="sending",
                    idempotency_key=uuid.uuid4().hex, created_at=T0 + timedelta(hours=2))
        s.add(row)
        s.flush()
        return row.id


def test_a_delivered_at_fault_answer_ticks_its_items_for_the_agent_who_wrote_it(db: Database) -> None:
    case_id, user_id = _case_with_branch(db, "at_fault")
    reply_id = _queued(db, case_id, user_id, intent="resolution_at_fault", visibility="private")
    with db.session() as s:
        row = s.get(Reply, reply_id)
        assert row is not None
        replies.mark_delivered(s, row, external_id="dm-1", url=None, at=T0 + timedelta(hours=3), actor=OUTBOX)
    checklist = case_of(db, case_id).resolution_checklist
    assert {k for k, v in checklist.items() if v["state"] == "done"} == {"§5.2.strong-apology", "§5.2.what-went-wrong"}
    assert all(v["by"] == "Laura Gómez" and v["reply_id"] == reply_id for v in checklist.values())
    with db.read_session() as s:
        ticks = [(e.actor_type, e.actor_id) for e in events_for_case(s, case_id)
                 if e.action == "playbook.checklist_ticked"]
    assert ticks == [("user", str(user_id))]
    # Optional items (warranty, compensation) stay for the agent to decide.
    with db.read_session() as s:
        view = resolution.checklist_view(s, cases.get(s, case_id=case_id))
    assert {i["rule_id"]: i["state"] for i in view["items"]}["§5.2.compensation"] == "pending"


def test_a_public_not_at_fault_answer_does_not_count_as_the_private_result(db: Database) -> None:
    case_id, user_id = _case_with_branch(db, "not_at_fault")
    with db.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        principal = auth.principal_for(s, user)
        replies.record_external_reply(s, case_id=case_id, text="Hola Ana, revisamos el cobro…", visibility="public",
                                      principal=principal, intent="resolution_not_at_fault")
    checklist = case_of(db, case_id).resolution_checklist
    assert set(checklist) == {"§5.1.explain-scope", "§5.1.link-published-info"}
    assert checklist["§5.1.explain-scope"]["by"] == "Laura Gómez"


def test_a_draft_of_the_other_branch_or_an_unrelated_intent_ticks_nothing(db: Database) -> None:
    case_id, user_id = _case_with_branch(db, "not_at_fault")
    for intent in ("resolution_at_fault", "investigation_update"):
        reply_id = _queued(db, case_id, user_id, intent=intent, visibility="private")
        with db.session() as s:
            row = s.get(Reply, reply_id)
            assert row is not None
            replies.mark_delivered(s, row, external_id=f"dm-{reply_id}", url=None, at=T0 + timedelta(hours=3),
                                   actor=OUTBOX)
    assert case_of(db, case_id).resolution_checklist == {}


def test_a_delivered_follow_up_message_completes_the_scheduled_follow_up(db: Database) -> None:
    case_id, user_id = _case_with_branch(db, "at_fault")
    with db.session() as s:
        resolution.resolve_case(s, case_id=case_id, outcome="at_fault", actor=AGENT, now=T0 + timedelta(hours=3))
    reply_id = _queued(db, case_id, user_id, intent="follow_up", visibility="private")
    with db.session() as s:
        row = s.get(Reply, reply_id)
        assert row is not None
        replies.mark_delivered(s, row, external_id="dm-f", url=None, at=T0 + timedelta(days=8), actor=OUTBOX)
    with db.read_session() as s:
        done = {f.kind: f.done_at for f in s.scalars(select(FollowUp).where(FollowUp.case_id == case_id))}
        events = [(e.action, e.actor_id) for e in events_for_case(s, case_id) if e.action == "playbook.follow_up_done"]
    assert done["follow_up"] is not None and done["satisfaction_survey"] is None  # the survey waits for its answer
    assert events == [("playbook.follow_up_done", str(user_id))]
