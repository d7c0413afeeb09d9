"""The one text folding every rule matcher uses: triage's lexicons and models, and the tone guard.

Below every feature (nothing here knows about mentions or replies). Rules, for matching only (what
the person wrote is never changed):

* invisible characters (zero-width, bidi controls, soft hyphen) are dropped: a hostile text can hide
  them inside a word;
* case is folded and compatibility forms are mapped (fullwidth and mathematical letters);
* accents are dropped **except ñ**, which changes meaning (año/ano, pena/peña): rules that mean
  either spelling write ``[nñ]``;
* a letter repeated three or more times is an elongation and collapses to one ("pésimoooo" ->
  "pesimo", "siiii" -> "si"), except ``l`` and ``r``, which collapse to two ("calllle" -> "calle",
  "burrrro" -> "burro"), because "ll" and "rr" are Spanish letters.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_FOLD = str.maketrans(
    "áàâäãåéèêëíìîïóòôöõúùûüýÿçÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÝÇ",
    "aaaaaaeeeeiiiiooooouuuuyycAAAAAAEEEEIIIIOOOOOUUUUYC",
)
_COMBINING = re.compile(r"[\u0300-\u036f]")
_ENYE = "\u0000"
_REPEATS = re.compile(r"([^\W\d_lr])\1{2,}")
_REPEATS_LR = re.compile(r"([lr])\1{2,}")


def strip_accents(text: str) -> str:
    """Drop diacritics but keep ñ. Common Latin letters go through a table (fast, C level); anything
    else is compatibility-decomposed and its combining marks dropped."""
    text = text.translate(_FOLD)
    if text.isascii():
        return text
    text = text.replace("ñ", _ENYE).replace("Ñ", _ENYE)
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.replace(_ENYE, "ñ")


def fold(text: str) -> str:
    """Lower-case, accent-free but for ñ, compatibility-normalised, without invisible characters."""
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        # casefold after decomposition too: NFKD turns fullwidth/math capitals into plain capitals.
        return strip_accents(text.casefold()).casefold()
    return text.casefold()


def collapse_repeats(text: str) -> str:
    """Elongations collapsed (see the module rules)."""
    return _REPEATS_LR.sub(r"\1\1", _REPEATS.sub(r"\1", text))
