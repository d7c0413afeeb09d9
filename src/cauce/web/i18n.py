"""Gettext catalogues (Babel .po files) compiled in memory at first use: no build step.

Message ids are the Spanish texts (Spanish is the source language); `en` translates them.
Templates get `_` and `ngettext` in their context for the request's language.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

CATALOGUE_DIR = Path(__file__).parent / "i18n"
LANGUAGES = {"es": "Español", "en": "English"}
DEFAULT_LANGUAGE = "es"
LANG_COOKIE = "cauce_lang"


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language; unknown languages fall back to the source texts."""
    path = CATALOGUE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie wins; otherwise Spanish unless the browser asks for English first."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def source_messages(pattern: str = "**.html") -> set[str]:
    """UI message ids: `_()` calls in the templates matching `pattern` (relative to templates/,
    e.g. "*.html" for the top level only, "dashboard/**.html") plus the label tables shown
    through `_()`."""
    from babel.messages.extract import extract_from_dir

    from cauce import vocabulary as labels
    from cauce.web.rendering import ROLE_LABELS, TEMPLATE_DIR

    method_map = [(pattern, "jinja2.ext:babel_extract")]
    options = {pattern: {"trim_blocks": "true", "lstrip_blocks": "true"}}
    found = {msg for _file, _line, msg, _comments, _context in extract_from_dir(
        str(TEMPLATE_DIR), method_map=method_map, options_map=options) if isinstance(msg, str)}
    for table in (labels.PQR_TYPES, labels.CATEGORIES, labels.ROLES, labels.FLAGS, labels.CHANNELS,
                  labels.SLA_STATES, labels.REPLY_STATES, labels.VISIBILITY, labels.MODERATION_ACTIONS,
                  labels.MODERATION_STATUS, labels.INTENTS, ROLE_LABELS):
        found.update(table.values())
    from cauce.cases import lifecycle, sla

    found.update(lifecycle.STATES.values(), lifecycle.OUTCOMES.values(), sla.CLOCK_LABELS.values())
    return found
