"""The trained text classifier: one featurizer, one linear model per label, combined with the
lexicon rules so the flags keep their guard-rails (swearing is not abuse, suing is not a threat).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cauce.triage.doc import Doc
from cauce.triage.fast_linear import fast_head
from cauce.triage.features import TextFeaturizer, feature_code_digest
from cauce.triage.rules import RuleClassifier, is_sarcastic

log = logging.getLogger(__name__)

MODEL_FILE = "text_models.joblib"
META_FILE = "meta.json"
COMPLAINT_TYPES = ("queja", "reclamo")
# How far a model may overrule the lexicon on a flag (see `combine_flag`).
RULE_HIT_FLOOR = 0.25
RULE_MISS_FLOOR = 0.4  # chosen on out-of-fold training predictions (0.4–0.6 compared)
# A threat flag raises priority and anger: without a threat pattern the model alone must be surer. On the
# corpus test split no threat without a lexicon hit scores in [0.4, 0.6); on real tweets the model-only
# flags in that band were wishes, jokes and a fan's plans (benchmarks/triage/threat_review.tsv).
THREAT_MISS_FLOOR = 0.6


@dataclass
class TextModels:
    """What `cauce train` fits and `joblib` stores. A head is None when the corpus lacks its classes."""

    featurizer: TextFeaturizer
    heads: dict[str, Any]  # name -> fitted classifier with predict_proba and classes_
    thresholds: dict[str, float] = field(default_factory=dict)


def combine_flag(rule_hit: bool, probability: float, threshold: float, miss_floor: float = RULE_MISS_FLOOR) -> bool:
    """A lexicon hit needs little confirmation; without one the model must be clearly sure."""
    if rule_hit:
        return probability >= min(threshold, RULE_HIT_FLOOR)
    return probability >= max(threshold, miss_floor)


def _positive(head: Any, X: Any) -> np.ndarray:
    proba = head.predict_proba(X)
    classes = list(head.classes_)
    return proba[:, classes.index(True)] if True in classes else np.zeros(X.shape[0])


def _shared_features(docs: list[Doc]) -> Any:
    """The batch matrix an earlier component stored, if every doc has its own row of one matrix."""
    first = docs[0].features
    if first is None or first[0].shape[0] != len(docs):
        return None
    matrix = first[0]
    if all(d.features is not None and d.features[0] is matrix and d.features[1] == i for i, d in enumerate(docs)):
        return matrix
    return None


class TrainedClassifier:
    """Complaint, PQR type, category, sentiment, anger and flags from the trained models."""

    name = "classify"

    def __init__(self, models: TextModels, version: str) -> None:
        self.models = models
        self.version = version
        self._rules = RuleClassifier()
        self._heads = {name: fast_head(head) for name, head in models.heads.items() if head is not None}

    def __call__(self, docs: list[Doc]) -> None:
        if not docs:
            return
        self._rules(docs)  # fallback values and the lexicon side of every flag
        rule_flags = [(d.abusive, d.threat, d.legal_risk) for d in docs]
        heads, thresholds = self._heads, self.models.thresholds
        X = _shared_features(docs)  # computed by the relevance component from the same featurizer
        if X is None:
            X = self.models.featurizer.transform([d.text for d in docs])
            for row, doc in enumerate(docs):
                doc.features = (X, row)

        if heads.get("complaint") is not None:
            scores = _positive(heads["complaint"], X)
            threshold = thresholds.get("complaint", 0.5)
            for doc, score in zip(docs, scores, strict=True):
                doc.complaint_score = float(score)
                doc.is_complaint = bool(score >= threshold)
                doc.scores["complaint_threshold"] = threshold
        if heads.get("pqr") is not None:
            self._pqr(docs, heads["pqr"], X)
        if heads.get("category") is not None:
            probabilities = heads["category"].predict_proba(X)
            classes = list(heads["category"].classes_)
            for doc, row in zip(docs, probabilities, strict=True):
                doc.category = str(classes[int(np.argmax(row))]) if doc.is_complaint else None
        if heads.get("sentiment") is not None:
            predicted = heads["sentiment"].predict(X)
            for doc, label in zip(docs, predicted, strict=True):
                doc.sentiment = "negativo" if doc.is_complaint and label == "positivo" else str(label)
        if heads.get("anger") is not None:
            probabilities = heads["anger"].predict_proba(X)
            levels = np.asarray(heads["anger"].classes_, dtype=np.float64)
            expected = probabilities @ levels / 3.0
            for doc, value in zip(docs, expected, strict=True):
                doc.anger = float(min(1.0, max(0.0, value)))
        for index, flag in enumerate(("abusive", "threat", "legal_risk")):
            if heads.get(flag) is None:
                continue
            probabilities = _positive(heads[flag], X)
            threshold = thresholds.get(flag, 0.5)
            for doc, rules, p in zip(docs, rule_flags, probabilities, strict=True):
                decision = combine_flag(rules[index], float(p), threshold,
                                        THREAT_MISS_FLOOR if flag == "threat" else RULE_MISS_FLOOR)
                if flag == "threat" and not rules[1] and doc.sig.legal:
                    decision = float(p) >= 0.9  # "los voy a demandar" shares words with threats
                setattr(doc, flag, decision)
                doc.scores[f"p_{flag}"] = float(p)
        if heads.get("sarcasm") is not None:
            probabilities = _positive(heads["sarcasm"], X)
            threshold = thresholds.get("sarcasm", 0.5)
            for doc, p in zip(docs, probabilities, strict=True):
                doc.sarcasm = combine_flag(is_sarcastic(doc.sig), float(p), threshold)
        for doc in docs:
            if doc.threat:
                doc.anger = max(doc.anger, 0.6)

    @staticmethod
    def _pqr(docs: list[Doc], head: Any, X: Any) -> None:
        """PQR type consistent with the complaint decision (queja/reclamo iff complaint)."""
        probabilities = head.predict_proba(X)
        classes = [str(c) for c in head.classes_]
        complaint_mask = np.array([c in COMPLAINT_TYPES for c in classes])
        for doc, row in zip(docs, probabilities, strict=True):
            allowed = complaint_mask if doc.is_complaint else ~complaint_mask
            if not allowed.any():
                continue
            masked = np.where(allowed, row, -1.0)
            doc.pqr_type = classes[int(np.argmax(masked))]


@lru_cache(maxsize=4)
def load_models(models_dir: Path) -> tuple[TextModels, str] | None:
    """The shipped models and their version, read once per process (None if absent or unreadable)."""
    path = models_dir / MODEL_FILE
    if not path.is_file():
        return None
    import joblib

    try:
        models = joblib.load(path)
    except Exception as exc:  # a corrupt or incompatible file must not break ingest
        log.error("no se pudo cargar %s (%s); se usan las reglas", path, exc)
        return None
    if not isinstance(models, TextModels):
        log.error("%s no contiene modelos de triage; se usan las reglas", path)
        return None
    version = "trained"
    meta_path = models_dir / META_FILE
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        version = str(meta.get("version", version))
        if meta.get("feature_code_sha256") not in (None, feature_code_digest()):
            log.warning("los modelos de %s se entrenaron con otras reglas de texto; ejecute `cauce train`",
                        models_dir)
    return models, version
