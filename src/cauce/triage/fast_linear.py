"""Prediction-only copies of the fitted linear heads: one sparse matrix product per head.

scikit-learn re-validates its input on every call, and a one-vs-rest head makes one call per
class; for small streaming batches that overhead costs more than the arithmetic. These copies
reproduce `predict_proba` exactly (logistic sigmoid, one-vs-rest row normalisation).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier


class FastLinearHead:
    def __init__(self, weights: np.ndarray, bias: np.ndarray, classes: np.ndarray, *, one_vs_rest: bool) -> None:
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)  # n_features x outputs
        self.bias = bias.astype(np.float64)
        self.classes_ = classes
        self.one_vs_rest = one_vs_rest

    def predict_proba(self, X: Any) -> np.ndarray:
        scores = np.asarray(X @ self.weights) + self.bias
        positive = 1.0 / (1.0 + np.exp(-scores))
        if not self.one_vs_rest:
            return np.hstack([1.0 - positive, positive])
        total = positive.sum(axis=1, keepdims=True)
        return positive / np.where(total == 0, 1.0, total)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def fast_head(head: Any) -> Any:
    """A fast copy of a binary liblinear LR or a one-vs-rest of them; anything else unchanged."""
    if isinstance(head, LogisticRegression) and head.coef_.shape[0] == 1:
        return FastLinearHead(head.coef_.T, head.intercept_, head.classes_, one_vs_rest=False)
    if (isinstance(head, OneVsRestClassifier) and len(head.estimators_) > 2
            and all(isinstance(e, LogisticRegression) and e.coef_.shape[0] == 1 for e in head.estimators_)):
        weights = np.hstack([e.coef_.T for e in head.estimators_])
        bias = np.concatenate([e.intercept_ for e in head.estimators_])
        return FastLinearHead(weights, bias, head.classes_, one_vs_rest=True)
    return head
