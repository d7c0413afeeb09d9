"""Triage's priority reasons in the reader's language.

Triage stores its reasons in Spanish (cauce.triage.priority): fixed phrases and a few with a number
or a topic in them. Pages translate them at render time through the catalogue: a fixed phrase is a
msgid as it is; a reason with a number or a topic is matched here and rebuilt from a msgid with a
placeholder, so the catalogue never needs one entry per number.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jinja2 import pass_context

Gettext = Callable[[str], str]

# Spanish reason pattern -> msgid with placeholders (named groups fill them).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<n>\d+) mensajes? sin respuesta$"), "%(n)s mensajes sin respuesta"),
    (re.compile(r"^autor con (?P<n>.+) seguidores$"), "autor con %(n)s seguidores"),
    (re.compile(r"^crece rápido: \+(?P<n>\d+) interacciones/h$"), "crece rápido: +%(n)s interacciones/h"),
)
# "<pqr type>: <topic>": both halves are translated on their own.
TYPE_TOPIC = re.compile(r"^(?P<type>[a-z]+): (?P<topic>[^:]+)$")


def translate_reason(reason: str, gettext: Gettext) -> str:
    translated = gettext(reason)
    if translated != reason:
        return translated
    for pattern, msgid in PATTERNS:
        found = pattern.match(reason)
        if found:
            return gettext(msgid) % found.groupdict()
    found = TYPE_TOPIC.match(reason)
    if found:
        return f"{gettext(found['type'])}: {gettext(found['topic'])}"
    return reason


@pass_context
def reason_filter(context: dict[str, object], reason: str) -> str:
    gettext = context.get("_")
    return translate_reason(reason, gettext) if callable(gettext) else reason
