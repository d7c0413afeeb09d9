"""Lexicon signals of one text: the evidence rules and models build on.

Computed once per text (and cached, because author histories repeat the same texts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cauce.triage import lexicons as lx
from cauce.triage.normalise import caps_ratio, normalise

_TOKEN = re.compile(r"[\w@]+")
_TARGET_WINDOW = 3  # tokens before an insult in which an addressee counts


@dataclass(frozen=True)
class TextSignals:
    norm: str
    insults: tuple[str, ...]  # degrading words aimed at somebody (or unambiguous insults)
    swearing: tuple[str, ...]  # swearing about a situation
    threats: tuple[str, ...]
    legal: tuple[str, ...]
    mockery: int
    boycott: int
    generalised: int
    old_grievance: int
    customer_evidence: int
    concrete_request: int
    complaint: int
    sarcasm: int
    petition: int
    suggestion: int
    praise: int
    negative: int
    anger_words: int
    anger_emoji: int
    exclamations: int
    questions: int
    caps: float
    categories: tuple[int, ...]  # cue counts, in `lexicons.CATEGORY_CUES` order

    @property
    def troll_markers(self) -> int:
        return self.mockery + len(self.insults)

    @property
    def grudge_markers(self) -> int:
        return self.boycott + self.generalised + self.old_grievance

    @property
    def customer_markers(self) -> int:
        return self.customer_evidence + self.concrete_request


def _targeted(norm: str, start: int, end: int) -> bool:
    """Whether the contextual insult at [start, end) is aimed at somebody, not at a situation."""
    before = _TOKEN.findall(norm[:start])[-_TARGET_WINDOW:]
    after = _TOKEN.findall(norm[end:])[:2]
    # "X de mierda": degrading when X names a person or organisation, swearing when a thing.
    if len(before) >= 2 and before[-1] == "de":
        return bool(lx.TARGETS.find(before[-2])) and not lx.SITUATION_NOUNS.find(before[-2])
    # "pinche servicio", "maldita app", "servicio basura": about a thing.
    if after and lx.SITUATION_NOUNS.find(after[0]):
        return False
    if before and lx.SITUATION_NOUNS.find(before[-1]):
        return False
    return bool(lx.TARGETS.find(" ".join(before))) or "@user" in after


def _insults(norm: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    insults: list[str] = []
    swearing: list[str] = []
    strong = lx.INSULTS_STRONG.pattern
    for match in strong.finditer(norm):
        insults.append(match.group(0))
    taken = [m.span() for m in strong.finditer(norm)]
    for match in lx.INSULTS_CONTEXTUAL.pattern.finditer(norm):
        start, end = match.span()
        if any(s <= start < e for s, e in taken):
            continue
        if _targeted(norm, start, end):
            insults.append(match.group(0))
        else:
            swearing.append(match.group(0))
    return tuple(insults), tuple(swearing)


@lru_cache(maxsize=16_384)  # bounded: texts are capped at MAX_CHARS, so at most ~70 MB
def text_signals(text: str) -> TextSignals:
    norm = normalise(text)
    insults, swearing = _insults(norm)
    legal = tuple(lx.LEGAL.find(norm))
    idioms = lx.THREAT_IDIOMS.spans(norm)
    threats = tuple(
        m.group(0) for m in lx.THREATS.pattern.finditer(norm)
        # "los voy a quemar en redes" is public shaming, not violence.
        if not norm.startswith((" en redes", " en twitter", " en facebook", " en internet"), m.end())
        # "te voy a matar a besos", "matar el tiempo": idioms.
        and not any(start <= m.start() < end or m.start() <= start < m.end() for start, end in idioms)
    )
    head = text[: 4000]
    return TextSignals(
        norm=norm,
        insults=insults,
        swearing=swearing,
        threats=threats,
        legal=legal,
        mockery=len(lx.MOCKERY.find(norm)) + len(lx.MOCKERY_EMOJI.findall(head)),
        boycott=len(lx.BOYCOTT.find(norm)),
        generalised=len(lx.GENERALISED.find(norm)),
        old_grievance=len(lx.OLD_GRIEVANCE.find(norm)),
        customer_evidence=len(lx.CUSTOMER_EVIDENCE.find(norm)),
        concrete_request=len(lx.CONCRETE_REQUEST.find(norm)),
        complaint=len(lx.COMPLAINT_CUES.find(norm)),
        sarcasm=len(lx.SARCASM.find(norm)) + (1 if lx.CLAP_EMOJI.search(head) else 0),
        petition=len(lx.PETITION_CUES.find(norm)),
        suggestion=len(lx.SUGGESTION_CUES.find(norm)),
        praise=len(lx.PRAISE_CUES.find(norm)) + len(lx.POSITIVE_EMOJI.findall(head)),
        negative=len(lx.NEGATIVE.find(norm)) + len(lx.NEGATIVE_EMOJI.findall(head)),
        anger_words=len(lx.ANGER.find(norm)),
        anger_emoji=len(lx.ANGER_EMOJI.findall(head)),
        exclamations=min(head.count("!"), 20),
        questions=min(head.count("?"), 20),
        caps=caps_ratio(head),
        categories=tuple(len(cues.find(norm)) for cues in lx.CATEGORY_CUES.values()),
    )
