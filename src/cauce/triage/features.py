"""Text features for the trained classifiers: word and character n-gram TF-IDF on the
normalised text, plus the lexicon signals as a few dense columns (they carry what a small
corpus cannot teach: dialect insults, consumer agencies, sarcasm patterns).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from cauce.triage.rules import complaint_score, is_sarcastic
from cauce.triage.signals import TextSignals, text_signals

SIGNAL_NAMES: tuple[str, ...] = (
    "insults", "swearing", "threats", "legal", "mockery", "boycott", "generalised", "old_grievance",
    "customer_evidence", "concrete_request", "complaint", "sarcasm", "sarcastic", "petition",
    "suggestion", "praise", "negative", "anger_words", "anger_emoji", "exclamations", "questions",
    "caps", "rule_complaint", "cat_cobro", "cat_entrega", "cat_contrato", "cat_producto",
    "cat_atencion", "cat_garantia",
)
SIGNAL_WEIGHT = 1.0  # dense columns are in 0..1, comparable to TF-IDF weights after l2 norm


def _clip(value: float, top: float = 3.0) -> float:
    return min(value, top) / top


def signal_vector(sig: TextSignals) -> list[float]:
    return [
        _clip(len(sig.insults)), _clip(len(sig.swearing)), _clip(len(sig.threats)), _clip(len(sig.legal)),
        _clip(sig.mockery), _clip(sig.boycott), _clip(sig.generalised), _clip(sig.old_grievance),
        _clip(sig.customer_evidence), _clip(sig.concrete_request), _clip(sig.complaint), _clip(sig.sarcasm),
        float(is_sarcastic(sig)), _clip(sig.petition), _clip(sig.suggestion), _clip(sig.praise),
        _clip(sig.negative), _clip(sig.anger_words), _clip(sig.anger_emoji), _clip(sig.exclamations, 5),
        _clip(sig.questions, 3), sig.caps, complaint_score(sig),
        *(_clip(count) for count in sig.categories),
    ]


_FEATURE_SOURCES = ("normalise.py", "lexicons.py", "signals.py", "rules.py", "features.py")


def feature_code_digest() -> str:
    """Hash of the code that turns text into features: models must be retrained when it changes."""
    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for name in _FEATURE_SOURCES:
        digest.update((folder / name).read_bytes())
    digest.update((folder.parent / "textnorm.py").read_bytes())  # the folding shared with the tone guard
    return digest.hexdigest()


class TextFeaturizer:
    """Fit on training texts; transform any texts into one sparse matrix."""

    def __init__(self, *, use_signals: bool = True, max_word: int = 60_000, max_char: int = 120_000) -> None:
        self.use_signals = use_signals
        self.word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                    max_features=max_word, token_pattern=r"(?u)[\w@#]+|[^\w\s]",
                                    lowercase=False, dtype=np.float32)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                    max_features=max_char, lowercase=False, dtype=np.float32)

    @staticmethod
    def _norm(texts: Sequence[str]) -> list[str]:
        return [text_signals(text).norm for text in texts]

    def fit(self, texts: Sequence[str]) -> TextFeaturizer:
        norm = self._norm(texts)
        self.word.fit(norm)
        self.char.fit(norm)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        norm = self._norm(texts)
        blocks = [self.word.transform(norm), self.char.transform(norm)]
        if self.use_signals:
            dense = np.asarray([signal_vector(text_signals(t)) for t in texts], dtype=np.float32)
            blocks.append(sp.csr_matrix(dense * SIGNAL_WEIGHT))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.fit(texts).transform(texts)
