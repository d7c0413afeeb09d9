"""The threat flag on real-stream shapes (issue 13): the model alone, without a threat pattern, must be
surer (`THREAT_MISS_FLOOR`); wishes, plans, teaching and fear of an attack are not the author's threat.
Texts are our paraphrases of the kinds of false alarm read on HatEval/EmoEvent, not the tweets."""

from __future__ import annotations

import pytest
from triage_helpers import mention

from cauce.triage.pipeline import Pipeline, load_default
from cauce.triage.schemas import History


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_default()


@pytest.mark.parametrize("text", [
    "en cuanto cobre lo primero que voy a hacer es ir a verlos en concierto",
    "le voy a enseñar a mi sobrina a ser valiente",
    "cualquier día nos ponen una bomba en el estadio, qué miedo",
    "ojalá lo supiéramos, aquí nadie explica nada",
])
def test_not_the_authors_threat(pipeline: Pipeline, text: str) -> None:
    assert not pipeline.assess(mention(text), History()).threat


@pytest.mark.parametrize("text", [
    "te voy a matar, sé dónde vives",
    "vamos todos a linchar al de la tienda esta noche",
    "filtré los datos de la supervisora, a ver si sigue tan valiente",
    "cuando tomemos el poder ejecutaremos a todos ellos",
    "si me vuelve a pasar le doy cuatro tiros",
])
def test_explicit_threats_still_flagged(pipeline: Pipeline, text: str) -> None:
    assert pipeline.assess(mention(text), History()).threat
