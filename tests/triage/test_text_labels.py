"""Clear Spanish examples of each label, and the hard cases the playbook insists on."""

from __future__ import annotations

import pytest
from triage_helpers import mention

from cauce.triage.pipeline import Pipeline, load_default
from cauce.triage.schemas import Assessment, History


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_default()


def judge(pipeline: Pipeline, text: str) -> Assessment:
    return pipeline.assess(mention(text), History())


@pytest.mark.parametrize("text", [
    "Gracias por dejarme sin internet 👏👏",
    "Llevo 5 días esperando mi pedido y nadie me responde",
    "Me cobraron dos veces la factura de este mes, exijo el reembolso",
    "Pésimo servicio, tercera vez que se cae la señal esta semana",
])
def test_complaints_are_complaints(pipeline: Pipeline, text: str) -> None:
    result = judge(pipeline, text)
    assert result.is_complaint
    assert result.sentiment == "negativo"
    assert result.pqr_type in {"queja", "reclamo"}
    assert result.category is not None


@pytest.mark.parametrize("text,expected", [
    ("Muchas gracias a la chica de la sucursal centro, excelente atención 😍", "felicitacion"),
    ("¿Cuál es el horario de atención de la sucursal del centro?", "peticion"),
    ("Deberían abrir también los domingos, sería muy útil", "sugerencia"),
])
def test_non_complaints_get_their_pqr_type(pipeline: Pipeline, text: str, expected: str) -> None:
    result = judge(pipeline, text)
    assert not result.is_complaint
    assert result.pqr_type == expected
    assert result.category is None


def test_praise_is_positive(pipeline: Pipeline) -> None:
    assert judge(pipeline, "Excelente servicio, los felicito, todo llegó perfecto ❤️").sentiment == "positivo"


@pytest.mark.parametrize("text,category", [
    ("Me cobraron dos veces la factura, quiero mi dinero de vuelta", "cobro"),
    ("Mi paquete no ha llegado, el repartidor nunca pasó y la guía no se mueve", "entrega"),
    ("Quiero cancelar el contrato y me dicen que tengo permanencia de 12 meses", "contrato"),
    ("El asesor me colgó dos veces y fue muy grosero en la línea de atención", "atencion"),
])
def test_complaint_category(pipeline: Pipeline, text: str, category: str) -> None:
    result = judge(pipeline, text)
    assert result.is_complaint
    assert result.category == category


@pytest.mark.parametrize("text", ["qué mierda de servicio, otra vez sin señal", "¡ay hijueputa, otra vez!",
                                  "puta madre, se volvió a caer el internet"])
def test_swearing_about_a_situation_is_not_abusive(pipeline: Pipeline, text: str) -> None:
    assert not judge(pipeline, text).abusive


@pytest.mark.parametrize("text", ["son unos ladrones hijos de puta", "eres un idiota, inútil",
                                  "@asesor_pepe pendejo de mierda", "bola de incompetentes, malparidos"])
def test_insults_aimed_at_people_are_abusive(pipeline: Pipeline, text: str) -> None:
    assert judge(pipeline, text).abusive


def test_threat_to_sue_is_legal_risk_not_threat(pipeline: Pipeline) -> None:
    result = judge(pipeline, "Si no me devuelven el dinero los voy a demandar")
    assert result.legal_risk
    assert not result.threat


@pytest.mark.parametrize("text", ["Voy a poner la queja en Profeco", "Ya radiqué la denuncia ante la SIC",
                                  "Los voy a reportar al SERNAC", "Esto termina en Indecopi"])
def test_consumer_agencies_are_legal_risk(pipeline: Pipeline, text: str) -> None:
    assert judge(pipeline, text).legal_risk


@pytest.mark.parametrize("text", ["sé dónde vives, cuídate", "te voy a partir la cara cuando salgas",
                                  "vamos a quemar la sucursal del centro"])
def test_threats(pipeline: Pipeline, text: str) -> None:
    result = judge(pipeline, text)
    assert result.threat
    assert "amenaza" in result.reasons


@pytest.mark.parametrize("text,language", [
    ("Llevo tres días sin internet y nadie me ayuda", "es"),
    ("I have been waiting for my order for two weeks and nobody answers", "en"),
    ("Estou esperando a entrega há duas semanas e ninguém responde", "pt"),
])
def test_language(pipeline: Pipeline, text: str, language: str) -> None:
    assert judge(pipeline, text).language == language


@pytest.mark.parametrize("text", [
    "<script>alert('x')</script> pésimo servicio",
    "a" * 100_000,
    "Z̴̡̢̛̗̘̙̜̝̞̟̠̤̥̦̩̪̫̬̭̮̯̰̱̲̳̹̺̻̼͇͈͉͍͎̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̽̾̿̀́͂̓̈́͆͊͋͌ͅ͏͓͔͕͖͙͚͐͑͒͗͛ͣͤͥͦͧͨͩͪͫͬͭͮͯ͘͜͟͢͝͞͠͡ algo",
    "\u202e\u200b🙂🙂🙂" * 500,
    "",
])
def test_hostile_text_is_handled(pipeline: Pipeline, text: str) -> None:
    result = judge(pipeline, text)
    assert 0 <= result.priority <= 100
    assert 0.0 <= result.anger <= 1.0
