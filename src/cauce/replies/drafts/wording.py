"""Small wording helpers: tú/usted alternations, Rioplatense voseo, names."""

from __future__ import annotations

import re

_ALTERNATION = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")

# Imperatives and present forms of tú that change under voseo (Argentina, Uruguay).
_VOSEO = {
    "escríbenos": "escribinos", "cuéntanos": "contanos", "envíanos": "envianos",
    "compártenos": "compartinos", "confírmanos": "confirmanos", "avísanos": "avisanos",
    "déjanos": "dejanos", "indícanos": "indicanos", "escríbeme": "escribime", "cuéntame": "contame",
    "comunícate": "comunicate", "puedes": "podés", "tienes": "tenés", "quieres": "querés",
    "necesitas": "necesitás", "envíanosla": "envianosla", "esperabas": "esperabas", "has tenido": "tuviste",
}
_VOSEO_PATTERN = re.compile(r"\b(" + "|".join(map(re.escape, _VOSEO)) + r")\b", re.IGNORECASE)
VOSEO_COUNTRIES = frozenset({"AR", "UY"})


def pick_voice(text: str, voice: str) -> str:
    """Resolve "[tú form|usted form]" alternations."""
    return _ALTERNATION.sub(lambda m: m.group(1) if voice == "tu" else m.group(2), text)


def apply_voseo(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        out = _VOSEO[word.lower()]
        return out[:1].upper() + out[1:] if word[:1].isupper() else out

    return _VOSEO_PATTERN.sub(repl, text)


def greeting_name(name: str | None, handle: str | None) -> str:
    """First name when known ("María José Pérez" -> "María"), else the @handle."""
    if name and name.strip():
        return name.strip().split()[0]
    if handle and handle.strip():
        handle = handle.strip()
        return handle if handle.startswith("@") else f"@{handle}"
    return ""


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
