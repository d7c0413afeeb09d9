"""Train an organisation's adapter from its corrections, guarded by the corpus test split.

Each run records what it used and how it scored: on the organisation's own held-out corrections
(every text whose hash falls in the fifth bucket; a probe adapter trained on the rest) and on the
corpus test split, shipped model against adapter. An adapter that scores below the shipped model
on any guarded metric of the corpus test split is refused, with the reason, and never used.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.config import get_settings
from cauce.corrections import service
from cauce.corrections.models import AdapterRun, TriageExample
from cauce.errors import CauceError, InvalidInput
from cauce.triage.adaptation import COMPLAINT_TYPES, L2, Adapter, LabelledText
from cauce.triage.schemas import Assessment, History

log = logging.getLogger(__name__)

MIN_NEW_EXAMPLES = 20  # the worker retrains an organisation once this many corrections are new
HELD_OUT_BUCKETS = 5
# (metric path in evaluation.text_scores) that an adapter may not lower on the corpus test split: the
# summary scores issue 13 holds the shipped model to (complaint F1, PQR macro-F1), the other fields the
# adapter changes, and the category of the complaints it detects. (Roles are not adapted.)
GUARDED: tuple[tuple[str, ...], ...] = (
    ("complaint", "f1"), ("pqr_macro_f1",), ("category_accuracy_when_detected",), ("sentiment_macro_f1",),
    ("abusive", "f1"), ("threat", "f1"), ("legal_risk", "f1"),
)
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Mode:
    """How an adapter is fitted: the score correction's L2 penalty and locality (the cosine to the nearest
    corrected text a mention needs before its score is corrected), or no score correction at all."""

    l2: float = L2
    corrects_score: bool = True
    locality: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"l2": self.l2, "corrects_score": self.corrects_score, "locality": self.locality}


# Tried in order until one passes the guard: the full adapter, a stiffer one, then score corrections kept
# to mentions that resemble the corrected ones (measured on the stream simulation: at 0.5 the corpus test
# split does not move while the held-out stream's false complaints drop), then near-duplicate overrides
# alone. The first the guard accepts is used: the team's corrections always teach something, never at the
# corpus' expense (benchmarks/triage/ADAPTATION_REPORT.md).
MODES: tuple[Mode, ...] = (Mode(L2), Mode(16 * L2), Mode(L2, locality=0.4), Mode(L2, locality=0.5),
                           Mode(L2, corrects_score=False))
_BATCH = 512


def corpus_dir() -> Path:
    configured = get_settings().corpus
    return configured if configured else Path(__file__).resolve().parents[3] / "data" / "corpus"


@lru_cache(maxsize=1)
def shipped() -> tuple[Any, Any, str]:
    """(the shipped pipeline, its text featurizer, its version); the adapter sits on these."""
    from cauce.triage.model_classifier import load_models
    from cauce.triage.pipeline import MODELS_DIR, from_models

    loaded = load_models(get_settings().triage_models or MODELS_DIR)
    if loaded is None:
        raise InvalidInput("No hay modelos de triage entrenados: ejecute `cauce train` antes de adaptar.")
    models, version = loaded
    return from_models(models, version), models.featurizer, version


def shipped_assessments(texts: Sequence[str]) -> list[Assessment]:
    from cauce.triage.evaluation import as_mention

    pipeline = shipped()[0]
    out: list[Assessment] = []
    for start in range(0, len(texts), _BATCH):
        chunk = texts[start:start + _BATCH]
        out.extend(pipeline.assess_many([(as_mention(t, f"x{start + i}"), History()) for i, t in enumerate(chunk)]))
    return out


_scores: dict[str, float] = {}  # the shipped model's complaint score of texts seen (anchors, examples)
_SCORES_KEPT = 50_000


def complaint_scores(texts: list[str]) -> list[float]:
    missing = sorted({t for t in texts if t not in _scores})
    if missing:
        if len(_scores) + len(missing) > _SCORES_KEPT:
            _scores.clear()
        _scores.update(zip(missing, (a.complaint_score for a in shipped_assessments(missing)), strict=True))
    return [_scores[t] for t in texts]


@lru_cache(maxsize=2)
def anchors(folder: Path | None = None, version: str = "") -> tuple[tuple[str, bool], ...]:
    """The corpus train split as (text, is complaint): what holds the shipped model's domain in place."""
    from cauce.triage.corpus import load_corpus

    folder = folder or corpus_dir()
    if not (folder / "messages").is_dir():
        raise InvalidInput(f"No está el corpus en {folder} (CAUCE_CORPUS): el adaptador lo necesita.")
    return tuple((m.text, m.is_complaint) for m in load_corpus(folder).messages if m.split == "train")


_test_lock = threading.Lock()
_test_cache: dict[tuple[str, str], tuple[list[Any], list[Assessment]]] = {}


def corpus_test(folder: Path | None = None) -> tuple[list[Any], list[Assessment]]:
    """The corpus test split and the shipped model's assessments of it (read once per process)."""
    from cauce.triage.corpus import load_corpus

    folder = folder or corpus_dir()
    key = (str(folder), shipped()[2])
    with _test_lock:
        if key not in _test_cache:
            if not (folder / "messages").is_dir():
                raise InvalidInput(f"No está el corpus en {folder}: sin su partición de prueba no se puede "
                                   "comprobar que el adaptador no empeore el modelo (CAUCE_CORPUS).")
            messages = [m for m in load_corpus(folder).messages if m.split == "test"]
            _test_cache[key] = (messages, shipped_assessments([m.text for m in messages]))
        return _test_cache[key]


def labelled(examples: Sequence[TriageExample]) -> list[LabelledText]:
    return [LabelledText(e.text, e.field, e.new_value) for e in examples]


def held_out(text: str) -> bool:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % HELD_OUT_BUCKETS == 0


def _metric(scores: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = scores
    for key in path:
        value = value[key]
    return float(value)


def guard(base: dict[str, Any], adapted: dict[str, Any]) -> str | None:
    """Why the adapter may not be used (it is worse than the shipped model somewhere), or None."""
    worse = [f"{'.'.join(p)} {_metric(base, p):.4f} → {_metric(adapted, p):.4f}" for p in GUARDED
             if _metric(adapted, p) < _metric(base, p) - TOLERANCE]
    if not worse:
        return None
    return "Empeora el modelo base en la partición de prueba del corpus: " + "; ".join(worse)


def _pr(gold: Sequence[bool], guess: Sequence[bool]) -> dict[str, float]:
    tp = sum(g and p for g, p in zip(gold, guess, strict=True))
    fp = sum(p and not g for g, p in zip(gold, guess, strict=True))
    fn = sum(g and not p for g, p in zip(gold, guess, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "n": len(gold)}


def gold_labels(examples: Sequence[LabelledText]) -> dict[str, dict[str, str]]:
    """text -> field -> the latest corrected value (a PQR type also says complaint or not)."""
    gold: dict[str, dict[str, str]] = {}
    for e in examples:
        gold.setdefault(e.text, {})[e.field] = e.value
    for fields in gold.values():
        if "is_complaint" not in fields and "pqr_type" in fields:
            fields["is_complaint"] = "true" if fields["pqr_type"] in COMPLAINT_TYPES else "false"
    return gold


def heldout_scores(train: Sequence[LabelledText], test: Sequence[LabelledText], mode: Mode = MODES[0]
                   ) -> dict[str, Any]:
    """Complaint precision/recall and per-field accuracy on held-out corrections: shipped vs adapter."""
    gold = gold_labels(test)
    texts = sorted(gold)
    if not texts:
        return {"n": 0}
    base = shipped_assessments(texts)
    probe = _fit(train, version=0, mode=mode)
    adapted = probe.apply(texts, base)
    out: dict[str, Any] = {"n": len(texts), "train_examples": len(train)}
    complaint_rows = [i for i, t in enumerate(texts) if "is_complaint" in gold[t]]
    truth = [gold[texts[i]]["is_complaint"] == "true" for i in complaint_rows]
    out["complaint"] = {"base": _pr(truth, [base[i].is_complaint for i in complaint_rows]),
                        "adapted": _pr(truth, [adapted[i].is_complaint for i in complaint_rows])}
    fields: dict[str, Any] = {}
    for field in ("pqr_type", "category", "sentiment", "abusive", "threat", "legal_risk"):
        rows = [i for i, t in enumerate(texts) if field in gold[t]]
        if not rows:
            continue

        def right(a: Assessment, i: int, field: str = field) -> bool:
            value = getattr(a, field)
            return str(value).lower() == gold[texts[i]][field] if isinstance(value, bool) \
                else value == gold[texts[i]][field]

        fields[field] = {"n": len(rows), "base_accuracy": round(sum(right(base[i], i) for i in rows) / len(rows), 4),
                         "adapted_accuracy": round(sum(right(adapted[i], i) for i in rows) / len(rows), 4)}
    out["fields"] = fields
    return out


def _fit(examples: Sequence[LabelledText], *, version: int, mode: Mode) -> Adapter:
    adapter = Adapter.fit(shipped()[1], examples, complaint_scores, version=version,
                          anchors=anchors(None, shipped()[2]), l2=mode.l2, correct_score=mode.corrects_score)
    return adapter.localised(mode.locality)


def mode_of(run: AdapterRun) -> Mode:
    """The mode a run's adapter was fitted with (runs before modes existed: the first)."""
    stored = (run.metrics or {}).get("mode")
    if not stored:
        return MODES[0]
    return Mode(float(stored["l2"]), bool(stored["corrects_score"]), float(stored.get("locality", 0.0)))


def fit_adapter(examples: Sequence[TriageExample], *, version: int, mode: Mode = MODES[0]) -> Adapter:
    """Deterministic: the same examples on the same shipped model and corpus give the same adapter."""
    return _fit(labelled(examples), version=version, mode=mode)


@dataclass(frozen=True)
class GuardedFit:
    adapter: Adapter
    mode: Mode
    base: dict[str, Any]  # the shipped model's scores on the corpus test split
    adapted: dict[str, Any]  # the chosen adapter's
    reason: str | None  # why even the last mode was refused; None: accepted
    tried: tuple[dict[str, Any], ...]  # each mode tried, with its refusal


def guarded_fit(examples: Sequence[LabelledText], *, version: int, folder: Path | None = None) -> GuardedFit:
    """The first adapter of `MODES` that the guard accepts (or the last one tried, refused)."""
    tried: list[dict[str, Any]] = []
    fitted: dict[tuple[float, bool], Adapter] = {}  # locality changes only how an adapter is applied
    for mode in MODES:
        key = (mode.l2, mode.corrects_score)
        if key not in fitted:
            fitted[key] = _fit(examples, version=version, mode=Mode(mode.l2, mode.corrects_score))
        adapter = fitted[key].localised(mode.locality)
        base_scores, adapted_scores = evaluate_on_corpus(adapter, folder)
        reason = guard(base_scores, adapted_scores)
        tried.append(mode.as_dict() | {"refused": reason})
        if reason is None or mode == MODES[-1]:
            return GuardedFit(adapter, mode, base_scores, adapted_scores, reason, tuple(tried))
    raise AssertionError("MODES is empty")


def evaluate_on_corpus(adapter: Adapter, folder: Path | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    from cauce.triage.evaluation import text_scores

    messages, base = corpus_test(folder)
    adapted = adapter.apply([m.text for m in messages], base)
    return text_scores(messages, base), text_scores(messages, adapted)


def train_organisation(session: Session, *, organisation_id: int, trigger: str = "cli",
                       folder: Path | None = None) -> AdapterRun:
    """Fit, score and guard a new adapter version for the organisation; the run is stored either way."""
    examples = service.examples_of(session, organisation_id=organisation_id)
    if not examples:
        raise InvalidInput("La organización aún no tiene correcciones con las que entrenar.")
    version = 1 + max((r.version for r in service.runs_of(session, organisation_id=organisation_id)), default=0)
    texts = labelled(examples)
    fitted = guarded_fit(texts, version=version, folder=folder)
    heldout = heldout_scores([e for e in texts if not held_out(e.text)], [e for e in texts if held_out(e.text)],
                             fitted.mode)
    reason = fitted.reason
    picked = {".".join(p): {"base": _metric(fitted.base, p), "adapted": _metric(fitted.adapted, p)} for p in GUARDED}
    run = AdapterRun(organisation_id=organisation_id, version=version, examples_used=len(examples),
                     last_example_id=examples[-1].id, base_model_version=shipped()[2], accepted=reason is None,
                     reason=reason, trigger=trigger,
                     metrics={"heldout": heldout, "corpus_test": picked, "texts": fitted.adapter.size,
                              "corrects_score": fitted.adapter.corrects_score, "mode": fitted.mode.as_dict(),
                              "modes_tried": list(fitted.tried)})
    session.add(run)
    session.flush()
    log.info("adapter v%s of organisation %s: %s", version, organisation_id, reason or "accepted")
    return run


def active_run(session: Session, *, organisation_id: int) -> AdapterRun | None:
    """The newest accepted run, if it was made on the shipped model in use (a new one needs a new run)."""
    run = session.scalar(select(AdapterRun).where(
        AdapterRun.organisation_id == organisation_id, AdapterRun.accepted.is_(True))
        .order_by(AdapterRun.version.desc()).limit(1))
    if run is None:
        return None
    try:
        version = shipped()[2]
    except InvalidInput:
        return None
    return run if run.base_model_version == version else None


def due(session: Session, *, min_new: int = MIN_NEW_EXAMPLES) -> list[int]:
    """Organisations with enough corrections since their last run (or none yet on this shipped model)."""
    organisations = list(session.scalars(select(TriageExample.organisation_id).distinct()
                                         .order_by(TriageExample.organisation_id)))
    if not organisations:
        return []  # without corrections the worker never loads the models
    try:
        version = shipped()[2]
    except InvalidInput:
        return []
    out: list[int] = []
    for organisation_id in organisations:
        last = session.scalar(select(AdapterRun).where(AdapterRun.organisation_id == organisation_id)
                              .order_by(AdapterRun.version.desc()).limit(1))
        after = last.last_example_id if last is not None and last.base_model_version == version else 0
        if service.example_count(session, organisation_id=organisation_id, after_id=after) >= min_new:
            out.append(organisation_id)
    return out


def retrain_due(session: Session) -> dict[str, Any]:
    """The worker's pass: train every organisation that is due; returns {organisation id: outcome}."""
    out: dict[str, Any] = {}
    for organisation_id in due(session):
        try:
            with session.begin_nested():
                run = train_organisation(session, organisation_id=organisation_id, trigger="worker")
        except CauceError as exc:  # e.g. no corpus to guard with: say so, keep sweeping
            log.warning("adapter of organisation %s not trained: %s", organisation_id, exc.message)
            out[str(organisation_id)] = {"error": exc.message}
            continue
        out[str(organisation_id)] = {"version": run.version, "accepted": run.accepted}
    return out
