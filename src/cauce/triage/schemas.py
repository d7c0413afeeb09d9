"""The triage contract: what the rest of Cauce hands to triage and what it gets back.

`assess(mention, history) -> Assessment` is the only entry point other features use.
Fields may be added (with defaults); none may be removed or renamed without changing
every caller and the `cauce triage` JSONL contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PqrType = Literal["peticion", "queja", "reclamo", "sugerencia", "felicitacion", "otro"]
Category = Literal["cobro", "entrega", "contrato", "producto", "atencion", "garantia", "otro"]
Sentiment = Literal["negativo", "neutro", "positivo"]
AuthorRole = Literal["cliente", "hostil", "troll", "ninguno"]

PQR_TYPES: tuple[str, ...] = ("peticion", "queja", "reclamo", "sugerencia", "felicitacion", "otro")
CATEGORIES: tuple[str, ...] = ("cobro", "entrega", "contrato", "producto", "atencion", "garantia", "otro")
AUTHOR_ROLES: tuple[str, ...] = ("cliente", "hostil", "troll", "ninguno")


@dataclass(frozen=True)
class PriorMessage:
    """Something the same author said to/about the same brand before (oldest first)."""

    text: str
    created_at: datetime
    answered: bool = False  # the brand replied to it
    external_id: str | None = None
    # Whether it was a reply to somebody else's post (pile-ons are a troll signal).
    reply_to_other: bool = False


@dataclass(frozen=True)
class MetricPoint:
    """A snapshot of the mention's engagement, for velocity."""

    observed_at: datetime
    likes: int = 0
    reposts: int = 0
    replies: int = 0


@dataclass(frozen=True)
class BrandContext:
    """What triage knows of the brand a mention was found for, to judge relevance.

    `terms` are the brand's own names and product names (the brand name is always one); `exclusion_terms`
    make a mention irrelevant unless it addresses the brand; `homonyms` are other things with the brand's
    name (a football club, a stadium) and count against relevance the same way.
    """

    name: str
    handles: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    exclusion_terms: tuple[str, ...] = ()
    homonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class History:
    """What Cauce knows around the mention when it is assessed."""

    prior_messages: tuple[PriorMessage, ...] = ()
    metric_snapshots: tuple[MetricPoint, ...] = ()
    on_own_page: bool = False  # posted on the brand's own page/account (others see it)
    previous_cases: int = 0
    author_is_verified: bool = False
    # The mention being assessed replies to somebody else's post (not the brand's, not the author's).
    reply_to_other: bool = False
    # The brand the mention was found for; None when unknown (`cauce triage` without brand context).
    brand: BrandContext | None = None
    # The mention is addressed to the brand: a reply to the brand's post, a direct message, an e-mail
    # to the brand, a comment on its page, or it tags one of its handles.
    addressed_to_brand: bool = False

    @property
    def unanswered_count(self) -> int:
        return sum(1 for message in self.prior_messages if not message.answered)


@dataclass(frozen=True)
class Impact:
    reach: float  # 0..1
    velocity: float  # 0..1
    severity: float  # 0..1
    followers: int = 0
    on_own_page: bool = False
    engagement_per_hour: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """One reason behind the author role, pointing at the message that shows it."""

    signal: str  # e.g. "insult", "boycott_call", "mockery", "concrete_request"
    message: str  # excerpt of the message
    external_id: str | None = None


@dataclass(frozen=True)
class Assessment:
    language: str
    is_complaint: bool
    complaint_score: float
    pqr_type: str
    category: str | None
    sentiment: str
    anger: float
    abusive: bool
    threat: bool
    legal_risk: bool
    author_role: str
    role_confidence: float
    priority: int  # 0..100
    reasons: tuple[str, ...] = ()  # human-readable, Spanish
    evidence: tuple[Evidence, ...] = ()
    impact: Impact | None = None
    model_version: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    # Relevance comes first: an irrelevant mention (not about or addressed to this brand's products,
    # service or people) is stored and counted but opens no case.
    relevant: bool = True
    relevance: float = 1.0  # 0..1
    relevance_reasons: tuple[str, ...] = ()
