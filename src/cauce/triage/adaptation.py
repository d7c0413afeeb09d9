"""Per-organisation adaptation on top of the shipped triage models.

An organisation's agents correct triage; their corrections (text, field, value) train an `Adapter`
that sits after the shipped assessor and changes only what those corrections teach:

- **near-duplicate overrides**: a mention whose shipped feature vector is within `NEAR_DUPLICATE`
  cosine of a corrected text takes that text's corrected value, field by field;
- **logistic correction of the complaint score**: `p' = σ(logit(p) + x·w)` with the shipped
  score as a fixed offset and `w` over the shipped features, fitted with a strong L2 penalty, so
  with few corrections it stays close to the shipped model and moves only where they agree.

Fitting is deterministic (examples in id order, latest value per text and field, L-BFGS from zero).
Which adapter an organisation uses is the corrections feature's business: it registers a lookup
here (`set_lookup`); without one, or without an adapter, assessments pass through unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
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

# Fields with their own consistency rules; any other yes/no field of `Assessment` (abusive, threat,
# legal_risk, relevant…) that corrections name is learned as a plain near-duplicate override.
ADAPTED_FIELDS: tuple[str, ...] = ("is_complaint", "pqr_type", "category", "sentiment")
FLAG_FIELDS: tuple[str, ...] = tuple(sorted(f.name for f in dataclasses.fields(Assessment)
                                            if f.type in ("bool", bool) and f.name != "is_complaint"))
COMPLAINT_TYPES = frozenset({"queja", "reclamo"})
NEAR_DUPLICATE = 0.8  # cosine on the shipped features (word and character n-grams, lexicon signals)
L2 = 4.0  # penalty on the correction weights (the shipped score is the prior)
CHAR_NGRAMS = True  # see `features`
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


def _fit_offset_logistic(X: sp.csr_matrix, y: np.ndarray, offset: np.ndarray, l2: float = L2) -> np.ndarray:
    """min Σ log(1+exp(-y(o + Xw))) + L2/2 |w|²: deterministic L-BFGS from zero.

    No intercept: corrections are mostly one-sided (agents fix false alarms), and a global bias
    would move every mention; the weights move only the texts that share the corrected ones' features.
    """

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = y * (offset + X @ w)
        value = float(np.logaddexp(0.0, -margin).sum() + 0.5 * l2 * (w @ w))
        grad = X.T @ (-y * _sigmoid(-margin)) + l2 * w
        return value, np.asarray(grad, dtype=np.float64)

    result = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return np.asarray(result.x, dtype=np.float64)


def features(featurizer: Any, texts: Sequence[str]) -> sp.csr_matrix:
    """The shipped featurizer's matrix, reading each text's lexicon signals once (it reads them twice).

    Without the character n-grams (`CHAR_NGRAMS = False`) it is three times faster, but after 1,000
    corrections the adapter is weaker and misses the guard (benchmarks/triage/ADAPTATION_REPORT.md)."""
    from cauce.triage.features import SIGNAL_WEIGHT, signal_vector
    from cauce.triage.signals import text_signals

    signals = [text_signals(text) for text in texts]
    norm = [sig.norm for sig in signals]
    blocks = [featurizer.word.transform(norm)]
    if CHAR_NGRAMS:
        blocks.append(featurizer.char.transform(norm))
    if featurizer.use_signals:
        dense = np.asarray([signal_vector(sig) for sig in signals], dtype=np.float32)
        blocks.append(sp.csr_matrix(dense * SIGNAL_WEIGHT))
    return sp.hstack(blocks, format="csr", dtype=np.float32)


class Adapter:
    """One organisation's corrections, ready to apply to assessments of its mentions."""

    def __init__(self, featurizer: Any, version: int = 0) -> None:
        self.featurizer = featurizer
        self.version = version
        self.texts: list[str] = []
        self.memory: sp.csr_matrix | None = None  # l2-normalised shipped features of `texts`
        self.labels: dict[str, list[str | None]] = {}
        self.weights: np.ndarray = np.zeros(0)
        self.corrects_score = False
        # The score correction moves only mentions at least this similar (cosine on the shipped features)
        # to some corrected text; 0: every mention (see corrections.training.MODES).
        self.locality = 0.0

    @classmethod
    def fit(cls, featurizer: Any, examples: Sequence[LabelledText], complaint_scores: Callable[[list[str]], Any],
            *, version: int = 0, anchors: Sequence[tuple[str, bool]] = (), l2: float = L2,
            correct_score: bool = True) -> Adapter:
        """`examples` oldest first (a later correction of the same text and field wins);
        `complaint_scores(texts)` gives the shipped model's complaint probability of each text;
        `anchors` (text, is complaint) are labelled messages of the shipped model's own domain (the
        corpus train split): they enter the score correction's loss, so a feature the corrections
        share with real complaints ("me", "no", "@") is not pushed down for everyone. `l2` is the
        penalty of that correction; without `correct_score` only near-duplicate overrides are learned."""
        adapter = cls(featurizer, version)
        latest: dict[tuple[str, str], str] = {}
        order: dict[str, int] = {}
        for example in examples:
            if example.field not in ADAPTED_FIELDS and example.field not in FLAG_FIELDS:
                continue
            latest[(example.text, example.field)] = example.value
            order.setdefault(example.text, len(order))
        if not order:
            return adapter
        adapter.texts = sorted(order, key=order.__getitem__)
        index = {text: i for i, text in enumerate(adapter.texts)}
        learned = sorted(set(ADAPTED_FIELDS) | {field for _, field in latest})
        adapter.labels = {f: [None] * len(adapter.texts) for f in learned}
        for (text, field), value in latest.items():
            adapter.labels[field][index[text]] = value
        # A PQR type says whether the text is a complaint too.
        for i, pqr in enumerate(adapter.labels["pqr_type"]):
            if pqr is not None and adapter.labels["is_complaint"][i] is None:
                adapter.labels["is_complaint"][i] = "true" if pqr in COMPLAINT_TYPES else "false"
        X = features(featurizer, adapter.texts)
        adapter.memory = normalize(X, norm="l2", copy=True).tocsr()
        rows = [i for i, v in enumerate(adapter.labels["is_complaint"]) if v is not None]
        if correct_score and len(rows) >= MIN_LOGISTIC:
            texts = [adapter.texts[i] for i in rows] + [text for text, _ in anchors]
            y = np.array([1.0 if adapter.labels["is_complaint"][i] == "true" else -1.0 for i in rows]
                         + [1.0 if label else -1.0 for _, label in anchors])
            offset = _logit(np.asarray(complaint_scores(texts), dtype=np.float64))
            Xr = X[rows]
            if anchors:
                Xr = sp.vstack([Xr, features(featurizer, [text for text, _ in anchors])], format="csr")
            # Only what the corrected texts contain may move; the anchors only hold it in place.
            columns = np.unique(X[rows].indices)
            weights = _fit_offset_logistic(Xr[:, columns].astype(np.float64).tocsr(), y, offset, l2)
            adapter.weights = np.zeros(X.shape[1])
            adapter.weights[columns] = weights
            adapter.corrects_score = True
        return adapter

    def localised(self, locality: float) -> Adapter:
        """This adapter with its score correction limited to mentions near a corrected text."""
        other = copy.copy(self)
        other.locality = locality
        return other

    @property
    def size(self) -> int:
        return len(self.texts)

    def apply(self, texts: Sequence[str], assessments: Sequence[Assessment]) -> list[Assessment]:
        if not texts or self.memory is None:
            return list(assessments)
        X = features(self.featurizer, texts)
        sims = (normalize(X, norm="l2", copy=True) @ self.memory.T).toarray()
        corrected: np.ndarray | None = None
        if self.corrects_score:
            base = np.array([a.complaint_score for a in assessments], dtype=np.float64)
            shift = X @ self.weights
            if self.locality > 0:
                shift = shift * (sims.max(axis=1) >= self.locality)
            corrected = _sigmoid(_logit(base) + shift)
        near = {field: self._nearest(field, sims) for field in self.labels}
        return [self._one(a, {f: near[f][row] for f in self.labels},
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
        flags: dict[str, bool] = {f: near[f] == "true" for f in FLAG_FIELDS if near.get(f) is not None}
        hits = sum(v is not None for v in near.values())
        extra = dict(a.extra) | {"adapter_version": float(self.version), "adapter_overrides": float(hits),
                                 "shipped_complaint_score": round(a.complaint_score, 4)}
        return replace(a, is_complaint=complaint, complaint_score=round(complaint_score, 4), pqr_type=pqr,
                       category=category, sentiment=sentiment, **flags,  # type: ignore[arg-type]
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
