"""The object that flows through the triage pipeline, filled in by one component after another."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from cauce.mentions.schemas import MentionIn
from cauce.triage.schemas import Assessment, Evidence, History, Impact
from cauce.triage.signals import TextSignals


@dataclass
class Doc:
    mention: MentionIn
    history: History
    signals: TextSignals | None = None
    language: str = "und"
    language_confidence: float = 0.0
    relevant: bool = True
    relevance: float = 1.0
    relevance_reasons: list[str] = field(default_factory=list)
    complaint_score: float = 0.0
    is_complaint: bool = False
    pqr_type: str = "otro"
    category: str | None = None
    sentiment: str = "neutro"
    anger: float = 0.0
    abusive: bool = False
    threat: bool = False
    legal_risk: bool = False
    sarcasm: bool = False
    author_role: str = "ninguno"
    role_confidence: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)
    impact: Impact | None = None
    priority: int = 0
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    # (batch feature matrix, row) set by the trained classifier, so later components reuse it.
    features: tuple[Any, int] | None = None

    @property
    def text(self) -> str:
        return self.mention.text

    @property
    def sig(self) -> TextSignals:
        if self.signals is None:
            raise RuntimeError("the 'normalise' component must run before this one")
        return self.signals

    def to_assessment(self, model_version: str) -> Assessment:
        return Assessment(
            language=self.language,
            is_complaint=self.is_complaint,
            complaint_score=round(self.complaint_score, 4),
            pqr_type=self.pqr_type,
            category=self.category if self.is_complaint else None,
            sentiment=self.sentiment,
            anger=round(self.anger, 4),
            abusive=self.abusive,
            threat=self.threat,
            legal_risk=self.legal_risk,
            author_role=self.author_role,
            role_confidence=round(self.role_confidence, 4),
            priority=self.priority,
            reasons=tuple(self.reasons),
            evidence=tuple(self.evidence),
            impact=self.impact,
            model_version=model_version,
            extra={key: round(value, 4) for key, value in self.scores.items()},
            relevant=self.relevant,
            relevance=round(self.relevance, 4),
            relevance_reasons=tuple(self.relevance_reasons),
        )


class Component(Protocol):
    """One named, replaceable step. Works on a batch so model components can vectorise."""

    name: str

    def __call__(self, docs: list[Doc]) -> None: ...
