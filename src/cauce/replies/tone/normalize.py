"""Text folding so rules match words, not spellings: case, accents, odd Unicode and emoji."""

from __future__ import annotations

import re
from functools import lru_cache

from cauce import textnorm

_NON_WORD = re.compile(r"[^\w@#]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…;:\n])\s+|\n+")


def fold(text: str) -> str:
    """Lower-case, accent-free but for ñ, compatibility-normalised text (`cauce.textnorm`, shared with
    triage)."""
    return textnorm.fold(text)


def words(text: str) -> str:
    """Folded text reduced to words separated by single spaces (punctuation and emoji dropped).

    Elongations collapse by the shared rule ("nooo" -> "no", "calllle" -> "calle"), so elongated
    words still match while "jaja" keeps its shape.
    """
    folded = textnorm.collapse_repeats(fold(text))
    return " ".join(_NON_WORD.sub(" ", folded).replace("_", " ").split())


def sentences(text: str) -> list[str]:
    """Split on sentence punctuation and line breaks; keeps short fragments (tweets are terse)."""
    parts = _SENTENCE_END.split(text)
    return [p.strip() for p in parts if p and p.strip()]


@lru_cache(maxsize=512)
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching any folded phrase on word boundaries; phrases may use regex syntax."""
    spaced = r"\s+"
    body = "|".join("(?:" + p.replace(" ", spaced) + ")" for p in phrases)
    return re.compile(rf"(?<![\w@#])(?:{body})(?![\w])")


def find_phrase(phrases: tuple[str, ...], folded_words: str) -> str | None:
    match = phrase_pattern(phrases).search(folded_words)
    return match.group(0) if match else None


def first_name(full: str | None) -> str | None:
    """First given name of a person ("María José Pérez" keeps "María")."""
    if not full:
        return None
    tokens = words(full).split()
    return tokens[0] if tokens else None
