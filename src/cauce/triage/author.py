"""Author role from the current message and the author's history with the brand.

Conservative by design (PLAYBOOK §7): calling an unhappy customer a troll is the worst error,
so "troll" needs several consistent signals across messages and no sign of being a customer,
and every role comes with the evidence that supports it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from cauce.triage.doc import Doc
from cauce.triage.lexicons import MOCKERY, PhraseSet
from cauce.triage.rules import complaint_score
from cauce.triage.schemas import Evidence
from cauce.triage.signals import text_signals

_EXCERPT = 140
MAX_EVIDENCE = 12

# Own-words patterns read at the author level only (not text features: the shipped models stay
# valid). Over normalised text: lower case, accents folded, "@user"/"url" placeholders.
# Admitting that a complaint was made up is the strongest troll evidence there is (§7).
ADMITS_FAKING = PhraseSet.of("admits_faking", [
    r"(?:que|q) facil (?:es|fue|era) (?:hacerlos|hacerles|hacer) caer", r"hacerlos caer", r"los hice caer",
    r"cayeron redondit[oa]s", r"(?:me|nos) los (?:trolee|troleamos|fume|fumamos)",
    r"(?:los|les) (?:trolee|troleamos|engañe|engañamos|enganamos)",
    r"la (?:foto|imagen|captura) (?:la )?(?:saque|baje|robe|tome|copie) de (?:google|internet|pinterest|otro lado)",
    r"(?:me lo|lo) (?:invente|inventé)(?: todo)?", r"todo (?:fue|era) (?:inventado|mentira|broma)",
])
# Only with laughter or mockery in the same message: "me cobran y ni soy cliente" is a complaint.
ADMITS_FAKING_WEAK = PhraseSet.of("admits_faking_weak", [
    r"ni (?:siquiera )?soy (?:cliente|usuari[oa])(?: de (?:ustedes|ellos|esa empresa|esta empresa))?",
    r"ni (?:siquiera )?tengo (?:la app|la aplicacion|cuenta|el servicio|su servicio|el producto|linea|tarjeta)",
    r"nunca (?:les )?(?:he )?compr(?:e|ado) nada", r"ni lo compre",
])
# "Día 995 sin que me devuelvan mi plata", "van 400 días sin...": a counted, long-held grievance.
_DAY_COUNTER = re.compile(r"\b(?:dia|dias|van|llevo|llevamos|cumplo|cumplimos)\s+(?:numero\s+)?(\d{1,5})\s*"
                          r"(?:dias\s+)?sin\b")
GRUDGE_COUNTER_MIN_DAYS = 60  # a live outage counted for days ("día 4 sin internet") is a customer
GRUDGE_COUNTER_MIN_POSTS = 3  # on different days


@dataclass
class AuthorProfile:
    """Counts of messages (not of words) showing each signal, over history + current message."""

    messages: int = 0
    ownership: int = 0  # "mi pedido", order/account numbers, "soy cliente": signs of being a customer
    customer: int = 0  # ownership or a concrete request
    complaints: int = 0
    insults: int = 0
    mockery: int = 0
    replies: int = 0  # replies to somebody else's post
    pile_ons: int = 0  # mockery/insults in replies to somebody else's post
    grudge: int = 0  # boycott calls, generalised attacks, old grievances
    boycott: int = 0
    old_grievance: int = 0
    threats: int = 0
    answered: int = 0
    unanswered_before_insult: int = 0
    admissions: int = 0  # "la foto la saqué de Google", "jajaja ni soy cliente": admits faking
    faked: int = 0  # complaints, insults or mockery other than the admissions (what was faked)
    # Mockery or insults other than a customer's sarcastic complaint about their own problem
    # ("Excelente servicio, como siempre 🙃") or an emoji under one's own joke; pile-ons on
    # somebody else's post weigh double.
    taunts: int = 0
    counter_days: set[date] = field(default_factory=set)  # days with a long grudge counter post
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def troll_messages(self) -> int:
        return max(self.mockery, self.insults) + self.pile_ons


def _excerpt(text: str) -> str:
    text = " ".join(text[: _EXCERPT * 4].split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


@dataclass(frozen=True)
class _Observation:
    """What one message says about its author (cached: histories repeat the same texts)."""

    excerpt: str
    ownership: bool
    customer_signal: str | None  # "concrete_request" | "customer_evidence"
    complaint: bool
    insult: bool
    mockery: bool
    grudge_signal: str | None  # "boycott_call" | "old_grievance" | "generalised_attack"
    boycott: bool
    old_grievance: bool
    threat: bool
    admission: bool
    grudge_counter: bool
    # Mockery in words ("payasos", "jaja"), not only an emoji such as 😂 or 🙃 under one's own post.
    # (Bare laughter stays in: the corpus's threatening trolls end with "cuiden a su gerente jaja".)
    mocking_words: bool


def _admits_faking(norm: str, laughing: bool) -> bool:
    return bool(ADMITS_FAKING.find(norm)) or (laughing and bool(ADMITS_FAKING_WEAK.find(norm)))


def _grudge_counter(norm: str) -> bool:
    return any(int(n) >= GRUDGE_COUNTER_MIN_DAYS for n in _DAY_COUNTER.findall(norm))


@lru_cache(maxsize=131_072)
def _observation(text: str) -> _Observation:
    sig = text_signals(text)
    return _Observation(
        excerpt=_excerpt(text),
        ownership=bool(sig.customer_evidence),
        customer_signal=(("concrete_request" if sig.concrete_request else "customer_evidence")
                         if sig.customer_markers else None),
        complaint=complaint_score(sig) >= 0.5,
        insult=bool(sig.insults),
        mockery=bool(sig.mockery),
        grudge_signal=(("boycott_call" if sig.boycott else ("old_grievance" if sig.old_grievance
                                                              else "generalised_attack"))
                       if sig.grudge_markers else None),
        boycott=bool(sig.boycott),
        old_grievance=bool(sig.old_grievance),
        threat=bool(sig.threats),
        admission=_admits_faking(sig.norm, laughing=bool(sig.mockery)),
        grudge_counter=_grudge_counter(sig.norm),
        mocking_words=bool(MOCKERY.find(sig.norm)),
    )


def _observe(profile: AuthorProfile, text: str, *, reply_to_other: bool, answered: bool,
             external_id: str | None, unanswered_so_far: int, day: date | None = None) -> None:
    seen = _observation(text)
    profile.messages += 1
    profile.answered += answered
    profile.replies += reply_to_other

    def note(signal: str) -> None:
        profile.evidence.append(Evidence(signal=signal, message=seen.excerpt, external_id=external_id))

    profile.ownership += seen.ownership
    if seen.customer_signal:
        profile.customer += 1
        note(seen.customer_signal)
    profile.complaints += seen.complaint
    if seen.insult:
        profile.insults += 1
        if profile.insults == 1:
            profile.unanswered_before_insult = unanswered_so_far
        note("insult")
    if seen.mockery:
        profile.mockery += 1
        note("mockery")
    if reply_to_other and (seen.mockery or seen.insult):
        profile.pile_ons += 1
        note("pile_on")
    if reply_to_other and (seen.mockery or seen.insult):
        profile.taunts += 2  # weighted like `troll_messages`: a pile-on counts twice
    elif (seen.mocking_words or seen.insult) and not seen.complaint:
        profile.taunts += 1  # a sarcastic complaint, or a 😂 under one's own joke, is no taunt
    if seen.grudge_signal:
        profile.grudge += 1
        note(seen.grudge_signal)
    profile.boycott += seen.boycott
    profile.old_grievance += seen.old_grievance
    if seen.threat:
        profile.threats += 1
        note("threat")
    if seen.admission:
        profile.admissions += 1
        note("admits_faking")
    elif seen.complaint or seen.insult or seen.mockery:
        profile.faked += 1
    if seen.grudge_counter:
        if day is not None:
            profile.counter_days.add(day)
        note("grudge_counter")


# Kept first when evidence is trimmed: the signals a role decision rests on.
DECISIVE_SIGNALS = frozenset({"admits_faking", "grudge_counter", "pile_on", "threat"})


def trim_evidence(items: list[Evidence]) -> list[Evidence]:
    """At most MAX_EVIDENCE items, the most recent ones, never dropping a decisive one for another."""
    if len(items) <= MAX_EVIDENCE:
        return items
    decisive = [i for i, e in enumerate(items) if e.signal in DECISIVE_SIGNALS][-MAX_EVIDENCE:]
    others = [i for i, e in enumerate(items) if e.signal not in DECISIVE_SIGNALS]
    room = MAX_EVIDENCE - len(decisive)
    keep = set(decisive) | set(others[len(others) - room:] if room else [])
    return [e for i, e in enumerate(items) if i in keep]


def build_profile(doc: Doc) -> AuthorProfile:
    """The author's profile from their own messages only: their history and the current message."""
    profile = AuthorProfile()
    unanswered = 0
    for prior in doc.history.prior_messages:
        _observe(profile, prior.text, reply_to_other=prior.reply_to_other,
                 answered=prior.answered, external_id=prior.external_id, unanswered_so_far=unanswered,
                 day=prior.created_at.date())
        unanswered += 0 if prior.answered else 1
    _observe(profile, doc.text, reply_to_other=doc.history.reply_to_other, answered=False,
             external_id=doc.mention.id, unanswered_so_far=unanswered, day=doc.mention.created_at.date())
    return profile


def own_words_role(profile: AuthorProfile) -> tuple[str, float] | None:
    """Roles the author's own words settle whatever a model says, or None.

    - Admitting the complaint was made up ("ni tengo la app, la foto la saqué de Google") after
      complaining, insulting or mocking: troll. Their own retraction outweighs earlier signs of
      being a customer, but one message is never enough.
    - Counting a long-held grievance day after day ("Día 995 sin que me devuelvan mi plata"):
      a hostile user with a grudge (§6), not a troll and no longer a live customer case.
    """
    if profile.admissions and profile.messages >= 2 and profile.faked >= 1:
        return "troll", min(0.9, 0.75 + 0.05 * (profile.admissions + profile.faked - 1))
    if len(profile.counter_days) >= GRUDGE_COUNTER_MIN_POSTS:
        return "hostil", min(0.9, 0.6 + 0.05 * len(profile.counter_days))
    return None


def troll_allowed(profile: AuthorProfile) -> bool:
    """The hard gate before anyone is called a troll, whatever a model says (also a model feature:
    the shipped author model was trained with it, so it must not change without retraining)."""
    return profile.messages >= 2 and profile.ownership == 0 and profile.threats + profile.troll_messages >= 2


def troll_gate(profile: AuthorProfile) -> bool:
    """`troll_allowed`, and at least two messages that taunt rather than complain: a customer's
    sarcasm about their own problem is a complaint (§7: be sure before calling anyone a troll)."""
    return troll_allowed(profile) and profile.threats + profile.taunts >= 2


def decide(profile: AuthorProfile, *, current_is_complaint: bool) -> tuple[str, float]:
    """Rule-only role and confidence. Order matters: customer evidence vetoes troll."""
    settled = own_words_role(profile)
    if settled is not None:
        return settled
    customer_like = profile.customer + profile.complaints
    if (profile.troll_messages >= 3 and troll_gate(profile) and profile.customer == 0
            and profile.complaints <= profile.mockery and (profile.mockery >= 2 or profile.pile_ons >= 1)):
        confidence = min(0.9, 0.4 + 0.1 * profile.troll_messages + 0.05 * profile.pile_ons)
        return "troll", confidence
    if profile.grudge >= 2 and profile.customer <= profile.grudge // 2:
        confidence = min(0.9, 0.45 + 0.1 * profile.grudge + 0.05 * profile.boycott)
        return "hostil", confidence
    if customer_like or current_is_complaint:
        confidence = min(0.95, 0.55 + 0.1 * profile.customer + 0.05 * profile.complaints)
        return "cliente", confidence
    if profile.grudge >= 1 or profile.troll_messages >= 2:
        return "ninguno", 0.4  # not enough to label anyone yet: say so with low confidence
    return "ninguno", 0.6 if profile.messages > 1 else 0.5


class AuthorProfiler:
    """Rule-only role (used when no trained role model is shipped)."""

    name = "author"

    def __call__(self, docs: list[Doc]) -> None:
        for doc in docs:
            profile = build_profile(doc)
            doc.author_role, doc.role_confidence = decide(profile, current_is_complaint=doc.is_complaint)
            doc.evidence = trim_evidence(profile.evidence)
            doc.scores["unanswered_before_insult"] = float(profile.unanswered_before_insult)


# --- brigading: several accounts posting near-identical hostile text under the same post --------

@dataclass(frozen=True)
class PostedMessage:
    """One stored message, as brigade detection needs it (`key` and `author` are the caller's ids)."""

    key: int
    author: int
    text: str
    created_at: datetime


_NOISE = re.compile(r"@user|url|#|\d+|[^\w\s]")


def _shingles(text: str) -> frozenset[str]:
    norm = " ".join(_NOISE.sub(" ", text_signals(text).norm).split())
    return frozenset(norm[i:i + 3] for i in range(max(1, len(norm) - 2)))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character trigrams, ignoring handles, links, numbers and emoji."""
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / max(1, len(x | y))


def hostile_or_mocking(text: str) -> bool:
    seen = _observation(text)
    return seen.insult or seen.mockery or seen.grudge_signal is not None or seen.threat


def brigades(messages: Sequence[PostedMessage], *, window: timedelta, min_accounts: int,
             min_similarity: float = 0.6) -> list[list[PostedMessage]]:
    """Groups of near-identical hostile or mocking messages by at least `min_accounts` different
    authors within `window` of the group's first message (callers pass the replies to one post).

    Each member is evidence against its own author only: their own message plus how many accounts
    posted a copy. A single account repeating itself is not a brigade.
    """
    groups: list[list[PostedMessage]] = []
    for message in sorted(messages, key=lambda m: (m.created_at, m.key)):
        if not hostile_or_mocking(message.text):
            continue
        for group in groups:
            first = group[0]
            if (message.created_at - first.created_at <= window
                    and similarity(first.text, message.text) >= min_similarity):
                group.append(message)
                break
        else:
            groups.append([message])
    return [g for g in groups if len({m.author for m in g}) >= min_accounts]
