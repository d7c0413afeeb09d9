"""`cauce train`: rebuild the shipped triage models from `data/corpus/`, deterministically.

Models are fitted on the corpus *train* split only (so the held-out scores stored in
`meta.json` describe exactly the shipped files), with fixed seeds and inputs sorted by id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier

from cauce.triage.corpus import Corpus, LabelledAuthor, LabelledMessage, load_corpus
from cauce.triage.features import TextFeaturizer, feature_code_digest
from cauce.triage.model_classifier import META_FILE, MODEL_FILE, TextModels
from cauce.triage.relevance import HIGH

log = logging.getLogger(__name__)

MODEL_FORMAT = 1
SEED = 0
MIN_TRAIN_MESSAGES = 20
_C = {"complaint": 32.0, "pqr": 32.0, "category": 32.0, "sentiment": 32.0, "anger": 4.0,
      "abusive": 8.0, "threat": 8.0, "legal_risk": 8.0, "sarcasm": 8.0, "role_message": 4.0,
      "customer": 8.0}
# Relevance thresholds on out-of-fold customer-text scores: off-domain texts let through when the mention
# neither names nor addresses the brand, and customer texts kept when there is no brand context.
MAX_OFFDOMAIN_PASS = 0.01
# Heads fitted without the off-domain batch: relevance keeps those messages out of cases, and the PQR
# boundaries (otro vs peticion) are about brand-directed text.
IN_DOMAIN_HEADS: tuple[str, ...] = ("pqr",)
MIN_CUSTOMER_KEPT = 0.98
MIN_TRAIN_AUTHORS = 12


class TrainingError(Exception):
    """The corpus cannot produce models (missing, empty, a label with a single class...)."""


def make_classifier(name: str, classes: int = 2) -> Any:
    # liblinear is several times faster than lbfgs on sparse n-grams and fully deterministic;
    # one-vs-rest keeps it usable for the multi-class labels.
    model = LogisticRegression(C=_C[name], class_weight="balanced", solver="liblinear", max_iter=1000,
                               random_state=SEED)
    return model if classes <= 2 else OneVsRestClassifier(model)


def _fit(name: str, X: Any, y: Sequence[Any]) -> Any:
    classes = len(set(y))
    if classes < 2:
        log.warning("la etiqueta %s tiene una sola clase en el corpus; se usarán las reglas", name)
        return None
    return make_classifier(name, classes).fit(X, list(y))


def _fit_rows(name: str, X: Any, messages: Sequence[LabelledMessage], label: Callable[[LabelledMessage], Any],
              in_domain_heads: tuple[str, ...]) -> Any:
    """A head fitted on every message, or only on the brand-directed ones (not the off-domain batch)."""
    rows = [i for i, m in enumerate(messages) if name not in in_domain_heads or not m.offdomain]
    return _fit(name, X[rows], [label(messages[i]) for i in rows])


def tune_threshold(name: str, X: Any, y: Sequence[bool], select: Sequence[bool] | None = None) -> float:
    """Decision threshold maximising F1 on out-of-fold predictions of the training split (scored on the
    `select`ed rows only, when given)."""
    labels = np.asarray(y, dtype=bool)
    positives = int(labels.sum())
    folds = min(5, positives, len(labels) - positives)
    if folds < 2:
        return 0.5
    scores = np.zeros(len(labels))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(X, labels):
        model = make_classifier(name).fit(X[train_idx], labels[train_idx])
        scores[test_idx] = model.predict_proba(X[test_idx])[:, list(model.classes_).index(True)]
    if select is not None:
        chosen = np.asarray(select, dtype=bool)
        scores, labels, positives = scores[chosen], labels[chosen], int(labels[chosen].sum())
    best, best_f1 = 0.5, -1.0
    for threshold in np.round(np.arange(0.15, 0.86, 0.05), 2):
        predicted = scores >= threshold
        tp = int((predicted & labels).sum())
        f1 = 2 * tp / max(1, int(predicted.sum()) + positives)
        # Ties go to the threshold nearest 0.5 (less tuned to the quirks of a small corpus).
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(threshold - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(threshold), f1
    return best


def is_customer_text(message: LabelledMessage) -> bool:
    """A customer's (or would-be customer's) own words to or about a brand: any PQR type but `otro`."""
    return message.pqr_type != "otro"


def tune_relevance(X: Any, messages: Sequence[LabelledMessage]) -> dict[str, float]:
    """`relevance_high`: the lowest threshold letting through at most MAX_OFFDOMAIN_PASS of the off-domain
    messages; `relevance_low`: the highest keeping MIN_CUSTOMER_KEPT of the customer texts (out of fold)."""
    labels = np.asarray([is_customer_text(m) for m in messages])
    scores = np.zeros(len(labels))
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=SEED).split(X, labels):
        model = make_classifier("customer").fit(X[train_idx], labels[train_idx])
        scores[test_idx] = model.predict_proba(X[test_idx])[:, list(model.classes_).index(True)]
    offdomain = scores[np.asarray([m.offdomain and not m.relevant for m in messages])]
    customers = scores[labels]
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    high = next((float(t) for t in grid if offdomain.size == 0 or (offdomain >= t).mean() <= MAX_OFFDOMAIN_PASS),
                0.99)
    low = max((float(t) for t in grid if (customers >= t).mean() >= MIN_CUSTOMER_KEPT), default=0.01)
    # The generated off-domain batch is easier than a real stream: the high threshold never goes below HIGH.
    return {"relevance_high": max(high, HIGH), "relevance_low": min(low, 0.5)}


def fit_text_models(messages: Sequence[LabelledMessage], *, tune: bool = True,
                    in_domain_heads: tuple[str, ...] = IN_DOMAIN_HEADS) -> TextModels:
    if len(messages) < MIN_TRAIN_MESSAGES:
        raise TrainingError(f"hacen falta al menos {MIN_TRAIN_MESSAGES} mensajes de entrenamiento "
                            f"(hay {len(messages)})")
    messages = sorted(messages, key=lambda m: m.id)
    texts = [m.text for m in messages]
    featurizer = TextFeaturizer()
    X = featurizer.fit_transform(texts)
    for vectorizer in (featurizer.word, featurizer.char):
        vectorizer.stop_words_ = set()  # the pruned vocabulary is not needed to predict (size)
    heads: dict[str, Any] = {
        "complaint": _fit("complaint", X, [m.is_complaint for m in messages]),
        "pqr": _fit_rows("pqr", X, messages, lambda m: m.pqr_type, in_domain_heads),
        "sentiment": _fit_rows("sentiment", X, messages, lambda m: m.sentiment, in_domain_heads),
        "anger": _fit("anger", X, [m.anger for m in messages]),
        "customer": _fit("customer", X, [is_customer_text(m) for m in messages]),
    }
    complaint_rows = [i for i, m in enumerate(messages) if m.is_complaint and m.category]
    heads["category"] = (_fit("category", X[complaint_rows], [messages[i].category for i in complaint_rows])
                         if complaint_rows else None)
    thresholds: dict[str, float] = {}
    binary: dict[str, Callable[[LabelledMessage], bool]] = {
        "complaint": lambda m: m.is_complaint, "abusive": lambda m: m.abusive,
        "threat": lambda m: m.threat, "legal_risk": lambda m: m.legal_risk, "sarcasm": lambda m: m.sarcasm,
    }
    for name, label in binary.items():
        y = [label(m) for m in messages]
        if name != "complaint":
            heads[name] = _fit(name, X, y)
        if heads.get(name) is not None:
            # The complaint threshold is chosen on brand-directed text: relevance keeps the off-domain
            # messages out of cases, and their many easy negatives would pull the threshold down.
            select = [not m.offdomain for m in messages] if name == "complaint" else None
            thresholds[name] = tune_threshold(name, X, y, select) if tune else 0.5
    if tune and heads["customer"] is not None:
        thresholds.update(tune_relevance(X, messages))
    return TextModels(featurizer=featurizer, heads=heads, thresholds=thresholds)


def _author_vectors(authors: Sequence[LabelledAuthor], message_rows: np.ndarray) -> np.ndarray:
    """Author features, with each author's message-role rows taken from `message_rows` in order."""
    from cauce.triage.author import build_profile
    from cauce.triage.author_model import author_vector
    from cauce.triage.doc import Doc
    from cauce.triage.evaluation import author_item
    from cauce.triage.signals import text_signals

    vectors, start = [], 0
    for author in authors:
        mention, history = author_item(author)
        doc = Doc(mention=mention, history=history, signals=text_signals(mention.text))
        rows = message_rows[start:start + len(author.messages)]
        start += len(author.messages)
        vectors.append(author_vector(build_profile(doc), rows))
    return np.asarray(vectors)


def fit_role_models(models: TextModels, authors: Sequence[LabelledAuthor]) -> None:
    """Add the message-role and author-role heads (stacked on out-of-fold message predictions)."""
    from cauce.triage.author_model import ROLES, message_role_probabilities

    authors = sorted(authors, key=lambda a: a.author_id)
    if len(authors) < MIN_TRAIN_AUTHORS or len({a.role for a in authors}) < 2:
        log.warning("muy pocos autores etiquetados (%d); el rol se decide con reglas", len(authors))
        return
    texts = [m.text for a in authors for m in a.messages]
    labels = np.asarray([a.role for a in authors for _ in a.messages])
    groups = np.asarray([i for i, a in enumerate(authors) for _ in a.messages])
    X = models.featurizer.transform(texts)
    classes = len(set(labels.tolist()))
    out_of_fold = np.zeros((len(texts), len(ROLES)))
    for train_idx, test_idx in GroupKFold(min(5, len(authors))).split(X, labels, groups):
        head = make_classifier("role_message", classes).fit(X[train_idx], labels[train_idx])
        out_of_fold[test_idx] = message_role_probabilities(head, models.featurizer, [texts[i] for i in test_idx])
    vectors = _author_vectors(authors, out_of_fold)
    roles = np.asarray([a.role for a in authors])
    author_head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=SEED)
    # Troll threshold: above every customer's out-of-fold troll probability (the worst error).
    troll_scores = np.zeros(len(authors))
    folds = min(5, int(min(np.unique(roles, return_counts=True)[1])))
    if folds >= 2 and "troll" in roles:
        for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(vectors, roles):
            fold = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=SEED)
            fold.fit(vectors[train_idx], roles[train_idx])
            troll_scores[test_idx] = fold.predict_proba(vectors[test_idx])[:, list(fold.classes_).index("troll")]
        customers = troll_scores[roles == "cliente"]
        worst = float(customers.max()) if customers.size else 0.0
        models.thresholds["troll"] = round(min(0.95, max(0.5, worst + 0.05)), 4)
    else:
        models.thresholds["troll"] = 0.95
    models.heads["role_message"] = make_classifier("role_message", classes).fit(X, labels)
    models.heads["role_author"] = author_head.fit(vectors, roles)


def _counts(messages: Sequence[LabelledMessage]) -> dict[str, Any]:
    from collections import Counter

    return {
        "messages": len(messages),
        "pqr_type": dict(sorted(Counter(m.pqr_type for m in messages).items())),
        "flags": {f: sum(1 for m in messages if getattr(m, f)) for f in ("abusive", "threat", "legal_risk", "sarcasm")},
    }


def train_and_save(corpus_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Fit on the train split, score on the test split, write the model files and meta.json."""
    import joblib

    from cauce.triage.evaluation import evaluate
    from cauce.triage.pipeline import from_models

    if not corpus_dir.is_dir():
        raise TrainingError(f"no existe la carpeta del corpus: {corpus_dir}")
    corpus: Corpus = load_corpus(corpus_dir)
    train_messages, train_authors = corpus.split("train")
    test_messages, test_authors = corpus.split("test")
    models = fit_text_models(train_messages)
    fit_role_models(models, train_authors)
    code = feature_code_digest()
    version = f"{MODEL_FORMAT}.{corpus.digest[:10]}.{code[:6]}"
    pipeline = from_models(models, version)
    scores = evaluate(pipeline, test_messages, test_authors) if test_messages else {}
    # Batches 01-31 alone: comparable with the scores of models trained before the off-domain batch.
    original = [m for m in test_messages if not m.offdomain]
    scores_original = evaluate(pipeline, original, test_authors) if original else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    for vectorizer in (models.featurizer.word, models.featurizer.char):
        # A cache key holding a memory address (`id()`): dropping it makes the file byte-identical
        # across runs; scikit-learn recomputes it on first use.
        vectorizer.__dict__.pop("_stop_words_id", None)
    joblib.dump(models, out_dir / MODEL_FILE, compress=1)  # level 1: same size, far faster load
    meta = {
        "version": version,
        "format": MODEL_FORMAT,
        "data_sha256": corpus.digest,
        "feature_code_sha256": code,
        "sklearn": sklearn.__version__,
        "trained_on": {**_counts(train_messages), "authors": len(train_authors)},
        "heldout": {**_counts(test_messages), "authors": len(test_authors), "scores": scores,
                    "scores_without_offdomain": scores_original},
        "thresholds": models.thresholds,
        "licence": "Apache-2.0; trained only on data/corpus (Cauce's own corpus)",
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                     encoding="utf-8")
    return meta
