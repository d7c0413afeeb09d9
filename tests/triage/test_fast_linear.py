"""The prediction-only heads reproduce scikit-learn's probabilities exactly."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from cauce.triage.fast_linear import FastLinearHead, fast_head


def _data(classes: int) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(0)
    X = sp.random(120, 40, density=0.2, format="csr", random_state=1)
    y = rng.integers(0, classes, 120)
    return X, np.asarray([f"c{v}" for v in y])


def test_binary_head_matches_sklearn() -> None:
    X, y = _data(2)
    model = LogisticRegression(solver="liblinear", C=3.0).fit(X, y)
    fast = fast_head(model)
    assert isinstance(fast, FastLinearHead)
    assert np.allclose(fast.predict_proba(X), model.predict_proba(X))
    assert list(fast.predict(X)) == list(model.predict(X))


def test_one_vs_rest_head_matches_sklearn() -> None:
    X, y = _data(4)
    model = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=3.0)).fit(X, y)
    fast = fast_head(model)
    assert isinstance(fast, FastLinearHead)
    assert np.allclose(fast.predict_proba(X), model.predict_proba(X))
    assert list(fast.predict(X)) == list(model.predict(X))


def test_other_models_are_left_alone() -> None:
    X, y = _data(3)
    model = LogisticRegression(max_iter=500).fit(X.toarray(), y)
    assert fast_head(model) is model
