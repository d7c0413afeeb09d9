"""Drafts follow the playbook: name, problem, signature, voice, channel length, variety."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest

from cauce.errors import InvalidInput
from cauce.replies.drafts import INTENTS, CaseFacts, DraftContext, draft
from cauce.replies.drafts.service import guard_context
from cauce.replies.drafts.templates import load_overrides
from cauce.replies.drafts.topic import extract_topic
from cauce.replies.tone import check_reply
from cauce.replies.tone.channels import CHANNEL_LIMITS, channel_length


def context(**extra: object) -> DraftContext:
    base: dict[str, object] = {
        "brand_name": "Conectel", "voice": "tu", "country": "CO", "channel": "twitter",
        "recipient_name": "Ana María Ruiz", "recipient_handle": "@anamr", "agent_name": "Laura Gómez",
        "mention_text": "@ConectelCO me facturaron dos veces el mismo mes, qué vergüenza",
        "facts": CaseFacts(category="cobro", reference="F-99812", area="facturación",
                           info_url="https://conectel.example/tarifas"),
    }
    return DraftContext(**{**base, **extra})


@pytest.mark.parametrize(("intent", "voice"), list(product(INTENTS, ("tu", "usted"))))
def test_every_intent_in_both_voices_passes_the_guard(intent: str, voice: str) -> None:
    ctx = context(voice=voice)
    result = draft(ctx, intent, use_llm=False)
    verdict = check_reply(result.text, guard_context(ctx, result.visibility, intent))
    assert verdict.verdict == "ok", (result.text, verdict.findings)
    assert "Ana" in result.text and "Laura" in result.text
    assert "cobro doble" in result.text  # refers to the specific problem


@pytest.mark.parametrize("channel", ["twitter", "bluesky", "mastodon", "threads", "instagram", "facebook"])
def test_drafts_fit_the_channel_without_cutting_words(channel: str) -> None:
    long_facts = CaseFacts(category="cobro", area="facturación y cartera de clientes corporativos",
                           explanation="el cargo corresponde a la reconexión del servicio " * 4,
                           info_url="https://conectel.example/condiciones/reconexion")
    for intent in INTENTS:
        result = draft(context(channel=channel, facts=long_facts), intent, use_llm=False)
        limit = CHANNEL_LIMITS[channel]
        assert limit is not None and channel_length(result.text, channel) <= limit
        assert result.text.rstrip().endswith(("Laura", "Laura.", "Laura, de Conectel"))
        if result.text != result.text.replace("…", ""):
            before = result.text.split("…")[0]
            assert before[-1].isalnum()  # ellipsis after a whole word


def test_public_drafts_never_show_the_reference_private_ones_do() -> None:
    public = draft(context(), "first_reply", use_llm=False)
    private = draft(context(), "investigation_update", use_llm=False)
    assert public.visibility == "public" and "F-99812" not in public.text
    assert private.visibility == "private" and "F-99812" in private.text


def test_handle_is_used_when_the_name_is_unknown() -> None:
    result = draft(context(recipient_name=None), "first_reply", use_llm=False)
    assert result.text.startswith(("Hola, @anamr", "¡Hola, @anamr", "Buen día, @anamr"))


def test_drafts_avoid_repeating_recent_replies() -> None:
    recent: list[str] = []
    for i in range(6):
        ctx = context(recipient_name=f"Persona{i}", recipient_handle=f"@p{i}", recent_replies=list(recent))
        result = draft(ctx, "first_reply", use_llm=False)
        assert "looks-automatic" not in " ".join(result.warnings)
        recent.append(result.text)
    assert len({r.split(".", 1)[1] for r in recent}) >= 4


def test_variant_seed_is_deterministic() -> None:
    a = draft(context(), "follow_up", variant_seed=7, use_llm=False)
    b = draft(context(), "follow_up", variant_seed=7, use_llm=False)
    assert a == b


def test_missing_case_facts_are_flagged_for_the_agent() -> None:
    result = draft(context(facts=CaseFacts(category="cobro")), "resolution_not_at_fault", use_llm=False)
    assert any("explanation" in w for w in result.warnings)


def test_voseo_for_argentina() -> None:
    ctx = context(country="AR", brand_name="Rapidito", mention_text="mi pedido lleva 3 horas y sigue en camino",
                  facts=CaseFacts(category="entrega"))
    result = draft(ctx, "request_data_private", variant_seed=1, use_llm=False)
    assert "escríbenos" not in result.text.lower() and "tu pedido" in result.text


def test_english_brand_gets_english_templates() -> None:
    ctx = context(language="en", brand_name="Acme", mention_text="I was charged twice for my order")
    result = draft(ctx, "first_reply", use_llm=False)
    assert result.text.startswith(("Hi Ana", "Hello Ana")) and "charge" in result.text


def test_brand_overrides_merge_over_defaults() -> None:
    overrides = {"intents": {"first_reply": {"variants": [{"id": "marca.bienvenida", "body": [
        "En Conectel nos importa {topic}: ya estamos en eso."]}]}}}
    result = draft(context(template_overrides=overrides), "first_reply", use_llm=False)
    assert result.template_id == "marca.bienvenida" and "nos importa el cobro doble" in result.text
    other = draft(context(template_overrides=overrides), "follow_up", use_llm=False)
    assert other.template_id.startswith("follow_up.")


def test_bad_overrides_and_intents_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match=r"(?i)intención"):
        draft(context(), "insult_them", use_llm=False)
    with pytest.raises(InvalidInput, match="variante"):
        draft(context(template_overrides={"intents": {"first_reply": {"variants": []}}}), "first_reply")


def test_hostile_mention_text_is_handled() -> None:
    ctx = context(mention_text="<script>alert(1)</script> " + "🤬" * 5000 + " me cobraron dos veces",
                  recipient_name="X" * 5000)
    result = draft(ctx, "first_reply", use_llm=False)
    assert channel_length(result.text, "twitter") <= 280


@pytest.mark.parametrize(("text", "expected"), [
    ("me facturaron dos veces el mismo mes", "el cobro doble en tu factura"),
    ("mi pedido #A123 lleva 5 días sin moverse del almacén", "tu pedido que aún no llega"),
    ("llevo 5 días sin internet en la casa", "la falla en tu servicio de internet"),
    ("el asesor me colgó a mitad de la llamada", "el trato que recibiste"),
])
def test_topic_phrase(text: str, expected: str) -> None:
    from cauce.replies.drafts.wording import pick_voice

    assert pick_voice(extract_topic(text, None).phrase, "tu") == expected


def test_brand_override_directory(tmp_path: Path) -> None:
    directory = tmp_path
    assert load_overrides(directory, "es") == {}
    (directory / "es.yaml").write_text(
        "intents:\n  follow_up:\n    visibility: private\n    variants:\n"
        "      - id: marca.seguimiento\n        body:\n          - 'Volvemos sobre {topic}: {improvement}.'\n",
        encoding="utf-8")
    overrides = load_overrides(directory, "es")
    facts = CaseFacts(category="cobro", improvement="ya no se duplican los cobros")
    result = draft(context(template_overrides=overrides, facts=facts), "follow_up", use_llm=False)
    assert result.template_id == "marca.seguimiento" and "ya no se duplican los cobros" in result.text
    (directory / "es.yaml").write_text("intents: [", encoding="utf-8")
    with pytest.raises(InvalidInput, match="YAML"):
        load_overrides(directory, "es")
