"""The correction dialog and the learning curve speak Spanish and English: every string, field label
and value label has its English translation."""

from __future__ import annotations

import re

from cauce.corrections.fields import FIELDS
from cauce.vocabulary import CHANNELS
from cauce.web.corrections_pages import CHOICE_LABELS
from cauce.web.i18n import source_messages, translations


def test_every_correction_string_has_an_english_translation() -> None:
    english = translations("en")
    messages = set(source_messages("corrections/**.html")) | {f.label for f in FIELDS.values()}
    messages |= {label for labels in CHOICE_LABELS.values() for label in labels.values()} | {"Sí"}
    assert len(messages) > 30
    names = set(CHANNELS.values())  # network names read the same in both languages
    missing = sorted(m for m in messages - names if english.gettext(m) == m and re.search(r"[a-záéíóúñ]{3}", m))
    assert not missing, f"add these to i18n/en/LC_MESSAGES/messages.po: {missing}"
    assert english.gettext("Tipo de PQR") != "Tipo de PQR" and english.gettext("Corregir el triage") == \
        "Correct the triage"
