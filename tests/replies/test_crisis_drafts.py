"""Crisis mode: first replies and updates acknowledge the wider incident, stay personal, pass the guard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from cauce.cases.models import Case
from cauce.db import Database, utcnow
from cauce.playbook import crisis as crises
from cauce.playbook.models import Crisis
from cauce.replies import service as replies
from cauce.replies.drafts import CaseFacts, CrisisFacts, DraftContext, draft
from cauce.replies.drafts.service import guard_context
from cauce.replies.tone import check_reply
from connectors.runtime.recording import TEST_KEY, World, build_world
from helpers import scripted_triage

CRISIS_INTENTS = ("first_reply", "investigation_update")
_TU = {"tu", "tú", "te", "ti", "tus", "contigo"}
_USTED = {"usted", "su", "sus", "le"}


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAUCE_ENCRYPTION_KEY", TEST_KEY)
    with scripted_triage():
        yield


def _case_category(db: Database, w: World) -> str | None:
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None
        return case.category


def _open_crisis(db: Database, w: World, *, category: str | None, status: str = "active") -> None:
    now = utcnow()
    with db.session() as s:
        s.add(Crisis(brand_id=w.brand.id, category=category, kind="spike", status=status,
                     title="Pico de quejas en Conectel", started_at=now, detected_at=now, last_signal_at=now,
                     details={}, alerts=[]))
    with db.session() as s:
        assert crises.in_crisis_mode(s, brand_id=w.brand.id) is (status == "active")


def _drafts(db: Database, w: World, intents: tuple[str, ...] = CRISIS_INTENTS) -> dict[str, tuple[str, str, str]]:
    """intent -> (template_id, text, guard verdict) through the service the composer and API use."""
    out: dict[str, tuple[str, str, str]] = {}
    with db.session() as s:
        case = s.get(Case, w.case_id)
        assert case is not None
        for intent in intents:
            result = replies.draft_for_case(s, case_id=w.case_id, intent=intent, principal=w.agent)
            verdict = replies.check(s, case, text=result.text, visibility=result.visibility,
                                    agent_first_name=w.agent.first_name)
            out[intent] = (result.template_id, result.text, verdict["verdict"])
    return out


def test_a_brand_in_crisis_gets_crisis_drafts_that_pass_the_guard(db: Database) -> None:
    w = build_world(db)
    _open_crisis(db, w, category=_case_category(db, w))
    for intent, (template_id, text, verdict) in _drafts(db, w).items():
        assert template_id.startswith(f"crisis.{intent}."), (intent, template_id)
        assert verdict == "ok", text
        assert any(w in text for w in ("varios usuarios", "varias personas", "falla general"))  # wider incident
        assert "dos horas" in text  # when the next update comes
        assert "Ana" in text and "Laura" in text  # greets by name, signs with the agent's name
        assert "cobro" in text  # the person's own problem
        assert not set(_words(text)) & _USTED, text  # the brand speaks tú


def test_out_of_crisis_the_normal_templates_are_used(db: Database) -> None:
    w = build_world(db)
    before = _drafts(db, w)
    assert all(not tid.startswith("crisis.") and verdict == "ok" for tid, _, verdict in before.values())
    _open_crisis(db, w, category=_case_category(db, w), status="watch")  # post-crisis watch is not crisis mode
    assert all(not tid.startswith("crisis.") for tid, _, _ in _drafts(db, w).values())


def test_a_crisis_about_another_category_does_not_change_this_cases_drafts(db: Database) -> None:
    w = build_world(db)
    other = "entrega" if _case_category(db, w) != "entrega" else "cobro"
    _open_crisis(db, w, category=other)
    assert all(not tid.startswith("crisis.") for tid, _, _ in _drafts(db, w).values())


def test_intents_without_crisis_variants_keep_their_templates(db: Database) -> None:
    w = build_world(db)
    _open_crisis(db, w, category=None)  # a crisis across categories covers every case of the brand
    drafted = _drafts(db, w, ("first_reply", "request_data_private"))
    assert drafted["first_reply"][0].startswith("crisis.first_reply.")
    assert drafted["request_data_private"][0].startswith("request_data_private.")


def _context(i: int, recent: list[str], **extra: Any) -> DraftContext:
    base: dict[str, Any] = {
        "brand_name": "Conectel", "voice": "tu", "country": "CO", "channel": "twitter",
        "recipient_name": f"Persona{i} Ruiz", "recipient_handle": f"@p{i}", "agent_name": "Laura Gómez",
        "mention_text": "@ConectelCO me facturaron dos veces el mismo mes, qué vergüenza",
        "facts": CaseFacts(category="cobro", reference="F-99812", area="facturación"),
        "recent_replies": list(recent), "crisis": CrisisFacts(category="cobro"),
    }
    return DraftContext(**{**base, **extra})


@pytest.mark.parametrize("voice", ["tu", "usted"])
@pytest.mark.parametrize("intent", CRISIS_INTENTS)
def test_many_crisis_replies_in_a_row_do_not_look_automatic(intent: str, voice: str) -> None:
    recent: list[str] = []
    ids: set[str] = set()
    for i in range(6):
        ctx = _context(i, recent, voice=voice)
        result = draft(ctx, intent, use_llm=False)
        verdict = check_reply(result.text, guard_context(ctx, result.visibility, intent))
        assert verdict.verdict == "ok", (result.text, verdict.findings)
        assert "…" not in result.text  # fits the channel whole: the next update is never cut
        assert f"Persona{i}" in result.text and "Laura" in result.text
        assert not set(_words(result.text)) & (_TU if voice == "usted" else _USTED), result.text
        recent.append(result.text)
        ids.add(result.template_id)
    assert len(ids) >= 3


def test_what_is_known_and_the_next_update_come_from_the_crisis_when_given() -> None:
    facts = CrisisFacts(category="cobro", known="el cargo doble se revierte solo en tu próxima factura.",
                        next_update="a las 6 p. m.")
    for intent in CRISIS_INTENTS:
        result = draft(_context(1, [], crisis=facts), intent, use_llm=False)
        assert "el cargo doble se revierte solo en tu próxima factura" in result.text
        assert "a las 6 p. m." in result.text


def test_english_and_brand_overrides_have_crisis_variants_too() -> None:
    english = draft(_context(1, [], language="en", mention_text="I was charged twice this month"),
                    "first_reply", use_llm=False)
    assert english.template_id.startswith("crisis.first_reply.") and "several customers" in english.text
    own = {"crisis": {"first_reply": {"variants": [
        {"id": "propia", "body": ["Sabemos de la falla en {incident} que afecta a varios usuarios y de {topic}.",
                                  "Por ahora, {known}; volvemos {next_update}."]}]}}}
    result = draft(_context(1, [], template_overrides=own), "first_reply", use_llm=False)
    assert result.template_id == "crisis.propia" and "los cobros" in result.text
