"""Score a triage pipeline on labelled messages and author histories (held-out corpus split)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from cauce.mentions.schemas import MentionIn
from cauce.triage.corpus import LabelledAuthor, LabelledMessage
from cauce.triage.pipeline import Pipeline
from cauce.triage.schemas import AUTHOR_ROLES, PQR_TYPES, Assessment, History, PriorMessage

_T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
BATCH = 512


def as_mention(text: str, id: str, *, followers: int = 0, handle: str = "autor") -> MentionIn:
    return MentionIn(id=id, created_at=_T0, channel="twitter", brand="marca",
                     author={"handle": handle, "followers": followers}, text=text)  # type: ignore[arg-type]


def predict_messages(pipeline: Pipeline, messages: Sequence[LabelledMessage]) -> list[Assessment]:
    items = [(as_mention(m.text, m.id), History()) for m in messages]
    out: list[Assessment] = []
    for start in range(0, len(items), BATCH):
        out.extend(pipeline.assess_many(items[start:start + BATCH]))
    return out


def author_item(author: LabelledAuthor) -> tuple[MentionIn, History]:
    """The author's last message, judged with all earlier ones as history."""
    *earlier, last = author.messages
    prior = tuple(
        PriorMessage(text=m.text, created_at=_T0 - timedelta(hours=len(earlier) - i), answered=m.answered,
                     external_id=f"{author.author_id}-{i}", reply_to_other=m.reply_to_other)
        for i, m in enumerate(earlier)
    )
    mention = as_mention(last.text, f"{author.author_id}-last", followers=author.followers,
                         handle=author.author_id)
    return mention, History(prior_messages=prior, reply_to_other=last.reply_to_other)


def _pr(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    p, r, f, _ = precision_recall_fscore_support(gold, predicted, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
            "support": int(sum(gold))}


def text_scores(messages: Sequence[LabelledMessage], predicted: Sequence[Assessment]) -> dict[str, Any]:
    complaints = [i for i, m in enumerate(messages) if m.is_complaint]
    both = [i for i in complaints if predicted[i].is_complaint]
    anger_error = [abs(p.anger - m.anger / 3.0) for m, p in zip(messages, predicted, strict=True)]
    return {
        "n": len(messages),
        "language_accuracy": round(sum(m.language == p.language for m, p in zip(messages, predicted, strict=True))
                                   / max(1, len(messages)), 4),
        "complaint": _pr([m.is_complaint for m in messages], [p.is_complaint for p in predicted]),
        "pqr_macro_f1": round(float(f1_score([m.pqr_type for m in messages], [p.pqr_type for p in predicted],
                                             labels=list(PQR_TYPES), average="macro", zero_division=0)), 4),
        "pqr_accuracy": round(float(accuracy_score([m.pqr_type for m in messages],
                                                   [p.pqr_type for p in predicted])), 4),
        # End to end: a missed complaint counts as a wrong category.
        "category_accuracy": round(sum(messages[i].category == predicted[i].category for i in complaints)
                                   / max(1, len(complaints)), 4),
        "category_accuracy_when_detected": round(sum(messages[i].category == predicted[i].category for i in both)
                                                 / max(1, len(both)), 4),
        "sentiment_macro_f1": round(float(f1_score([m.sentiment for m in messages],
                                                   [p.sentiment for p in predicted], average="macro",
                                                   zero_division=0)), 4),
        "anger_mae": round(sum(anger_error) / max(1, len(anger_error)), 4),
        **{flag: _pr([getattr(m, flag) for m in messages], [getattr(p, flag) for p in predicted])
           for flag in ("abusive", "threat", "legal_risk")},
    }


def role_scores(pipeline: Pipeline, authors: Sequence[LabelledAuthor]) -> dict[str, Any]:
    if not authors:
        return {"n": 0}
    predicted = pipeline.assess_many(author_item(a) for a in authors)
    matrix = {gold: dict.fromkeys(AUTHOR_ROLES, 0) for gold in AUTHOR_ROLES}
    for author, assessment in zip(authors, predicted, strict=True):
        matrix[author.role][assessment.author_role] += 1
    gold = [a.role for a in authors]
    guess = [p.author_role for p in predicted]
    return {
        "n": len(authors),
        "accuracy": round(float(accuracy_score(gold, guess)), 4),
        "macro_f1": round(float(f1_score(gold, guess, labels=list(AUTHOR_ROLES), average="macro",
                                         zero_division=0)), 4),
        "confusion": matrix,  # gold role -> predicted role -> count
        "cliente_to_troll": matrix["cliente"]["troll"],
        "troll": _pr([g == "troll" for g in gold], [p == "troll" for p in guess]),
    }


def evaluate(pipeline: Pipeline, messages: Sequence[LabelledMessage],
             authors: Sequence[LabelledAuthor]) -> dict[str, Any]:
    return {"messages": text_scores(messages, predict_messages(pipeline, messages)),
            "roles": role_scores(pipeline, authors)}
