"""Per-organisation adaptation on top of the shipped triage models.

An organisation's agents correct triage; their corrections (text, field, value) train an `Adapter`
that sits after the shipped assessor and changes only what those corrections teach:

- **near-duplicate overrides**: a mention whose shipped feature vector is within `NEAR_DUPLICATE`
  cosine of a corrected text takes that text's corrected value, field by field;
- **logistic correction of the complaint score**: `p' = σ(logit(p) + x·w + b)` with the shipped
  score as a fixed offset and `w` over the shipped features, fitted with a strong L2 penalty, so
  with few corrections it stays close to the shipped model and moves only where they agree.

Fitting is deterministic (examples in id order, latest value per text and field, L-BFGS from zero).
Which adapter an organisation uses is the corrections feature's business: it registers a lookup
here (`set_lookup`); without one, or without an adapter, assessments pass through unchanged.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.preprocessing import normalize

from cauce.triage.schemas import Assessment

log = logging.getLogger(__name__)

ADAPTED_FIELDS: tuple[str, ...] = ("is_complaint", "pqr_type", "category", "sentiment", "abusive", "threat",
                                   "legal_risk")
COMPLAINT_TYPES = frozenset({"queja", "reclamo"})
NEAR_DUPLICATE = 0.8  # cosine on the shipped features (word and character n-grams, lexicon signals)
L2 = 4.0  # penalty on the correction weights (the shipped score is the prior)
MIN_LOGISTIC = 10  # complaint labels needed before the score itself is corrected
_EPS = 1e-6


@dataclass(frozen=True)
class LabelledText:
    text: str
    field: str
    value: str  # "true"/"false" for flags, a vocabulary word otherwise


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _fit_offset_logistic(X: sp.csr_matrix, y: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, float]:
    """min Σ log(1+exp(-y(o + Xw + b))) + L2/2 |w|²: deterministic L-BFGS from zero."""
    d = X.shape[1]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:d], params[d]
        margin = y * (offset + X @ w + b)
        value = float(np.logaddexp(0.0, -margin).sum() + 0.5 * L2 * (w @ w) + 0.5 * 1e-2 * b * b)
        g = -y * _sigmoid(-margin)
        grad = np.empty(d + 1)
        grad[:d] = X.T @ g + L2 * w
        grad[d] = g.sum() + 1e-2 * b
        return value, grad

    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return np.asarray(result.x[:d], dtype=np.float64), float(result.x[d])


class Adapter:
    """One organisation's corrections, ready to apply to assessments of its mentions."""

    def __init__(self, featurizer: Any, version: int = 0) -> None:
        self.featurizer = featurizer
        self.version = version
        self.texts: list[str] = []
        self.memory: sp.csr_matrix | None = None  # l2-normalised shipped features of `texts`
        self.labels: dict[str, list[str | None]] = {}
        self.columns: np.ndarray = np.zeros(0, dtype=np.int64)
        self.weights: np.ndarray = np.zeros(0)
        self.bias = 0.0
        self.corrects_score = False

    @classmethod
    def fit(cls, featurizer: Any, examples: Sequence[LabelledText], complaint_scores: Callable[[list[str]], Any],
            *, version: int = 0) -> Adapter:
        """`examples` oldest first (a later correction of the same text and field wins);
        `complaint_scores(texts)` gives the shipped model's complaint probability of each text."""
        adapter = cls(featurizer, version)
        latest: dict[tuple[str, str], str] = {}
        order: dict[str, int] = {}
        for example in examples:
            if example.field not in ADAPTED_FIELDS:
                continue
            latest[(example.text, example.field)] = example.value
            order.setdefault(example.text, len(order))
        if not order:
            return adapter
        adapter.texts = sorted(order, key=order.__getitem__)
        index = {text: i for i, text in enumerate(adapter.texts)}
        adapter.labels = {f: [None] * len(adapter.texts) for f in ADAPTED_FIELDS}
        for (text, field), value in latest.items():
            adapter.labels[field][index[text]] = value
        # A PQR type says whether the text is a complaint too.
        for i, pqr in enumerate(adapter.labels["pqr_type"]):
            if pqr is not None and adapter.labels["is_complaint"][i] is None:
                adapter.labels["is_complaint"][i] = "true" if pqr in COMPLAINT_TYPES else "false"
        X = featurizer.transform(adapter.texts).tocsr()
        adapter.memory = normalize(X, norm="l2", copy=True).tocsr()
        rows = [i for i, v in enumerate(adapter.labels["is_complaint"]) if v is not None]
        if len(rows) >= MIN_LOGISTIC:
            Xr = X[rows]
            columns = np.unique(Xr.indices)
            y = np.array([1.0 if adapter.labels["is_complaint"][i] == "true" else -1.0 for i in rows])
            offset = _logit(np.asarray(complaint_scores([adapter.texts[i] for i in rows]), dtype=np.float64))
            adapter.columns = columns.astype(np.int64)
            adapter.weights, adapter.bias = _fit_offset_logistic(Xr[:, columns].astype(np.float64).tocsr(), y,
                                                                 offset)
            adapter.corrects_score = True
        return adapter

    @property
    def size(self) -> int:
        return len(self.texts)

    def apply(self, texts: Sequence[str], assessments: Sequence[Assessment]) -> list[Assessment]:
        if not texts or self.memory is None:
            return list(assessments)
        X = self.featurizer.transform(list(texts)).tocsr()
        sims = (normalize(X, norm="l2", copy=True) @ self.memory.T).toarray()
        corrected: np.ndarray | None = None
        if self.corrects_score:
            base = np.array([a.complaint_score for a in assessments], dtype=np.float64)
            shift = X[:, self.columns].astype(np.float64) @ self.weights + self.bias
            corrected = _sigmoid(_logit(base) + shift)
        near = {field: self._nearest(field, sims) for field in ADAPTED_FIELDS}
        return [self._one(a, {f: near[f][row] for f in ADAPTED_FIELDS},
                          None if corrected is None else float(corrected[row]))
                for row, a in enumerate(assessments)]

    def _nearest(self, field: str, sims: np.ndarray) -> list[str | None]:
        """Per row, the corrected value of the most similar corrected text, if it is a near-duplicate
        (ties: the earliest corrected text)."""
        labels = self.labels[field]
        mask = np.array([label is not None for label in labels])
        if not mask.any():
            return [None] * sims.shape[0]
        masked = np.where(mask[None, :], sims, -1.0)
        best = np.argmax(masked, axis=1)
        return [labels[int(j)] if masked[i, j] >= NEAR_DUPLICATE else None for i, j in enumerate(best)]

    def _one(self, a: Assessment, near: dict[str, str | None], score: float | None) -> Assessment:
        threshold = float(a.extra.get("complaint_threshold", 0.5))
        complaint_score = a.complaint_score if score is None else score
        if near["is_complaint"] is not None:
            complaint = near["is_complaint"] == "true"
            complaint_score = 1.0 if complaint else 0.0  # a corrected near-duplicate: no doubt left
        elif score is not None:
            complaint = score >= threshold
        else:
            complaint = a.is_complaint
        pqr = near["pqr_type"] or a.pqr_type
        if (pqr in COMPLAINT_TYPES) != complaint:
            pqr = a.pqr_type if (a.pqr_type in COMPLAINT_TYPES) == complaint else ("queja" if complaint else "otro")
        category = (near["category"] or a.category or "otro") if complaint else None
        sentiment = near["sentiment"] or a.sentiment
        if complaint and sentiment == "positivo":
            sentiment = "negativo"
        flags: dict[str, bool] = {f: (near[f] == "true") if near[f] is not None else bool(getattr(a, f))
                                  for f in ("abusive", "threat", "legal_risk")}
        hits = sum(v is not None for v in near.values())
        extra = dict(a.extra) | {"adapter_version": float(self.version), "adapter_overrides": float(hits),
                                 "shipped_complaint_score": round(a.complaint_score, 4)}
        return replace(a, is_complaint=complaint, complaint_score=round(complaint_score, 4), pqr_type=pqr,
                       category=category, sentiment=sentiment, abusive=flags["abusive"], threat=flags["threat"],
                       legal_risk=flags["legal_risk"],
                       model_version=f"{a.model_version}+org-v{self.version}", extra=extra)


# --- which adapter an organisation uses ------------------------------------------------------

AdapterLookup = Callable[[Any, int], "Adapter | None"]  # (database session, organisation id)
_lock = threading.Lock()
_lookup: AdapterLookup | None = None
_looked_for_default = False
DEFAULT_PROVIDER = "cauce.corrections.adapters"  # registers itself on import, when installed


def set_lookup(lookup: AdapterLookup | None) -> None:
    global _lookup
    with _lock:
        _lookup = lookup


def _current_lookup() -> AdapterLookup | None:
    global _looked_for_default
    if _lookup is None and not _looked_for_default:
        with _lock:
            _looked_for_default = True
        try:
            importlib.import_module(DEFAULT_PROVIDER)
        except ModuleNotFoundError as exc:
            if not (exc.name and DEFAULT_PROVIDER.startswith(exc.name)):
                raise
    return _lookup


def adapt(session: Any, organisation_ids: Sequence[int], texts: Sequence[str],
          assessments: Sequence[Assessment]) -> list[Assessment]:
    """Each assessment through its organisation's adapter (unchanged where there is none)."""
    lookup = _current_lookup()
    out = list(assessments)
    if lookup is None or not out:
        return out
    for organisation_id in sorted(set(organisation_ids)):
        adapter = lookup(session, organisation_id)
        if adapter is None:
            continue
        rows = [i for i, o in enumerate(organisation_ids) if o == organisation_id]
        for i, adapted in zip(rows, adapter.apply([texts[i] for i in rows], [out[i] for i in rows]), strict=True):
            out[i] = adapted
    return out
