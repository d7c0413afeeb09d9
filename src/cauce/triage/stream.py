"""`cauce triage` without a database: JSONL mentions in, one JSON result per line out, in order.

Each author's history lives in memory, so a role can change as evidence arrives; a brand's
reply (`"from_brand": true`, or the brand's own handle) marks the message it answers as
answered; a mention id seen again is a metrics update (velocity), not a new message.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from cauce.mentions.schemas import MentionIn
from cauce.triage.normalise import MAX_CHARS
from cauce.triage.pipeline import Pipeline
from cauce.triage.schemas import Assessment, History, MetricPoint, PriorMessage

# Same default as the core's ingest: comments on these channels are on the brand's own page.
OWN_PAGE_CHANNELS = frozenset({"facebook", "instagram", "youtube", "tiktok"})
HISTORY_LIMIT = 50  # prior messages kept per author
MAX_AUTHORS = 200_000  # least recently seen authors are forgotten beyond this
MAX_IDS = 1_000_000
MAX_LINE_CHARS = 1_000_000
_SNAPSHOTS_PER_MENTION = 20
_NOT_ALNUM = re.compile(r"[\W_]+")

OUTPUT_KEYS = ("id", "language", "is_complaint", "complaint_score", "pqr_type", "category", "sentiment",
               "anger", "abusive", "threat", "legal_risk", "author_role", "role_confidence", "priority",
               "reasons", "relevant", "relevance")


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


class _Bounded(OrderedDict[str, Any]):
    """A dict that forgets its least recently used keys beyond `limit` (bounded memory)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def touch(self, key: str, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)


@dataclass
class _Seen:
    author: str  # author key ("brand|handle"); "" for the brand itself
    snapshots: list[MetricPoint]


def result_json(mention_id: str, assessment: Assessment, *, details: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": mention_id, "language": assessment.language, "is_complaint": assessment.is_complaint,
        "complaint_score": assessment.complaint_score, "pqr_type": assessment.pqr_type,
        "category": assessment.category, "sentiment": assessment.sentiment, "anger": assessment.anger,
        "abusive": assessment.abusive, "threat": assessment.threat, "legal_risk": assessment.legal_risk,
        "author_role": assessment.author_role, "role_confidence": assessment.role_confidence,
        "priority": assessment.priority, "reasons": list(assessment.reasons),
        "relevant": assessment.relevant, "relevance": assessment.relevance,
    }
    if details:
        data["relevance_reasons"] = list(assessment.relevance_reasons)
        data["evidence"] = [e.__dict__ for e in assessment.evidence]
        data["impact"] = None if assessment.impact is None else dict(assessment.impact.__dict__)
        data["model_version"] = assessment.model_version
    return data


_ERROR_TYPES = {
    "missing": "falta", "string_type": "debe ser texto", "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero", "greater_than_equal": "no puede ser negativo",
    "string_too_long": "demasiado largo", "string_too_short": "vacío", "datetime_parsing": "fecha inválida",
    "datetime_from_date_parsing": "fecha inválida", "datetime_type": "fecha inválida",
    "model_type": "debe ser un objeto", "bool_parsing": "debe ser true o false",
}


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:8]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "mención"
        parts.append(f"{where}: {_ERROR_TYPES.get(error.get('type', ''), error.get('msg', 'inválido'))}")
    return "mención inválida: " + "; ".join(parts)


class StreamTriage:
    """Turns JSONL lines into result dicts, keeping per-author history between calls."""

    def __init__(self, pipeline: Pipeline, *, details: bool = False) -> None:
        self.pipeline = pipeline
        self.details = details
        self._authors: _Bounded = _Bounded(MAX_AUTHORS)  # author key -> deque[PriorMessage]
        self._seen: _Bounded = _Bounded(MAX_IDS)  # "brand|id" -> _Seen
        self._clock: datetime | None = None

    # -- parsing -------------------------------------------------------------------------
    @staticmethod
    def parse(line: str) -> MentionIn | dict[str, Any]:
        """A mention, or the error object for this line."""
        if len(line) > MAX_LINE_CHARS:
            return {"error": f"línea demasiado larga (más de {MAX_LINE_CHARS} caracteres)"}
        if not line.strip():
            return {"error": "línea vacía"}
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            return {"error": f"JSON inválido: {exc.msg if hasattr(exc, 'msg') else 'anidamiento excesivo'}"}
        if not isinstance(raw, dict):
            return {"error": "se esperaba un objeto JSON por línea"}
        mention_id = raw.get("id")
        try:
            return MentionIn.model_validate(raw)
        except ValidationError as exc:
            error: dict[str, Any] = {"error": _validation_message(exc)}
            if isinstance(mention_id, str | int) and not isinstance(mention_id, bool):
                error = {"id": str(mention_id)[:512], **error}
            return error

    # -- history -------------------------------------------------------------------------
    def _is_brand(self, mention: MentionIn) -> bool:
        extra = mention.model_extra or {}
        return bool(extra.get("from_brand")) or _key(mention.author.handle) == _key(mention.brand)

    def history_for(self, mention: MentionIn) -> History:
        """The history this mention is judged with; then records the mention in it."""
        if self._clock is None or mention.created_at > self._clock:
            self._clock = mention.created_at
        extra = mention.model_extra or {}
        brand = _key(mention.brand)
        author = "" if self._is_brand(mention) else f"{brand}|{_key(mention.author.handle)}"
        observed = _observed_at(extra.get("observed_at")) or self._clock
        point = MetricPoint(observed_at=max(observed, mention.created_at), likes=mention.metrics.likes,
                            reposts=mention.metrics.reposts, replies=mention.metrics.replies)
        id_key = f"{brand}|{mention.id}"
        seen: _Seen | None = self._seen.get(id_key)
        repeat = seen is not None
        if seen is None:
            seen = _Seen(author=author, snapshots=[])
        seen.snapshots = [*seen.snapshots, point][-_SNAPSHOTS_PER_MENTION:]
        self._seen.touch(id_key, seen)

        parent: _Seen | None = self._seen.get(f"{brand}|{mention.in_reply_to}") if mention.in_reply_to else None
        if not author and parent is not None and parent.author:
            self._mark_answered(parent.author, mention.in_reply_to or "")
        reply_to_other = parent is not None and parent.author not in ("", author)

        prior: deque[PriorMessage] | None = self._authors.get(author) if author else None
        if prior is None:
            prior = deque(maxlen=HISTORY_LIMIT)
        history = History(
            prior_messages=tuple(m for m in prior if m.external_id != mention.id),
            metric_snapshots=tuple(seen.snapshots),
            on_own_page=bool(extra.get("on_own_page", mention.channel in OWN_PAGE_CHANNELS)) and not mention.private,
            author_is_verified=bool(extra.get("verified", False)),
            reply_to_other=reply_to_other,
            addressed_to_brand=parent is not None and parent.author == "" and bool(author),
        )
        if author and not repeat:
            # Only the head of a long post is ever read by triage; keep memory bounded on hostile input.
            prior.append(PriorMessage(text=mention.text[:MAX_CHARS], created_at=mention.created_at, answered=False,
                                      external_id=mention.id, reply_to_other=reply_to_other))
            self._authors.touch(author, prior)
        return history

    def _mark_answered(self, author: str, mention_id: str) -> None:
        prior: deque[PriorMessage] | None = self._authors.get(author)
        if not prior:
            return
        for index, message in enumerate(prior):
            if message.external_id == mention_id and not message.answered:
                prior[index] = replace(message, answered=True)

    # -- processing ----------------------------------------------------------------------
    def process(self, lines: Iterable[str]) -> list[dict[str, Any]]:
        """Results for a batch of lines, in order (histories are built line by line)."""
        parsed = [self.parse(line) for line in lines]
        pending: list[tuple[int, MentionIn, History]] = []
        results: list[dict[str, Any]] = []
        for index, item in enumerate(parsed):
            if isinstance(item, MentionIn):
                pending.append((index, item, self.history_for(item)))
                results.append({})
            else:
                results.append(item)
        if pending:
            assessments: list[Assessment | dict[str, Any]]
            try:
                assessments = list(self.pipeline.assess_many((m, h) for _, m, h in pending))
            except Exception:  # one hostile line must not take the batch down: retry one by one
                assessments = [self._assess_safely(m, h) for _, m, h in pending]
            for (index, mention, _), assessment in zip(pending, assessments, strict=True):
                results[index] = (result_json(mention.id, assessment, details=self.details)
                                  if isinstance(assessment, Assessment) else {"id": mention.id, **assessment})
        return results

    def _assess_safely(self, mention: MentionIn, history: History) -> Assessment | dict[str, Any]:
        try:
            return self.pipeline.assess(mention, history)
        except Exception as exc:
            return {"error": f"error interno al evaluar: {type(exc).__name__}"}

    def run(self, batches: Iterable[list[str]]) -> Iterator[dict[str, Any]]:
        for batch in batches:
            yield from self.process(batch)


def _observed_at(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
