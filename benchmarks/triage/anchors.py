"""Public anchors: the same recipe as our triage models (normalised text -> word + char n-gram
TF-IDF + lexicon signals -> liblinear logistic regression, F1-tuned threshold for binary labels),
trained on each dataset's train split and scored once on its test split.

The datasets are non-commercial (CC BY-NC*): they are used here to measure, never shipped.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from cauce.triage.features import TextFeaturizer
from cauce.triage.train import make_classifier, tune_threshold

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "others")


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def hateval(root: Path = DATA) -> dict[str, Any]:
    folder = root / "hateval2019_es"
    if not (folder / "train_es.tsv").is_file():
        return {"skipped": f"no data in {folder}"}
    started = time.perf_counter()
    train, test = _tsv(folder / "train_es.tsv"), _tsv(folder / "test_es.tsv")
    featurizer = TextFeaturizer()
    X = featurizer.fit_transform([r["text"] for r in train])
    y = np.asarray([r["HS"] == "1" for r in train])
    threshold = tune_threshold("complaint", X, y.tolist())
    model = make_classifier("complaint").fit(X, y)
    scores = model.predict_proba(featurizer.transform([r["text"] for r in test]))[:, 1]
    gold = [r["HS"] == "1" for r in test]
    return {
        "train": len(train), "test": len(test), "threshold": threshold,
        "macro_f1": round(float(f1_score(gold, scores >= threshold, average="macro")), 4),
        "macro_f1_at_0.5": round(float(f1_score(gold, scores >= 0.5, average="macro")), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def emoevent(root: Path = DATA) -> dict[str, Any]:
    folder = root / "emoevent" / "splits" / "es"
    if not (folder / "train.tsv").is_file():
        return {"skipped": f"no data in {folder}"}
    started = time.perf_counter()
    train, test = _tsv(folder / "train.tsv"), _tsv(folder / "test_repaired.tsv")
    featurizer = TextFeaturizer()
    X = featurizer.fit_transform([r["tweet"] for r in train])
    model = make_classifier("pqr", len(EMOTIONS)).fit(X, [r["emotion"] for r in train])
    predicted = model.predict(featurizer.transform([r["tweet"] for r in test]))
    gold = [r["emotion"] for r in test]
    return {
        "train": len(train), "test": len(test),
        "macro_f1": round(float(f1_score(gold, predicted, labels=list(EMOTIONS), average="macro")), 4),
        "weighted_f1": round(float(f1_score(gold, predicted, labels=list(EMOTIONS), average="weighted")), 4),
        "accuracy": round(float(np.mean(np.asarray(gold) == predicted)), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
