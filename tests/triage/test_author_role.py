"""Author role: conservative, explained, and never a customer called a troll."""

from __future__ import annotations

import pytest
from triage_helpers import history, mention

from cauce.triage.pipeline import Pipeline, load_default
from cauce.triage.schemas import History


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_default()


def test_customer_who_insults_once_after_being_ignored_is_still_a_customer(pipeline: Pipeline) -> None:
    prior = history(
        "Hola, mi pedido 558812 no ha llegado, ¿me pueden ayudar?",
        "Sigo esperando respuesta sobre mi pedido 558812",
        "Ya van 5 días, por favor respondan",
    )
    result = pipeline.assess(mention("Son unos inútiles, idiotas, nadie responde nada"), prior)
    assert result.abusive
    assert result.author_role == "cliente"
    assert "3 mensajes sin respuesta" in result.reasons
    assert any(e.signal in {"concrete_request", "customer_evidence"} for e in result.evidence)


def test_single_mocking_message_is_not_enough_for_troll(pipeline: Pipeline) -> None:
    result = pipeline.assess(mention("jajaja qué ridículos 🤡"), History())
    assert result.author_role != "troll"


def test_repeated_mockery_and_pile_ons_make_a_troll_with_evidence(pipeline: Pipeline) -> None:
    prior = history("jajaja pobres payasos 🤡", "sigan llorando jaja, ridículos 😂", reply_to_other=True)
    result = pipeline.assess(mention("jajaja qué circo de empresa, payasos 🤡🤡"),
                             History(prior_messages=prior.prior_messages, reply_to_other=True))
    assert result.author_role == "troll"
    assert result.role_confidence >= 0.6
    signals = {e.signal for e in result.evidence}
    assert {"mockery", "pile_on"} <= signals
    assert any("troll" in reason for reason in result.reasons)


def test_grudge_without_requests_is_hostile(pipeline: Pipeline) -> None:
    prior = history("No compren en esta empresa, siempre es lo mismo",
                    "Desde hace 3 años me robaron y nunca me solucionaron")
    result = pipeline.assess(mention("Boicot a esta empresa, la peor empresa del país, no les compren"), prior)
    assert result.author_role == "hostil"
    assert any(e.signal == "boycott_call" for e in result.evidence)


def test_customer_evidence_vetoes_troll(pipeline: Pipeline) -> None:
    prior = history("jajaja qué payasos 🤡", "jaja ridículos, mi factura 99812 sigue mal cobrada", reply_to_other=True)
    result = pipeline.assess(mention("jajaja pobres payasos, arreglen mi factura 🤡"), prior)
    assert result.author_role != "troll"


def test_neutral_mention_is_ninguno(pipeline: Pipeline) -> None:
    result = pipeline.assess(mention("Hoy vi el anuncio nuevo de la marca en la tele"), History())
    assert result.author_role == "ninguno"
