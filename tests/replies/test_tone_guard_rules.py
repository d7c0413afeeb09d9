"""Each tone-guard rule fires on a realistic reply and stays quiet on its near-miss."""

from __future__ import annotations

import pytest

from cauce.replies.tone import GuardContext, check_reply

BASE = {"recipient_name": "Ana Pérez", "recipient_handle": "@anaperez", "agent_name": "Laura",
        "voice": "tu", "channel": "twitter",
        "mention_text": "Me cobraron dos veces la factura de este mes, ¿qué pasa?"}


def ctx(**extra: object) -> GuardContext:
    return GuardContext(**{**BASE, **extra})


def rules(text: str, **extra: object) -> dict[str, str]:
    verdict = check_reply(text, ctx(**extra))
    return {f.rule: f.severity for f in verdict.findings}


GOOD = "Hola, Ana. Lamento el cobro doble de tu factura; ya lo estamos revisando. — Laura"


def test_a_good_reply_is_ok() -> None:
    verdict = check_reply(GOOD, ctx())
    assert verdict.verdict == "ok", verdict.findings


@pytest.mark.parametrize("text", [
    "Hola, Ana. ¿Nos compartes tu número de pedido para revisar el cobro? — Laura",
    "Hola, Ana. Déjanos aquí abajo tu número de cédula y lo validamos. — Laura",
    "Hola, Ana. Confírmanos tu dirección y tu teléfono para enviar al técnico. — Laura",
    "Hola, Ana. Envíanos por aquí el CVV de la tarjeta para reversar el cobro. — Laura",
    "Hola, Ana. ¿Cuál es tu RUT? Así revisamos el cobro doble. — Laura",
])
def test_public_request_for_personal_data_blocks(text: str) -> None:
    assert rules(text) == {"public-personal-data": "block"}


@pytest.mark.parametrize("text", [
    # Asking to SEND it privately is the playbook's own advice (§3).
    "Hola, Ana. ¿Nos escribes por DM tu número de pedido? Revisamos el cobro doble. — Laura",
    "Hola, Ana. Necesitamos tu número de factura. ¿Nos lo envías por mensaje privado? — Laura",
    "Hola, Ana. Escríbenos a ayuda@marca.example con tu número de contrato y revisamos el cobro. — Laura",
    "Hola, Ana. Por seguridad, no compartas tu número de tarjeta en público; te escribimos por DM. — Laura",
    "Hola, Ana. Compártenos más detalles y revisamos el cobro a tu tarjeta. — Laura",
])
def test_data_through_a_private_channel_is_fine(text: str) -> None:
    assert "public-personal-data" not in rules(text)


def test_the_same_request_in_a_private_reply_is_fine() -> None:
    text = "Hola, Ana. ¿Nos compartes tu número de pedido para revisar el cobro doble? — Laura"
    assert "public-personal-data" not in rules(text, visibility="private")


@pytest.mark.parametrize(("text", "rule", "severity"), [
    ("Hola, Ana. Qué raro que nadie más se queje del cobro. — Laura", "sarcasm", "block"),
    ("Hola, Ana. Felicidades por descubrir que la factura trae IVA. — Laura", "sarcasm", "block"),
    ("Hola, Ana. Jajaja tranqui, ya revisamos el cobro. — Laura", "sarcasm", "warn"),
    ("Hola, Ana. Quizá no leíste nuestra página de tarifas sobre el cobro. — Laura", "blame-shifting", "block"),
    ("Hola, Ana. Si hubieras revisado la factura, verías el cobro. — Laura", "blame-shifting", "block"),
    ("Hola, Ana. Eso no es cierto, el cobro es uno solo. — Laura", "arguing", "block"),
    ("Hola, Ana. Te equivocas, no hubo cobro doble. — Laura", "arguing", "block"),
    ("Hola, Ana. Como ya te dijimos, el cobro se reversa en 10 días. — Laura", "passive-aggressive", "warn"),
    ("Hola, Ana. Según tú, el cobro está repetido; lo revisamos. — Laura", "passive-aggressive", "warn"),
    ("Hola, Ana. Ya revisamos el cobro de tu factura 🙄 — Laura", "mocking-emoji", "block"),
    ("Hola, Ana. Ya revisamos el cobro de tu factura 💅 — Laura", "mocking-emoji", "block"),
])
def test_tone_rules_fire(text: str, rule: str, severity: str) -> None:
    assert rules(text).get(rule) == severity


@pytest.mark.parametrize("text", [
    "Hola, Ana. Es raro ver un cobro doble; ya lo estamos revisando. — Laura",
    "Hola, Ana. Te explico el cobro de tu factura: es la cuota del equipo. — Laura",
    "Hola, Ana. Es cierto que el cobro salió doble, ya lo corregimos. — Laura",
    "Hola, Ana. Ya revisamos el cobro doble de tu factura 🙂 — Laura",
    "Hola, Ana. Revisamos el cobro de tu factura según tu contrato. — Laura",
])
def test_tone_near_misses_are_ok(text: str) -> None:
    assert check_reply(text, ctx()).verdict == "ok"


def test_missing_greeting_and_signature_warn() -> None:
    found = rules("Lamento el cobro doble de tu factura; ya lo estamos revisando.")
    assert found == {"missing-greeting": "warn", "missing-signature": "warn"}


def test_greeting_by_handle_counts() -> None:
    assert rules("@anaperez lamento el cobro doble de tu factura; ya lo revisamos. ^Laura") == {}


def test_missing_apology_when_at_fault_warns() -> None:
    text = "Hola, Ana. Ya corregimos el cobro doble de tu factura y devolvimos el valor. — Laura"
    assert rules(text, at_fault=True, visibility="private") == {"missing-apology": "warn"}
    assert rules(text, at_fault=False, visibility="private") == {}


def test_timid_apology_blocks_when_at_fault_and_warns_otherwise() -> None:
    text = "Hola, Ana. Lamentamos si te sentiste incómoda con el cobro de tu factura. — Laura"
    assert rules(text, at_fault=True) == {"timid-apology": "block"}
    assert rules(text, at_fault=None) == {"timid-apology": "warn"}
    strong = "Hola, Ana. Te pedimos disculpas: el cobro doble de tu factura fue error nuestro. — Laura"
    assert rules(strong, at_fault=True) == {}


def test_generic_reply_looks_automatic() -> None:
    found = rules("Hola, Ana. Gracias por tu comentario, lamentamos las molestias. — Laura")
    assert found == {"looks-automatic": "warn"}
    # The same courtesy plus the concrete problem is a real answer.
    assert rules("Hola, Ana. Lamentamos las molestias con el cobro doble de tu factura. — Laura") == {}


def test_near_duplicate_of_a_reply_to_someone_else_warns() -> None:
    sent = ["Hola, Pedro. Lamento el cobro doble de tu factura; ya lo estamos revisando. — Laura"]
    assert rules(GOOD, recent_replies_to_others=sent) == {"looks-automatic": "warn"}
    different = ["Hola, Pedro. Tu pedido sale mañana de bodega y te llega el jueves. ^Laura"]
    assert rules(GOOD, recent_replies_to_others=different) == {}


def test_second_public_reply_to_confirmed_troll_blocks() -> None:
    assert rules(GOOD, author_role="troll", troll_confirmed=True, public_replies_sent=1) == {
        "troll-second-public": "block"}
    assert rules(GOOD, author_role="troll", troll_confirmed=True, public_replies_sent=0) == {}
    assert rules(GOOD, author_role="troll", troll_confirmed=False, public_replies_sent=3) == {}
    assert rules(GOOD, author_role="troll", troll_confirmed=True, public_replies_sent=1,
                 visibility="private") == {}


def test_public_reply_to_a_thread_that_should_be_private_warns() -> None:
    assert rules(GOOD, should_be_private=True) == {"should-be-private": "warn"}
    moving = "Hola, Ana. Sigamos por DM con el cobro doble de tu factura, ya te escribimos. — Laura"
    assert rules(moving, should_be_private=True) == {}


def test_length_blocks_per_channel() -> None:
    long_text = GOOD[:-8] + " Te contamos además" + " todo el detalle" * 20 + ". — Laura"
    assert rules(long_text, channel="twitter") == {"channel-length": "block"}
    assert rules(long_text, channel="facebook") == {}


def test_voice_mixed_against_the_brand_warns() -> None:
    usted = "Hola, Ana. Lamentamos el cobro doble de su factura; le escribimos hoy. — Laura"
    assert rules(usted, voice="tu") == {"voice-mixed": "warn"}
    assert rules(usted, voice="usted") == {}
    assert rules(GOOD, voice="usted") == {"voice-mixed": "warn"}


def test_optional_embedder_catches_a_paraphrase_the_fuzzy_match_misses() -> None:
    sent = ["Hola, Pedro. Revisaremos enseguida tu reclamo por el cargo repetido en el recibo. — Laura"]

    def embed(texts: object) -> list[list[float]]:
        # Toy embedder: every reply about a duplicated charge maps to the same direction.
        return [[1.0, 0.0] if ("doble" in t or "repetido" in t) else [0.0, 1.0] for t in texts]  # type: ignore[attr-defined]

    context = ctx(recent_replies_to_others=sent)
    assert check_reply(GOOD, context).verdict == "ok"
    assert check_reply(GOOD, context, embedder=embed).rules == ["looks-automatic"]
