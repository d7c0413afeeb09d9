"""Make untrusted text safe to store everywhere without changing what a person reads."""

from __future__ import annotations

import re
import unicodedata

# NUL is rejected by PostgreSQL text columns; other C0 controls (except tab/newline/CR) carry no meaning.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone surrogates cannot be encoded as UTF-8 (they come from broken JSON escapes such as "\ud83d").
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Zalgo: cap runs of combining marks so one message cannot blow up rendering.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING_RUN = re.compile(f"([{_MARKS}]{{3}})[{_MARKS}]+")


def clean_text(value: str) -> str:
    """NFC-normalise, drop lone surrogates and control characters, and tame zalgo.

    Bidirectional marks and emoji are kept: they are part of what the person wrote.
    HTML is *not* stripped here; it is stored as text and escaped wherever it is shown.
    """
    value = _SURROGATE.sub("\ufffd", value)
    value = _CONTROL.sub("", value)
    value = unicodedata.normalize("NFC", value)
    return _COMBINING_RUN.sub(r"\1", value)
