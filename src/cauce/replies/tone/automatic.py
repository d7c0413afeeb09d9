"""§3: the reply must not look automatic — no copy of what others got, no empty boilerplate."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from cauce.replies.tone import lexicon
from cauce.replies.tone.normalize import find_phrase, first_name, phrase_pattern, words
from cauce.replies.tone.schemas import Finding, GuardContext

RULE = "looks-automatic"
# Similarity = max(rapidfuzz ratio, token_sort_ratio) over texts stripped of the greeting name,
# handles and numbers: ratio catches a template with only the problem swapped, token_sort a
# copy with its sentences reordered. Dev-split sweep (benchmarks/replies/tone_guard.py --sweep):
# copies score 78-97, honest replies to others at most 66; 72 sits in the middle of that gap.
DUPLICATE_THRESHOLD = 72.0
EMBEDDING_THRESHOLD = 0.92
# Below this many topical words a reply says nothing specific about the problem.
MIN_TOPICAL_WORDS = 3

Embedder = Callable[[Sequence[str]], Sequence[Sequence[float]]]

_GREETING_NAME = re.compile(r"^(hola|buenas|buen dia|buenos dias|buenas tardes|buenas noches|"
                            r"estimad[oa]|querid[oa]|hi|hello|hey)( \w+)?")
_NUMBER = re.compile(r"\b\d+\b")
# A closing signature ("— Laura, de Conectel") is the same on every reply of an agent by design
# (§3: signed with the agent's first name); what must differ is the body, so it is left out.
_SIGNATURE = re.compile(r"\s*[—–]\s*[^\n—–.!?]{1,80}\s*$")
_STOP_WORDS = (
    "a al algo ante antes aqui asi aun bien cada como con contigo cual cuando de del desde donde e el "
    "ella ellos en entre era es esa ese eso esta estamos estan este esto estos fue ha hace hacer han "
    "hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros nuestra nuestro "
    "nuestras nuestros o para pero por porque que quien se sea ser si sin sobre son su sus tambien te "
    "tenemos ti tiene todo todos tu tus un una uno unos usted ustedes va vamos y ya yo hola gracias "
    "saludos equipo ayuda ayudarte ayudarle ayudar atentos atento quedamos pronto breve mensaje "
    "comentario comentarios molestias inconvenientes lamentamos disculpa disculpe disculpas "
    "contactarnos escribirnos contactar escribenos escribanos dm md privado revisar revisamos caso "
    "cualquier cosa favor dia buen buenas estar importante opinion nota tomamos gusto placer queremos "
    "quieres quiere puedes puede podemos necesitas necesita hoy momento gran abrazo cordial the and "
    "for your you we our thanks thank please sorry hi hello team us with"
)
_STOP = frozenset(_STOP_WORDS.split())


@lru_cache(maxsize=4096)
def _strip_other(text: str) -> str:
    """Recent replies are compared again and again (each check, each draft candidate): cache."""
    return _strip(text, ())


def _strip(text: str, names: Sequence[str]) -> str:
    folded = _GREETING_NAME.sub(r"\1", words(_SIGNATURE.sub("", text)))
    tokens = [t for t in folded.split() if not t.startswith("@") and t not in names]
    return _NUMBER.sub("", " ".join(tokens))


def _names(context: GuardContext) -> list[str]:
    out = [n for n in (first_name(context.recipient_name),) if n]
    out += words(context.recipient_handle or "").lstrip("@").split()
    return out


def _stems(text: str) -> set[str]:
    return {t[:5] for t in words(text).split() if len(t) >= 4 and t not in _STOP and not t.isdigit()}


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def closest_duplicate(text: str, context: GuardContext) -> tuple[float, str | None]:
    """Highest fuzzy similarity (0-100) to a recent reply to someone else, and that reply."""
    names = _names(context)
    mine = _strip(text, names)
    best, best_text = 0.0, None
    for other in context.recent_replies_to_others[-200:]:
        theirs = _strip_other(other)
        score = max(fuzz.ratio(mine, theirs), fuzz.token_sort_ratio(mine, theirs))
        if score > best:
            best, best_text = score, other
    return best, best_text


def embedding_duplicate(text: str, context: GuardContext, embedder: Embedder) -> tuple[float, str | None]:
    """Optional semantic check: cosine (0-100) to the closest recent reply by a sentence embedder."""
    recent = context.recent_replies_to_others[-200:]
    if not recent:
        return 0.0, None
    vectors = embedder([text, *recent])
    scored = [(_cosine(vectors[0], v) * 100, other) for other, v in zip(recent, vectors[1:], strict=False)]
    return max(scored, key=lambda pair: pair[0])


def is_generic(text: str, context: GuardContext) -> str | None:
    """The boilerplate phrase when the reply has nothing that refers to the problem."""
    folded = words(text)
    phrase = find_phrase(lexicon.GENERIC, folded)
    if phrase is None:
        return None
    names = set(_names(context)) | {first_name(context.agent_name) or ""}
    residue = phrase_pattern(lexicon.GENERIC).sub(" ", folded)
    mine = {s for s in _stems(residue) if s not in {n[:5] for n in names if n}}
    if context.mention_text.strip():
        if mine & _stems(context.mention_text):
            return None
        # A reply can name the problem with its own words ("cobro", "pedido").
        return phrase if len(mine) < MIN_TOPICAL_WORDS + 2 else None
    return phrase if len(mine) < MIN_TOPICAL_WORDS else None


def check(text: str, context: GuardContext, embedder: Embedder | None = None) -> list[Finding]:
    score, other = closest_duplicate(text, context)
    if embedder is not None and (other is None or score < DUPLICATE_THRESHOLD):
        cosine, near = embedding_duplicate(text, context, embedder)
        if cosine >= EMBEDDING_THRESHOLD * 100:
            score, other = max(cosine, DUPLICATE_THRESHOLD), near
    if other is not None and score >= DUPLICATE_THRESHOLD:
        preview = other if len(other) <= 80 else other[:77].rsplit(" ", 1)[0] + "…"
        return [Finding(
            rule=RULE, severity="warn",
            message=(f"Se parece demasiado ({score:.0f}/100) a una respuesta reciente a otra persona "
                     f"(«{preview}»); parecerá automática (§3)."),
            suggestion="Cambia la redacción y menciona el problema concreto de esta persona.")]
    if phrase := is_generic(text, context):
        return [Finding(
            rule=RULE, severity="warn",
            message=f"Respuesta genérica («{phrase}») que no menciona el problema concreto (§3).",
            suggestion="Nombra el problema con sus palabras («el cobro doble de tu factura») y di "
                       "qué harás ahora.")]
    return []
