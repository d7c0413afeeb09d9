"""Relevance, judged before complaint and PQR: is the mention about or addressed to this brand's
products, service or people? A listening stream is mostly noise (sport, TV, news, homonyms, people
talking about other people); an irrelevant mention is stored and counted but opens no case.

Structure first, text last:

1. **Addressed to the brand** (a reply to its post, a direct message or e-mail, a comment on its own
   page, or the text tags one of its handles) -> relevant.
2. **Names the brand or one of its terms** -> relevant, unless every mention of the name sits inside a
   known homonym ("Estadio TelcoNova") or an exclusion term appears ("Liverpool" the club vs the store),
   which make it irrelevant unless the text is clearly a customer's own experience.
3. **Neither** -> relevant only if the text itself is clearly a first-person customer experience with a
   product or service: the trained `customer` text score above a high threshold **and** lexicon evidence
   of a customer relationship ("mi pedido", "me cobraron", "soy cliente", a concrete request, or a
   complaint cue about a product/service topic). The score alone is not enough: real tweets about
   football or politics are emotional first-person text too.

Without brand context (`cauce triage` with no brand; `History.brand is None`) the mention was already
picked for the brand by whoever sent it, so it stays relevant, as before, unless the text score says it
clearly is not customer-experience text at all (below a low threshold: football, TV, memes, news).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from cauce.textnorm import fold
from cauce.triage.doc import Doc
from cauce.triage.schemas import BrandContext

# Defaults when the model files carry no tuned thresholds (see `train.tune_relevance`).
HIGH = 0.9  # unaddressed, unnamed: a customer's own experience beyond doubt (also the floor of the tuned one)
LOW = 0.15  # no brand context: below this the text is clearly not customer-experience text
ADDRESSED = 0.95
NAMED = 0.9
_HANDLE_IN_TEXT = re.compile(r"(?<![\w@])@(\w{1,50})")


def _phrase(term: str) -> re.Pattern[str] | None:
    folded = " ".join(fold(term).lstrip("@#").split())
    if not folded:
        return None
    # "RapiMenú" also matches "#RapiMenu", "rapimenu" and "@rapimenu"; spaces in a term match any spacing.
    body = r"[\s_-]*".join(re.escape(word) for word in folded.split())
    return re.compile(rf"(?<![\w])[@#]?{body}(?!\w)")


@dataclass(frozen=True)
class _BrandMatcher:
    handles: frozenset[str]
    terms: tuple[tuple[str, re.Pattern[str]], ...]
    exclusions: tuple[tuple[str, re.Pattern[str]], ...]
    homonyms: tuple[tuple[str, re.Pattern[str]], ...]


@lru_cache(maxsize=256)
def _matcher(brand: BrandContext) -> _BrandMatcher:
    def compiled(items: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
        out = []
        for item in dict.fromkeys(items):
            pattern = _phrase(item)
            if pattern is not None:
                out.append((item, pattern))
        return tuple(out)

    handles = frozenset(fold(h).lstrip("@") for h in brand.handles if h.strip("@ "))
    return _BrandMatcher(handles=handles, terms=compiled((brand.name, *brand.terms)),
                         exclusions=compiled(brand.exclusion_terms), homonyms=compiled(brand.homonyms))


def _tags_handle(text: str, handles: frozenset[str]) -> bool:
    return bool(handles) and any(fold(h) in handles for h in _HANDLE_IN_TEXT.findall(text))


def customer_evidence(doc: Doc) -> bool:
    """Lexicon evidence that the author speaks as a customer of some product or service."""
    sig = doc.sig
    return sig.customer_evidence > 0 or sig.concrete_request > 0 or (sig.complaint > 0 and any(sig.categories))


def judge(doc: Doc, text_score: float, *, high: float = HIGH, low: float = LOW) -> tuple[bool, float, list[str]]:
    """(relevant, relevance 0..1, Spanish reasons) for one mention, given its customer-text score."""
    history, mention = doc.history, doc.mention
    brand = history.brand
    addressed = history.addressed_to_brand or history.on_own_page or mention.private
    if brand is None:
        if addressed:
            return True, max(ADDRESSED, text_score), ["dirigida a la marca"]
        if text_score < low:
            return False, text_score, [f"sin contexto de marca y el texto no es de un cliente ({text_score:.2f})"]
        return True, text_score, []
    matcher = _matcher(brand)
    if addressed or _tags_handle(mention.text, matcher.handles):
        return True, max(ADDRESSED, text_score), [f"dirigida a {brand.name} (respuesta, mensaje directo o etiqueta)"]
    folded = fold(mention.text[:4000])
    homonym_spans = [m.span() for _, pattern in matcher.homonyms for m in pattern.finditer(folded)]
    named = [(term, m.span()) for term, pattern in matcher.terms for m in pattern.finditer(folded)]
    outside = [term for term, (start, end) in named
               if not any(s <= start and end <= e for s, e in homonym_spans)]
    if named:
        clearly_customer = text_score >= high and customer_evidence(doc)
        if not outside:
            homonym = next(h for h, p in matcher.homonyms if p.search(folded))
            if clearly_customer:
                return True, text_score, [f"nombra «{homonym}», pero habla un cliente ({text_score:.2f})"]
            return False, 0.1, [f"homónimo: «{homonym}» no es {brand.name}"]
        excluded = [term for term, pattern in matcher.exclusions if pattern.search(folded)]
        if excluded and not clearly_customer:
            return False, 0.2, [f"término excluido: «{excluded[0]}»"]
        return True, max(NAMED, text_score), [f"nombra la marca: «{outside[0]}»"]
    # Unnamed and unaddressed: an explicit customer relationship ("mi factura", "me cobraron", "soy
    # cliente") or a complaint about a product/service topic ("sin internet") counts; a polite request
    # alone ("por favor", "quiero que", "necesito") is how fans, voters and TV viewers write too: on
    # HatEval/EmoEvent it let 23 of 3,256 tweets in, none about a brand.
    sig = doc.sig
    if text_score >= high and (sig.customer_evidence > 0 or (sig.complaint > 0 and any(sig.categories))):
        return True, text_score, [f"no nombra la marca, pero es la experiencia de un cliente ({text_score:.2f})"]
    return False, text_score, [f"no nombra ni se dirige a {brand.name}"]


def rule_text_score(doc: Doc) -> float:
    """Without a trained head: lexicon evidence of a customer talking about a product or service."""
    sig = doc.sig
    evidence = 2 * sig.customer_evidence + sig.concrete_request + sig.complaint + sig.petition
    return float(min(1.0, 0.1 + 0.2 * evidence))


class RelevanceScorer:
    """The `relevance` pipeline component (runs after `normalise`, before `classify`)."""

    name = "relevance"

    def __init__(self, featurizer: Any = None, head: Any = None, *, high: float = HIGH, low: float = LOW) -> None:
        from cauce.triage.fast_linear import fast_head

        self.featurizer = featurizer
        self.head = fast_head(head) if head is not None else None
        self.high, self.low = high, low

    def text_scores(self, docs: list[Doc]) -> list[float]:
        if self.head is None or self.featurizer is None:
            return [rule_text_score(doc) for doc in docs]
        X = self.featurizer.transform([d.text for d in docs])
        for row, doc in enumerate(docs):
            doc.features = (X, row)  # the classifier reuses them
        proba = self.head.predict_proba(X)
        column = list(self.head.classes_).index(True)
        return [float(p) for p in np.asarray(proba)[:, column]]

    def __call__(self, docs: list[Doc]) -> None:
        if not docs:
            return
        for doc, score in zip(docs, self.text_scores(docs), strict=True):
            doc.relevant, doc.relevance, doc.relevance_reasons = judge(doc, score, high=self.high, low=self.low)
            doc.scores["customer_text"] = score
