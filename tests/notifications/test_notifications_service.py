"""Notifications: created by the service that causes the event, once per event, only for users who may
see the brand, as each user chose (in the app, by e-mail); SLA warnings from the periodic sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cauce.audit.service import Actor
from cauce.cases import service as cases
from cauce.cases import sla, sla_warnings
from cauce.cases.models import Case
from cauce.db import Database
from cauce.errors import NotFound
from cauce.notifications import mailer
from cauce.notifications import service as notifications
from cauce.notifications.models import Notification
from cauce.playbook import crisis, moderation
from cauce.playbook.moderation import ModerationRequest, Principalish
from helpers import T0, scripted_triage
from notify_world import World, build, ingest


@pytest.fixture
def world(db: Database) -> World:
    return build(db)


def _rows(db: Database, **where: object) -> list[Notification]:
    with db.read_session() as s:
        query = select(Notification).order_by(Notification.id)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def test_assignment_notifies_the_assignee_once_and_never_who_took_it_himself(db: Database, world: World) -> None:
    supervisor = Actor.user(world.super_a, "Valentina Ríos")
    with db.session() as s:
        cases.assign(s, case_id=world.case_a, actor=supervisor, user_id=world.agent_a)
        # The same assignment again changes nothing: no second notification.
        cases.assign(s, case_id=world.case_a, actor=supervisor, user_id=world.agent_a)
    mine = _rows(db, user_id=world.agent_a)
    assert [(n.kind, n.case_id, n.link) for n in mine] == [("case_assigned", world.case_a, f"/cases/{world.case_a}")]
    assert f"#{world.case_a}" in mine[0].title
    # Pedro takes the case himself: nobody is told about his own act.
    with db.session() as s:
        cases.assign(s, case_id=world.case_a, actor=Actor.user(world.agent_a2, "Pedro"), user_id=world.agent_a2)
    assert _rows(db, user_id=world.agent_a2) == []
    # Reassigned back to Laura later: a new event, a new notification.
    with db.session() as s:
        cases.assign(s, case_id=world.case_a, actor=supervisor, user_id=world.agent_a)
    assert len(_rows(db, user_id=world.agent_a)) == 2


def test_the_event_key_makes_notify_idempotent(db: Database, world: World) -> None:
    for _ in range(3):
        with db.session() as s:
            notifications.notify(s, kind="crisis", key="crisis:999", brand_id=world.brand_a,
                                 user_ids=[world.agent_a, world.super_a], title="Crisis")
    assert sorted(n.user_id for n in _rows(db, key="crisis:999")) == sorted([world.agent_a, world.super_a])


def test_cross_brand_a_user_who_may_not_see_the_brand_is_never_notified(db: Database, world: World) -> None:
    with db.session() as s:
        made = notifications.notify(s, kind="crisis", key="crisis:1000", brand_id=world.brand_a,
                                    user_ids=[world.agent_a, world.agent_b, world.super_b, world.admin],
                                    title="Crisis en Conectel")
    assert sorted(n.user_id for n in made) == sorted([world.agent_a, world.admin])


def test_cross_brand_listing_hides_a_brand_the_user_lost_access_to(db: Database, world: World) -> None:
    with db.session() as s:
        notifications.notify(s, kind="crisis", key="crisis:1", brand_id=world.brand_a, user_ids=[world.agent_a],
                             title="Crisis A")
    with db.read_session() as s:
        assert notifications.unread_count(s, user_id=world.agent_a, brand_ids=frozenset({world.brand_a})) == 1
        # Now only a member of brand B: the old brand A notice is not shown (nor counted).
        assert notifications.unread_count(s, user_id=world.agent_a, brand_ids=frozenset({world.brand_b})) == 0
        assert notifications.list_for(s, user_id=world.agent_a, brand_ids=frozenset({world.brand_b})) == []


def test_crisis_notifies_only_the_brands_staff(db: Database, world: World) -> None:
    with scripted_triage():
        for i in range(24):  # baseline: one billing complaint every 30 minutes for 12 hours
            ingest(db, f"base{i}", brand=world.slug_a, handle=f"@base{i}", minutes=-720 + i * 30,
                   triage={"category": "cobro"})
        with db.session() as s:
            assert crisis.crisis_sweep(s, T0).opened == []
        for i in range(14):
            ingest(db, f"spike{i}", brand=world.slug_a, handle=f"@s{i}", minutes=1 + i * 0.5,
                   triage={"category": "cobro"})
    for _ in range(2):  # a second sweep updates the crisis: still one notification each
        with db.session() as s:
            crisis.crisis_sweep(s, T0 + timedelta(minutes=8))
    got = _rows(db, kind="crisis")
    assert sorted(n.user_id for n in got) == sorted([world.agent_a, world.agent_a2, world.super_a, world.admin])
    assert all(n.brand_id == world.brand_a and "Conectel" in n.title for n in got)


def test_appeal_notifies_the_brands_supervisors_only(db: Database, world: World) -> None:
    with db.read_session() as s:
        case = cases.get(s, case_id=world.case_b)
        brand_id, person_id = case.brand_id, case.person_id
    agent = Principalish(Actor.user(world.agent_b, "Beto"), user_id=world.agent_b)
    with db.session() as s:
        row = moderation.moderate(s, ModerationRequest(brand_id, person_id, "warn", "respeto", world.case_b, None),
                                  who=agent)
        moderation.appeal(s, action_id=row.id, reason="No insulté a nadie", who=agent)
    got = _rows(db, kind="appeal")
    assert sorted(n.user_id for n in got) == sorted([world.super_b, world.admin])
    assert "No insulté" in got[0].body


def test_sla_sweep_warns_the_assignee_at_80_percent_once(db: Database, world: World) -> None:
    with db.session() as s:
        cases.assign(s, case_id=world.case_a, actor=Actor.user(world.agent_a, "Laura"), user_id=world.agent_a)
        case = s.get(Case, world.case_a)
        assert case is not None and case.first_response_due is not None
        opened, due = case.opened_at, case.first_response_due
    span = due - opened
    with db.session() as s:
        early = sla_warnings.warn_assignees(s, now=opened + span * 0.7)
    assert early.notified == 0
    at_85 = opened + span * 0.85
    for _ in range(2):
        with db.session() as s:
            sla_warnings.warn_assignees(s, now=at_85)
    warned = _rows(db, kind="sla_warning")
    assert [(n.user_id, n.case_id) for n in warned] == [(world.agent_a, world.case_a)]
    assert sla.CLOCK_LABELS["first_response"] in warned[0].title
    # The unassigned case of brand B is nobody's to be told about.
    assert all(n.case_id != world.case_b for n in warned)


def test_preferences_choose_in_app_and_email(db: Database, world: World) -> None:
    with db.session() as s:
        prefs = notifications.preferences_of(s, user_id=world.agent_a)
        assert prefs["crisis"].email and prefs["crisis"].in_app and not prefs["case_assigned"].email
        notifications.set_preferences(s, user_id=world.agent_a, choices={"crisis": (False, False),
                                                                         "case_assigned": (True, True)})
    with db.session() as s:
        assert notifications.notify(s, kind="crisis", key="crisis:5", brand_id=world.brand_a,
                                    user_ids=[world.agent_a], title="x") == []
        cases.assign(s, case_id=world.case_a, actor=Actor.user(world.super_a, "V"), user_id=world.agent_a)
    [row] = _rows(db, user_id=world.agent_a)
    assert row.in_app and row.email_pending


def test_mark_read_is_the_owners_only(db: Database, world: World) -> None:
    with db.session() as s:
        made = notifications.notify(s, kind="crisis", key="crisis:7", brand_id=world.brand_a,
                                    user_ids=[world.agent_a, world.agent_a2], title="x")
        notifications.notify(s, kind="crisis", key="crisis:8", brand_id=world.brand_a, user_ids=[world.agent_a],
                             title="y")
    laura = next(n for n in made if n.user_id == world.agent_a)
    pedros = next(n for n in made if n.user_id == world.agent_a2)
    scope = frozenset({world.brand_a})
    with db.session() as s, pytest.raises(NotFound):
        notifications.mark_read(s, notification_id=pedros.id, user_id=world.agent_a, brand_ids=scope)
    with db.session() as s:
        notifications.mark_read(s, notification_id=laura.id, user_id=world.agent_a, brand_ids=scope)
        assert notifications.unread_count(s, user_id=world.agent_a, brand_ids=scope) == 1
        assert notifications.mark_all_read(s, user_id=world.agent_a, brand_ids=scope) == 1
    with db.read_session() as s:
        assert notifications.unread_count(s, user_id=world.agent_a, brand_ids=scope) == 0
        assert notifications.unread_count(s, user_id=world.agent_a2, brand_ids=scope) == 1


def test_failed_email_is_kept_and_retried_then_given_up(db: Database, world: World) -> None:
    with db.session() as s:
        notifications.notify(s, kind="crisis", key="crisis:9", brand_id=world.brand_a, user_ids=[world.agent_a],
                             title="Crisis")
    nowhere = mailer.SmtpSettings(host="127.0.0.1", port=9)  # discard port: nothing listens
    for attempt in range(1, notifications.MAX_EMAIL_ATTEMPTS + 1):
        with db.session() as s:
            result = notifications.deliver_emails(s, settings=nowhere)
        assert result.failed == 1 and result.sent == 0
        [row] = _rows(db, key="crisis:9")
        assert row.email_attempts == attempt and row.email_error
    assert not row.email_pending and row.emailed_at is None
    with db.session() as s:
        assert notifications.deliver_emails(s, settings=nowhere).failed == 0


def test_no_smtp_settings_sends_nothing(db: Database, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAUCE_SMTP_HOST", raising=False)
    with db.session() as s:
        notifications.notify(s, kind="crisis", key="crisis:10", brand_id=world.brand_a, user_ids=[world.agent_a],
                             title="Crisis")
        assert notifications.deliver_emails(s).skipped
    assert _rows(db, key="crisis:10")[0].email_pending


def test_the_worker_sweep_sends_the_sla_warnings(db: Database, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from cauce.db import utcnow
    from cauce.worker import sweep

    monkeypatch.delenv("CAUCE_SMTP_HOST", raising=False)
    now = utcnow()
    with db.session() as s:
        cases.assign(s, case_id=world.case_a, actor=Actor.user(world.super_a, "Valentina"), user_id=world.agent_a)
        case = s.get(Case, world.case_a)
        assert case is not None
        # 51 of 60 minutes of the first-response target used (85 %): in the warning zone, not breached.
        case.opened_at, case.first_response_due = now - timedelta(minutes=51), now + timedelta(minutes=9)
        case.last_inbound_at, case.next_response_due = case.opened_at, None
        case.resolution_due = case.area_due = case.legal_due = None
    out = sweep(db)
    assert out["cases.sla_warnings"]["notified"] == 1
    assert out["notifications.email"]["skipped"]
    assert [n.kind for n in _rows(db, user_id=world.agent_a)] == ["case_assigned", "sla_warning"]
    assert sweep(db)["cases.sla_warnings"]["notified"] == 0
