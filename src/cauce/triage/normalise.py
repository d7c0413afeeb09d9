"""Text normalisation shared by every triage component (lexicons, models, author profiling).

The folding rules (case, accents but ñ, invisible characters, elongations) are `cauce.textnorm`,
shared with the tone guard.

The normalised form is for matching only; what the person wrote is never changed.
"""

from __future__ import annotations

import re

from cauce import textnorm

# Long posts (100 kB) are judged on their head: the first few thousand characters carry the
# complaint, and capping keeps the latency of one message bounded.
MAX_CHARS = 4000

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,50}")
_HTML_TAG = re.compile(r"<[^>\n]{0,200}>")
_SPACES = re.compile(r"\s+")
_LAUGH = re.compile(r"\b(?:[jx]a){2,}[jx]?\b|\b(?:ja|je|ji){2,}\b|\bj[aeijk]{3,}\b|\bxd+\b|\blol\b|\blmao\b")


def strip_accents(text: str) -> str:
    """Drop diacritics but keep ñ, which changes meaning (año/ano); see `cauce.textnorm`."""
    return textnorm.strip_accents(text)


def normalise(text: str) -> str:
    """Lower-case, accent-folded, with URLs/handles as placeholders and elongations collapsed.

    "¡¡¡Pésimooooo servicio @Movistar!!! https://x.co/a" -> "¡¡¡pesimo servicio @user!!! url"
    """
    text = text[:MAX_CHARS]
    text = _HTML_TAG.sub(" ", text)
    text = _URL.sub(" url ", text)
    text = _HANDLE.sub(" @user ", text)
    text = textnorm.fold(text)
    text = _LAUGH.sub(" jaja ", text)
    text = textnorm.collapse_repeats(text)
    return _SPACES.sub(" ", text).strip()


def for_language(text: str) -> str:
    """Lower-cased text without URLs, handles and markup, accents kept (they tell pt from es)."""
    text = _HTML_TAG.sub(" ", text[:1000])
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return _SPACES.sub(" ", text.casefold()).strip()


def caps_ratio(text: str) -> float:
    """Share of upper-case letters among letters (shouting), ignoring very short texts."""
    letters = [ch for ch in text[:MAX_CHARS] if ch.isalpha()]
    if len(letters) < 8:
        return 0.0
    return sum(1 for ch in letters if ch.isupper()) / len(letters)
