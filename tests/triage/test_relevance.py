"""Relevance comes before complaint/PQR: addressed -> relevant; named -> relevant unless a homonym or an
exclusion term wins; neither -> only a clear customer experience; no brand context -> as before unless the
text clearly is not a customer's (issue 13)."""

from __future__ import annotations

import pytest
from tests.triage.triage_helpers import mention

from cauce.triage.doc import Doc
from cauce.triage.pipeline import Pipeline, load_default
from cauce.triage.relevance import judge
from cauce.triage.schemas import BrandContext, History
from cauce.triage.signals import text_signals

TELCO = BrandContext(name="TelcoNova", handles=("@TelcoNova", "@TelcoNovaAyuda"), terms=("TelcoNova", "NovaFibra"),
                     exclusion_terms=("telenovela",), homonyms=("Estadio TelcoNova", "Arena TelcoNova"))
STORE = BrandContext(name="Liverpool", handles=("@LiverpoolMx",), terms=("Liverpool",),
                     exclusion_terms=("Anfield", "Premier", "Salah", "Klopp", "the reds"))


def doc(text: str, brand: BrandContext | None = TELCO, **history: bool) -> Doc:
    return Doc(mention=mention(text), history=History(brand=brand, **history),  # type: ignore[arg-type]
               signals=text_signals(text))


@pytest.mark.parametrize("history", [{"addressed_to_brand": True}, {"on_own_page": True}])
def test_addressed_to_the_brand_is_relevant_whatever_the_text(history: dict[str, bool]) -> None:
    relevant, score, reasons = judge(doc("jajaja qué partidazo anoche", TELCO, **history), 0.02)
    assert relevant and score >= 0.9 and reasons


def test_tagging_a_brand_handle_is_addressing_it() -> None:
    relevant, _, reasons = judge(doc("@telconovaayuda qué buen partido el de ayer"), 0.02)
    assert relevant and "TelcoNova" in reasons[0]


def test_naming_the_brand_or_a_term_is_relevant() -> None:
    assert judge(doc("TelcoNova anuncia nuevas tarifas para 2027"), 0.1)[0]
    assert judge(doc("alguien tiene #novafibra en Chapinero?"), 0.1)[0]


def test_homonym_only_is_irrelevant_unless_the_brand_is_named_elsewhere() -> None:
    relevant, _, reasons = judge(doc("Concierto de Karol G en el Estadio TelcoNova el sábado"), 0.1)
    assert not relevant and "homónimo" in reasons[0]
    assert judge(doc("Estadio TelcoNova lleno y TelcoNova sin señal en todo el estadio"), 0.4)[0]


def test_exclusion_term_wins_over_the_name_unless_a_customer_speaks() -> None:
    assert not judge(doc("Liverpool gana en Anfield con doblete de Salah", STORE), 0.05)[0]
    assert judge(doc("Liverpool me cobró dos veces el refrigerador", STORE), 0.6)[0]
    assert judge(doc("En Liverpool no me han entregado mi pedido y Salah metió gol", STORE), 0.97)[0]


def test_neither_named_nor_addressed_needs_a_clear_customer_experience() -> None:
    assert not judge(doc("qué golazo de Messi, no lo puedo creer"), 0.3)[0]
    relevant, _, reasons = judge(doc("llevo tres días sin internet y nadie me responde"), 0.97)
    assert relevant and "cliente" in reasons[0]


def test_without_brand_context_relevant_unless_clearly_not_customer_text() -> None:
    assert judge(doc("llevo tres días sin internet", brand=None), 0.5)[0]
    assert not judge(doc("qué golazo de Messi", brand=None), 0.01)[0]
    assert judge(doc("qué golazo de Messi", brand=None, addressed_to_brand=True), 0.01)[0]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_default()


@pytest.mark.parametrize("text", [
    "Qué golazo de Vinícius en el minuto 90, el Madrid campeón ❤️",
    "Terminé de ver La casa de papel y lloré con el final",
    "Hay que matarlos a todos, esos políticos son una plaga",
    "El presidente anunció hoy la reforma tributaria en cadena nacional",
    "Feliz día del libro a todos los que leen 📚",
    "Sigue a esta cuenta y gana un iPhone 15, link en bio",
    "No soporto a mi suegra, es insoportable la señora",
])
def test_shipped_model_calls_off_topic_posts_irrelevant_with_brand_context(pipeline: Pipeline, text: str) -> None:
    brand = BrandContext(name="Conectel", handles=("@Conectel",), terms=("Conectel",))
    assessment = pipeline.assess(mention(text), History(brand=brand))
    assert not assessment.relevant and assessment.relevance_reasons


def test_shipped_model_keeps_customer_complaints_relevant(pipeline: Pipeline) -> None:
    brand = BrandContext(name="Conectel", handles=("@Conectel",), terms=("Conectel",))
    named = pipeline.assess(mention("Conectel me cobró dos veces la factura de marzo"), History(brand=brand))
    addressed = pipeline.assess(mention("sigo sin señal"), History(brand=brand, addressed_to_brand=True))
    assert named.relevant and named.is_complaint and addressed.relevant


def test_irrelevant_mention_keeps_a_low_priority_and_says_why(pipeline: Pipeline) -> None:
    brand = BrandContext(name="Conectel", handles=("@Conectel",), terms=("Conectel",))
    text = "qué asco de partido, el árbitro es un inútil y nos robaron otra vez"
    plain = pipeline.assess(mention(text), History())
    branded = pipeline.assess(mention(text), History(brand=brand))
    assert not branded.relevant
    assert branded.priority < plain.priority or plain.priority == 0
    assert branded.reasons[0].startswith("no relevante")
