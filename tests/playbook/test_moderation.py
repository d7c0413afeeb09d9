"""Moderation by published guidelines: clauses, strikes, appeals, reversals, and refusals (§6, §7, §8)."""

from __future__ import annotations

import pytest
from playbook_helpers import AGENT, ingest, setup_brand

from cauce.audit.service import Actor, events_for
from cauce.brands.models import ChannelAccount
from cauce.cases import service as cases
from cauce.db import Database
from cauce.errors import Forbidden, InvalidInput
from cauce.mentions.models import Mention
from cauce.people.models import Person
from cauce.playbook import guidelines, moderation
from cauce.playbook.moderation import ModerationRequest, PlaybookRefusal, Principalish
from helpers import scripted_triage

AGENT_WHO = Principalish(AGENT, user_id=None, is_supervisor=False)
SUPERVISOR = Principalish(Actor.user(2, "Valentina Ríos"), user_id=None, is_supervisor=True)


def _person(db: Database, case_id: int) -> tuple[int, int]:
    with db.read_session() as s:
        case = cases.get(s, case_id=case_id)
        return case.brand_id, case.person_id


def _strikes(db: Database, person_id: int) -> tuple[int, bool, str | None]:
    with db.read_session() as s:
        p = s.get(Person, person_id)
        assert p is not None
        return p.strikes, p.blocked, p.confirmed_role


def test_customer_without_rude_words_cannot_be_blocked_or_hidden(db: Database) -> None:
    """§6: «**Never block them or delete their messages**, unless they use rude or disrespectful words.»"""
    setup_brand(db)
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "hostil"})
    brand_id, person_id = _person(db, case_id)
    for action in ("block", "hide", "mute"):
        with db.session() as s, pytest.raises(PlaybookRefusal) as refused:
            moderation.moderate(s, ModerationRequest(brand_id, person_id, action, "respeto", case_id,
                                                     mention_id), who=AGENT_WHO)
        assert "§6.never-block-without-rude-words" in {d["rule_id"] for d in refused.value.details}
    # A supervisor cannot override without a reason either.
    with db.session() as s, pytest.raises(PlaybookRefusal):
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "hide", "respeto", case_id, mention_id),
                            who=SUPERVISOR)
    assert _strikes(db, person_id) == (0, False, None)


def test_supervisor_override_with_reason_is_recorded(db: Database) -> None:
    """§6: «Never block them [...] unless they use rude or disrespectful words» — only a supervisor with a
    written reason may go against it, and the override is audited."""
    setup_brand(db)
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "cliente"},
                                     text="Mi cédula es 1.234.567 y mi teléfono 300 1234567")
    brand_id, person_id = _person(db, case_id)
    with db.session() as s:
        row = moderation.moderate(s, ModerationRequest(
            brand_id, person_id, "hide", "datos-personales", case_id, mention_id,
            override_reason="Expuso su propio documento y teléfono en público"), who=SUPERVISOR)
        assert row.evidence["overridden"] == ["§6.never-block-without-rude-words"]
        assert row.override_reason and row.rule == "datos-personales"
        action_id = row.id
    with db.read_session() as s:
        assert s.get(Mention, mention_id).hidden  # type: ignore[union-attr]
        events = [(e.action, e.after) for e in events_for(s, "moderation_action", [action_id])]
    assert events[0][0] == "moderation.hide" and events[0][1]["override_reason"]


def test_warning_before_block_and_strikes(db: Database) -> None:
    """§8: «If behaviour becomes unacceptable, tell the person it will not be tolerated; if it goes on, block.
    The guidelines are written, published and applied the same way to everyone; every moderation action
    records the rule it applied.»"""
    setup_brand(db)
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "hostil", "abusive": True},
                                     text="Son unos ladrones inútiles")
    brand_id, person_id = _person(db, case_id)
    with db.session() as s, pytest.raises(PlaybookRefusal) as refused:
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "block", "respeto", case_id, mention_id),
                            who=AGENT_WHO)
    assert [d["rule_id"] for d in refused.value.details] == ["§8.warn-before-block"]
    with db.session() as s:
        warn = moderation.moderate(s, ModerationRequest(brand_id, person_id, "warn", "respeto", case_id,
                                                        mention_id), who=AGENT_WHO)
        assert warn.evidence["clause"]["id"] == "respeto" and "insultos" in warn.evidence["clause"]["text"]
        assert warn.evidence["text"] == "Son unos ladrones inútiles"
    assert _strikes(db, person_id) == (1, False, None)
    with db.session() as s:
        block = moderation.moderate(s, ModerationRequest(brand_id, person_id, "block", "respeto", case_id,
                                                         mention_id), who=AGENT_WHO)
        assert block.delivery_state == "not_needed"  # no channel account for twitter
    assert _strikes(db, person_id) == (2, True, None)


def test_threats_can_be_blocked_at_once_and_are_queued_for_the_network(db: Database) -> None:
    """§7: «Block on threats or rude/insulting words.»"""
    brand = setup_brand(db)
    with db.session() as s:
        s.add(ChannelAccount(brand_id=brand.id, kind="twitter", name="@conectel"))
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "troll", "threat": True,
                                                    "role_confidence": 0.9})
    brand_id, person_id = _person(db, case_id)
    with db.session() as s:
        row = moderation.moderate(s, ModerationRequest(brand_id, person_id, "block", "amenazas", case_id,
                                                       mention_id), who=AGENT_WHO)
        assert row.delivery_state == "queued" and row.channel_account_id is not None
    assert _strikes(db, person_id)[1] is True


def test_clause_must_exist_and_justify_the_action(db: Database) -> None:
    """§8: «every moderation action records the rule it applied.»"""
    setup_brand(db)
    with scripted_triage():
        _mention_id, case_id = ingest(db, 1, triage={"abusive": True})
    brand_id, person_id = _person(db, case_id)
    with db.session() as s, pytest.raises(InvalidInput, match="no existe"):
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "warn", "inventada", case_id),
                            who=AGENT_WHO)
    with db.session() as s, pytest.raises(InvalidInput, match="no justifica"):
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "block", "datos-personales", case_id),
                            who=AGENT_WHO)
    with db.session() as s, pytest.raises(InvalidInput, match="desconocida"):
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "ban", "respeto", case_id),
                            who=AGENT_WHO)


def test_troll_label_only_by_a_supervisor_and_proposals_queue(db: Database) -> None:
    """§7: «Be sure before calling anyone a troll [...] The system must be conservative, explain its evidence,
    and let a person confirm.»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"author_role": "troll", "role_confidence": 0.85,
                                           "evidence": [], "reasons": ["burla"]}, text="jaja qué marca tan mala")
        ingest(db, 2, handle="@dudoso", triage={"author_role": "troll", "role_confidence": 0.3})
        ingest(db, 3, handle="@cliente", triage={"author_role": "cliente"})
    brand_id, person_id = _person(db, case_id)
    with db.read_session() as s:
        queue = moderation.troll_proposals(s)
    assert [p.person_id for p in queue] == [person_id]
    assert queue[0].case_ids == (case_id,) and queue[0].evidence[0]["message"] == "jaja qué marca tan mala"
    assert queue[0].handles == ("twitter:@ana",)
    with db.session() as s, pytest.raises(Forbidden):
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "label_troll", "provocacion"),
                            who=AGENT_WHO)
    with db.session() as s:
        moderation.decide_role(s, person_id=person_id, brand_id=brand_id, role="troll", who=SUPERVISOR,
                               reason="Provoca en hilos ajenos desde hace semanas")
    assert _strikes(db, person_id)[2] == "troll"
    with db.read_session() as s:
        assert moderation.troll_proposals(s) == []


def test_a_customer_is_not_labelled_troll_without_override(db: Database) -> None:
    """§7: «A customer who insults once after being ignored three times is still a customer.»"""
    setup_brand(db)
    with scripted_triage():
        _, case_id = ingest(db, 1, triage={"author_role": "cliente", "abusive": True})
    brand_id, person_id = _person(db, case_id)
    with db.session() as s, pytest.raises(PlaybookRefusal):
        moderation.moderate(s, ModerationRequest(brand_id, person_id, "label_troll", "provocacion", case_id),
                            who=SUPERVISOR)
    with db.session() as s:
        moderation.decide_role(s, person_id=person_id, brand_id=brand_id, role="cliente", who=SUPERVISOR)
    assert _strikes(db, person_id) == (0, False, "cliente")


def test_appeal_and_reverse_restore_the_person(db: Database) -> None:
    """§8: «The guidelines are written, published and applied the same way to everyone» — and every action
    can be appealed and reversed (audited)."""
    setup_brand(db)
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "troll", "threat": True,
                                                    "role_confidence": 0.9})
    brand_id, person_id = _person(db, case_id)
    with db.session() as s:
        row = moderation.moderate(s, ModerationRequest(brand_id, person_id, "block", "amenazas", case_id,
                                                       mention_id), who=AGENT_WHO)
        action_id = row.id
    with db.session() as s:
        assert moderation.appeal(s, action_id=action_id, reason="Era una broma entre amigos",
                                 who=AGENT_WHO).status == "appealed"
    with db.session() as s, pytest.raises(Forbidden):
        moderation.reverse(s, action_id=action_id, reason="Revisado", who=AGENT_WHO)
    with db.session() as s:
        assert moderation.reverse(s, action_id=action_id, reason="Revisado: no era amenaza real",
                                  who=SUPERVISOR).status == "reversed"
    assert _strikes(db, person_id) == (0, False, None)
    with db.read_session() as s:
        actions = [e.action for e in events_for(s, "moderation_action", [action_id])]
    assert actions == ["moderation.block", "moderation.appealed", "moderation.reversed"]


def test_guidelines_are_versioned_and_published_as_html(db: Database) -> None:
    """§8: «The guidelines are written, published and applied the same way to everyone»"""
    brand = setup_brand(db)
    with db.read_session() as s:
        default = guidelines.current(s, brand_id=brand.id)
    assert default.version == 0 and default.clause("respeto") is not None
    clauses = [c.__dict__ | {"actions": list(c.actions)} for c in default.clauses]
    clauses.append({"id": "xss", "title": "Sin <script>", "text": "No <script>alert(1)</script> permitido.",
                    "actions": ["hide"]})
    with db.session() as s:
        v1 = guidelines.publish(s, brand_id=brand.id, clauses=clauses, actor=AGENT)
        v2 = guidelines.publish(s, brand_id=brand.id, clauses=clauses[:3], actor=AGENT)
    assert (v1.version, v2.version) == (1, 2)
    with db.read_session() as s:
        now = guidelines.current(s, brand_id=brand.id)
        assert [g.version for g in guidelines.versions(s, brand_id=brand.id)] == [1, 2]
    assert len(now.clauses) == 3
    page = guidelines.html(v1, brand_name="Conectel")
    assert "<script>alert" not in page and "&lt;script&gt;" in page and 'id="respeto"' in page
    with db.session() as s, pytest.raises(InvalidInput, match="repetida"):
        guidelines.publish(s, brand_id=brand.id, clauses=clauses + clauses[:1], actor=AGENT)
    with db.session() as s, pytest.raises(InvalidInput):
        guidelines.publish(s, brand_id=brand.id, clauses=[{"id": "X Y", "title": "t", "text": "t"}], actor=AGENT)


def test_reversing_a_hide_done_on_the_network_queues_an_unhide(db: Database) -> None:
    """§8: every moderation action «can be appealed and reversed (audited)» — also on the network."""
    brand = setup_brand(db)
    with db.session() as s:
        s.add(ChannelAccount(brand_id=brand.id, kind="twitter", name="@conectel"))
    with scripted_triage():
        mention_id, case_id = ingest(db, 1, triage={"author_role": "troll", "abusive": True,
                                                    "role_confidence": 0.9})
    brand_id, person_id = _person(db, case_id)
    with db.session() as s:
        row = moderation.moderate(s, ModerationRequest(brand_id, person_id, "hide", "respeto", case_id,
                                                       mention_id), who=AGENT_WHO)
        assert row.delivery_state == "queued"
        row.delivery_state = "done"  # what the outbox worker records after hiding it on the network
        action_id = row.id
    with db.session() as s:
        moderation.reverse(s, action_id=action_id, reason="Revisado: crítica legítima", who=SUPERVISOR)
    with db.read_session() as s:
        rows = moderation.actions_of(s, person_id=person_id)
        undo = next(r for r in rows if r.action == "unhide")
        assert undo.delivery_state == "queued" and undo.evidence == {"reverses": action_id}
        assert not s.get(Mention, mention_id).hidden  # type: ignore[union-attr]
        assert next(r for r in rows if r.id == action_id).status == "reversed"
