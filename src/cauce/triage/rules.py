"""Lexicon rules for the text labels: the fallback when no trained model is shipped, and the
guard-rails the trained classifier is combined with (flags are never left to a model alone).
"""

from __future__ import annotations

import math

from cauce.triage.doc import Doc
from cauce.triage.lexicons import CATEGORY_CUES
from cauce.triage.signals import TextSignals

CATEGORY_ORDER: tuple[str, ...] = tuple(CATEGORY_CUES)


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def is_sarcastic(sig: TextSignals) -> bool:
    """Praise words used to complain: "Gracias por dejarme sin internet 👏👏"."""
    return sig.sarcasm > 0 and (sig.complaint > 0 or sig.negative > 0 or sig.praise > 0)


def complaint_score(sig: TextSignals) -> float:
    sarcastic = is_sarcastic(sig)
    praise = 0 if sarcastic else sig.praise
    raw = (
        1.4 * sig.complaint + 0.6 * sig.negative + 1.5 * sarcastic + 0.6 * len(sig.insults)
        + 0.5 * len(sig.swearing) + 0.8 * len(sig.legal) + 0.8 * sig.anger_words + 0.5 * sig.anger_emoji
        + 0.6 * sig.boycott + 0.5 * sig.generalised + 0.3 * min(sig.exclamations, 3)
        - 1.0 * praise - 0.4 * sig.petition - 0.8 * sig.suggestion
    )
    return _sigmoid(2.0 * (raw - 0.9))


def category(sig: TextSignals) -> str:
    counts = sig.categories
    best = max(range(len(counts)), key=lambda i: (counts[i], -i))
    return CATEGORY_ORDER[best] if counts[best] > 0 else "otro"


def pqr_type(sig: TextSignals, complaint: bool) -> str:
    if complaint:
        # A reclamo demands a specific remedy ("exijo el reembolso", "solicito la baja");
        # a queja expresses dissatisfaction.
        return "reclamo" if sig.concrete_request and sig.customer_evidence else "queja"
    if sig.suggestion:
        return "sugerencia"
    if sig.praise and not sig.negative:
        return "felicitacion"
    if sig.petition or sig.questions or sig.concrete_request:
        return "peticion"
    return "otro"


def sentiment(sig: TextSignals, complaint: bool) -> str:
    sarcastic = is_sarcastic(sig)
    positive = 0 if sarcastic else sig.praise
    negative = sig.negative + sig.complaint + len(sig.insults) + sarcastic
    if complaint or negative > positive:
        return "negativo"
    return "positivo" if positive > negative else "neutro"


def anger(sig: TextSignals, complaint: bool) -> float:
    value = (
        0.12 * min(sig.negative, 3) + 0.25 * min(sig.anger_words, 2) + 0.2 * min(sig.anger_emoji, 2)
        + 0.06 * min(sig.exclamations, 4) + (0.2 if sig.caps > 0.6 else 0.0) + 0.25 * min(len(sig.insults), 2)
        + 0.1 * min(len(sig.swearing), 2) + 0.3 * bool(sig.threats) + 0.1 * bool(sig.sarcasm)
    )
    if not complaint and sig.negative == 0 and not sig.insults and not sig.threats:
        value *= 0.3
    return max(0.0, min(1.0, value))


class RuleClassifier:
    """Complaint, PQR type, category, sentiment, anger and flags from the lexicons alone."""

    name = "classify"
    version = "rules-1"

    def __call__(self, docs: list[Doc]) -> None:
        for doc in docs:
            sig = doc.sig
            doc.complaint_score = complaint_score(sig)
            doc.is_complaint = doc.complaint_score >= 0.5
            doc.category = category(sig) if doc.is_complaint else None
            doc.pqr_type = pqr_type(sig, doc.is_complaint)
            doc.sentiment = sentiment(sig, doc.is_complaint)
            doc.anger = anger(sig, doc.is_complaint)
            doc.sarcasm = is_sarcastic(sig)
            doc.abusive = bool(sig.insults)
            doc.threat = bool(sig.threats)
            doc.legal_risk = bool(sig.legal)
