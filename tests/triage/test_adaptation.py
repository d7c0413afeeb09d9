"""The per-organisation adapter on its own: near-duplicate overrides per field, a consistent complaint
and PQR type, the score correction, determinism, and assessments passing through without an adapter."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cauce.triage import adaptation
from cauce.triage.adaptation import Adapter, LabelledText
from cauce.triage.features import TextFeaturizer
from cauce.triage.schemas import Assessment

FAN = "Que lindo vivir en esta etapa del fútbol y ver a este monstruo que es MESSI"
BILL = "@conectel me cobraron dos veces la factura y nadie responde"
TEXTS = [FAN, BILL, "Vamos a soñar y a viajar #DiaDelLibro", "sin internet hace tres días en Suba",
         "gracias por la atención, todo resuelto", "quiero cambiar mi plan a uno con más megas"]


@pytest.fixture(scope="module")
def featurizer() -> TextFeaturizer:
    return TextFeaturizer().fit(TEXTS * 2)


def _assessment(**kw: object) -> Assessment:
    base: dict[str, object] = dict(language="es", is_complaint=True, complaint_score=0.9, pqr_type="queja",
                                   category="producto", sentiment="negativo", anger=0.4, abusive=False, threat=False,
                                   legal_risk=False, author_role="cliente", role_confidence=0.7, priority=40,
                                   model_version="m1", extra={"complaint_threshold": 0.5})
    base.update(kw)
    return Assessment(**base)  # type: ignore[arg-type]


def _scores(texts: list[str]) -> list[float]:
    return [0.9] * len(texts)


def test_a_near_duplicate_of_a_corrected_text_takes_the_corrected_values(featurizer: TextFeaturizer) -> None:
    adapter = Adapter.fit(featurizer, [LabelledText(FAN, "pqr_type", "otro"),
                                       LabelledText(FAN, "sentiment", "positivo"),
                                       LabelledText(BILL, "threat", "true"),
                                       LabelledText(BILL, "category", "cobro")], _scores, version=3)
    similar = FAN.replace("MESSI", "Messi!!")
    out = adapter.apply([similar, BILL, "hoy llueve en Bogotá"], [_assessment()] * 3)
    fan, bill, other = out
    assert (fan.is_complaint, fan.pqr_type, fan.category, fan.sentiment) == (False, "otro", None, "positivo")
    assert fan.model_version == "m1+org-v3" and fan.extra["adapter_overrides"] >= 2
    assert bill.threat is True and bill.category == "cobro" and bill.is_complaint is True
    assert other == replace(_assessment(), model_version="m1+org-v3", extra=other.extra)  # unrelated: unchanged


def test_a_later_correction_wins_and_complaint_implies_a_complaint_type(featurizer: TextFeaturizer) -> None:
    adapter = Adapter.fit(featurizer, [LabelledText(FAN, "is_complaint", "false"),
                                       LabelledText(FAN, "is_complaint", "true")], _scores)
    (a,) = adapter.apply([FAN], [_assessment(is_complaint=False, pqr_type="otro", category=None)])
    assert a.is_complaint is True and a.pqr_type == "queja" and a.category == "otro"


def test_the_score_correction_is_deterministic_and_moves_what_was_corrected(featurizer: TextFeaturizer) -> None:
    examples = [LabelledText(f"{FAN} {i}", "is_complaint", "false") for i in range(12)]
    anchors = [(BILL, True), ("sin internet hace tres días en Suba", True)]
    one = Adapter.fit(featurizer, examples, _scores, anchors=anchors)
    two = Adapter.fit(featurizer, list(examples), _scores, anchors=anchors)
    assert one.corrects_score and np.array_equal(one.weights, two.weights)
    texts = ["Qué lindo este monstruo del fútbol, MESSI", BILL + " otra vez"]
    base = [_assessment(), _assessment()]
    fan, bill = one.apply(texts, base)
    assert fan.complaint_score < 0.9 and bill.complaint_score > fan.complaint_score
    assert fan.extra["shipped_complaint_score"] == 0.9


def test_without_an_adapter_assessments_pass_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adaptation, "_lookup", lambda session, organisation_id: None)
    base = [_assessment()]
    assert adaptation.adapt(None, [1], [FAN], base) == base


def test_any_yes_no_field_of_the_assessment_is_learned(featurizer: TextFeaturizer) -> None:
    """`relevant` (or any new yes/no field) needs no change here: a correction of it is an override."""
    assert "relevant" in adaptation.FLAG_FIELDS
    adapter = Adapter.fit(featurizer, [LabelledText(FAN, "relevant", "false")], _scores)
    (a,) = adapter.apply([FAN], [_assessment()])
    assert a.relevant is False and a.is_complaint is True
