"""Next actions: every rule of PLAYBOOK §3–§9 derived from the case, with its stable id and text."""

from __future__ import annotations

from datetime import timedelta

from playbook_helpers import AGENT, case_of, ingest, reply, setup_brand

from cauce.cases import service as cases
from cauce.db import Database
from cauce.playbook import policy as policy_service
from cauce.playbook.next_actions import Action, next_actions
from helpers import T0, scripted_triage


def actions(db: Database, case_id: int, minutes: float = 5) -> dict[str, Action]:
    with db.read_session() as s:
        case = cases.get(s, case_id=case_id)
        return {a.rule_id: a for a in next_actions(s, case, now=T0 + timedelta(minutes=minutes))}


def test_first_reply_is_public_and_due_by_the_sla(db: Database) -> None:
    """§3: «The first answer is **always public** (the community must see that the brand listens),
    within the first-response target (default: 1 hour in business hours; never more than 24 hours).»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1)
    first = actions(db, case_id)["§3.first-reply-public"]
    assert first.visibility == "public" and first.intent == "first_reply" and first.blocking
    assert not first.done and first.due_at == T0 + timedelta(hours=1)
    assert "siempre pública" in first.rule_text and "firmada" in first.rule_text
    reply(db, case_id, visibility="private")
    assert not actions(db, case_id)["§3.first-reply-public"].done, "a private reply is not the first answer"
    reply(db, case_id, visibility="public")
    assert actions(db, case_id)["§3.first-reply-public"].done


def test_data_is_asked_for_in_private(db: Database) -> None:
    """§3: «If data are needed (order number, account, phone), ask for them **through a private channel**
    (DM, e-mail, phone), never in public.»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"category": "cobro", "pqr_type": "reclamo"})
    ask = actions(db, case_id)["§3.ask-data-private"]
    assert ask.visibility == "private" and ask.intent == "request_data_private" and not ask.done
    reply(db, case_id, visibility="public")
    assert not actions(db, case_id)["§3.ask-data-private"].done
    reply(db, case_id, visibility="private")
    assert actions(db, case_id)["§3.ask-data-private"].done


def test_points_to_the_right_channel_when_configured(db: Database) -> None:
    """§3: «If the agent is not the right channel, say so and point to the right one (information, not
    confusion).»"""
    brand = setup_brand(db)
    with db.session() as s:
        policy_service.update_overrides(s, brand_id=brand.id, actor=AGENT,
                                        changes={"redirect": {"garantia": "garantias.conectel.co"}})
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"category": "garantia"})
        _, other = ingest(db, 2, handle="@beto", triage={"category": "entrega"})
    found = actions(db, case_id)
    assert found["§3.redirect-channel"].detail == "garantias.conectel.co"
    assert "§3.ask-data-private" not in found
    assert "§3.redirect-channel" not in actions(db, other)
    reply(db, case_id, visibility="public", intent="redirect_channel")
    assert actions(db, case_id)["§3.redirect-channel"].done


def test_investigation_with_the_area_and_escalation_when_overdue(db: Database) -> None:
    """§4: «Open an investigation assuming the company erred. Route the case to the responsible area
    (billing, logistics, product, legal...) with a maximum time per area; overdue cases escalate.»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"category": "cobro"})
    assert not actions(db, case_id)["§4.open-investigation"].done
    with db.session() as s:
        area = next(a for a in cases.areas_of(s, brand_id=case_of(db, case_id).brand_id) if a.slug == "cobros")
        cases.assign(s, case_id=case_id, area_id=area.id, actor=AGENT)
    found = actions(db, case_id)
    assert found["§4.open-investigation"].done
    assert "§4.area-overdue-escalate" not in found
    due = case_of(db, case_id).area_due
    assert due is not None
    late = (due - T0).total_seconds() / 60 + 1
    overdue = actions(db, case_id, minutes=late)["§4.area-overdue-escalate"]
    assert overdue.blocking and not overdue.done and overdue.detail == "Área: cobros"


def test_hostile_user_offline_contact_and_every_message_answered(db: Database) -> None:
    """§6: «Try to reach them through offline channels (phone, in person) to mend the relationship.
    Answer all their comments quickly, by name, cordially.»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"author_role": "hostil"})
    found = actions(db, case_id)
    assert found["§6.hostile-offline-contact"].visibility == "offline"
    answer = found["§6.answer-every-message"]
    assert not answer.done and answer.due_at == T0 + timedelta(minutes=60)
    reply(db, case_id, visibility="public")
    assert actions(db, case_id)["§6.answer-every-message"].done
    with scripted_triage():
        ingest(db, 2, minutes=30, triage={"author_role": "hostil"})
    again = actions(db, case_id, minutes=31)["§6.answer-every-message"]
    assert not again.done and again.due_at == T0 + timedelta(minutes=90)


def test_hostile_user_is_never_blocked_without_rude_words_constraint(db: Database) -> None:
    """§6: «**Never block them or delete their messages**, unless they use rude or disrespectful words.»"""
    setup_brand(db)
    with scripted_triage():
        _, polite = ingest(db, 1, triage={"author_role": "hostil"})
        _, rude = ingest(db, 2, handle="@beto", triage={"author_role": "hostil", "abusive": True})
    constraint = actions(db, polite)["§6.never-block-without-rude-words"]
    assert constraint.kind == "constraint" and "No ha usado palabras groseras" in (constraint.detail or "")
    assert "§8.warn-before-block" not in actions(db, polite)
    assert "Usó palabras groseras" in (actions(db, rude)["§6.never-block-without-rude-words"].detail or "")


def test_troll_first_reply_public_then_private(db: Database) -> None:
    """§7: «Only the **first** reply is public (as in §3); every later one is private.»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"author_role": "troll", "role_confidence": 0.9, "pqr_type": "otro",
                                           "is_complaint": False, "abusive": True})
    found = actions(db, case_id)
    assert found["§7.troll-first-reply-public"].visibility == "public"
    assert "§3.first-reply-public" not in found and "§8.move-to-private" not in found
    reply(db, case_id, visibility="public", intent="troll_first_reply")
    with scripted_triage():
        ingest(db, 2, minutes=40, triage={"author_role": "troll", "role_confidence": 0.9, "pqr_type": "otro",
                                          "is_complaint": False})
    later = actions(db, case_id, minutes=41)["§7.troll-later-private"]
    assert later.visibility == "private" and not later.done


def test_troll_label_is_proposed_for_a_person_to_confirm(db: Database) -> None:
    """§7: «**Be sure before calling anyone a troll**: treating an unhappy customer or a hostile user as a
    troll does great harm. [...] The system must be conservative, explain its evidence, and let a person
    confirm.»"""
    setup_brand(db)
    with scripted_triage():
        _, sure = ingest(db, 1, triage={"author_role": "troll", "role_confidence": 0.9})
        _, doubtful = ingest(db, 2, handle="@beto", triage={"author_role": "troll", "role_confidence": 0.4})
    proposal = actions(db, sure)["§7.troll-label-needs-confirmation"]
    assert not proposal.done and "90%" in (proposal.detail or "")
    low = actions(db, doubtful)
    # A doubtful troll is treated as a hostile user, not as a troll, and nobody is asked to label him.
    assert "§7.troll-label-needs-confirmation" not in low and "§6.hostile-offline-contact" in low
    assert "§3.first-reply-public" in low


def test_heated_public_thread_moves_to_private(db: Database) -> None:
    """§8: «When a public discussion heats up, turns abusive, or needs confidential data, move it to a
    private channel.»"""
    setup_brand(db)
    with scripted_triage():
        _, calm = ingest(db, 1, triage={"anger": 0.2})
        _, hot = ingest(db, 2, handle="@beto", triage={"anger": 0.9})
    assert "§8.move-to-private" not in actions(db, calm)
    move = actions(db, hot)["§8.move-to-private"]
    assert move.visibility == "private" and not move.done
    reply(db, hot, visibility="private")
    assert actions(db, hot)["§8.move-to-private"].done


def test_warning_comes_before_blocking(db: Database) -> None:
    """§8: «If behaviour becomes unacceptable, tell the person it will not be tolerated; if it goes on,
    block.»"""
    from cauce.playbook import moderation

    brand = setup_brand(db)
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"abusive": True})
    warn = actions(db, case_id)["§8.warn-before-block"]
    assert warn.intent == "firm_warning" and not warn.done
    assert "§8.block-if-continues" not in actions(db, case_id)
    with db.session() as s:
        case = cases.get(s, case_id=case_id)
        moderation.moderate(s, moderation.ModerationRequest(
            brand_id=brand.id, person_id=case.person_id, action="warn", clause_id="respeto", case_id=case_id,
            mention_id=mention_id), who=moderation.Principalish(AGENT), now=T0 + timedelta(minutes=2))
    assert actions(db, case_id)["§8.warn-before-block"].done
    with scripted_triage():
        ingest(db, 2, minutes=10, triage={"abusive": True})
    assert not actions(db, case_id, minutes=11)["§8.block-if-continues"].done


def test_every_action_carries_a_rule_id_and_spanish_text(db: Database) -> None:
    """§8: «every moderation action records the rule it applied» — and every next action names its rule."""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"threat": True, "abusive": True, "author_role": "hostil",
                                           "category": "cobro", "anger": 0.95})
    found = actions(db, case_id)
    assert len(found) >= 6
    for rule_id, action in found.items():
        assert rule_id.startswith("§") and action.id == f"{case_id}:{rule_id}"
        assert action.rule_text and action.title
    ordered = list(found.values())
    assert all(not a.done for a in ordered[: sum(1 for a in ordered if not a.done)])


def test_batched_next_actions_match_one_by_one(db: Database) -> None:
    """§2: «The priority orders the queue.» — the inbox computes next actions for a whole page at once."""
    from cauce.playbook.next_actions import next_actions_many

    setup_brand(db)
    with scripted_triage():
        ids = [ingest(db, i, handle=f"@p{i}", triage=t)[1] for i, t in enumerate(
            ({}, {"author_role": "hostil", "abusive": True}, {"threat": True}, {"author_role": "troll",
                                                                                "role_confidence": 0.9}))]
    reply(db, ids[0], visibility="public")
    now = T0 + timedelta(minutes=30)
    with db.read_session() as s:
        page = [cases.get(s, case_id=i) for i in ids]
        batched = next_actions_many(s, page, now=now)
        assert all(batched[c.id] == next_actions(s, c, now=now) for c in page)
