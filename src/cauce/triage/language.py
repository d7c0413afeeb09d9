"""Language identification: Spanish and English first-class, Portuguese recognised.

py3langid (BSD) ships its model inside the wheel, so nothing is downloaded. Short social
posts confuse any detector; a Spanish prior settles them, because Cauce listens to
Spanish-speaking brands and most of what it hears is Spanish.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from cauce.triage.doc import Doc
from cauce.triage.lexicons import SPANISH_MARKERS
from cauce.triage.normalise import for_language, strip_accents
from cauce.triage.signals import text_signals

LANGUAGES = ("es", "en", "pt", "fr", "it", "de")
FIRST_CLASS = frozenset({"es", "en", "pt"})
_MIN_CONFIDENCE = 0.7  # below this, a text with Spanish function words is taken as Spanish


_WORD = re.compile(r"\w+")
# Words and spellings that Spanish never uses but Portuguese, English, Catalan or Galician do.
_OTHER_MARKERS = re.compile(
    r"(?<!\w)(?:não|você|vocês|obrigad[oa]|também|então|muito|meu|minha|uma|um|com|sem|ele|ela|"
    r"the|and|is|are|you|your|my|with|have|this|that|to|of|for|it|was|what|"
    r"és|amb|els|però|moito|grazas|et|est|und|ist|nicht|il|della|che|sono|je|ne|pas)(?!\w)"
    r"|ç|ã|õ|à|è|ò|l·l"
)
# Words that are Spanish and not Portuguese, Catalan, Galician or English.
_SPANISH_ONLY = re.compile(
    r"(?<!\w)(?:el|los|las|del|y|pero|muy|hay|ya|nadie|ustedes|porque|hace|un|una|con|sin|lo|le|su|"
    r"sus|hoy|gracias|hola|tengo|cuando|donde|desde|ni|nunca|eso|esto|al|yo|es|son|otra|otro|vez|"
    r"veces|dias|ayer|quiero|puedo|alguien|todavia|aun|bien|mal|mi|me|nos|sabe|semana|llevo)(?!\w)"
)


class _Identifier:
    """Loads the py3langid model once per process, on first use (it takes ~1.5 s)."""

    _lock = threading.Lock()
    _model: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls._model is None:
            with cls._lock:
                if cls._model is None:
                    import py3langid.langid as langid

                    model = langid.LanguageIdentifier.from_modelpath(
                        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)
                    model.set_languages(list(LANGUAGES))
                    cls._model = model
        return cls._model


def _plainly_spanish(sample: str) -> bool:
    """Cheap pre-check that skips the detector for most Spanish posts (it is the costly part)."""
    if _OTHER_MARKERS.search(sample):
        return False
    return len(_SPANISH_ONLY.findall(strip_accents(sample))) >= 2


def detect(text: str) -> tuple[str, float]:
    """ISO 639-1 code and confidence; "und" for text with no letters."""
    sample = for_language(text)
    if not any(ch.isalpha() for ch in sample):
        return "und", 0.0
    if _plainly_spanish(sample):
        return "es", 0.9
    language, confidence = _Identifier.get().classify(sample)
    confidence = float(confidence)
    if language != "es":
        folded = strip_accents(sample)
        share = len(SPANISH_MARKERS.find(folded)) / max(1, len(_WORD.findall(folded)))
        if share >= 0.34 or (confidence < _MIN_CONFIDENCE and share >= 0.2):
            return "es", max(0.5, share)
        if confidence < 0.3 or (language not in FIRST_CLASS and confidence < 0.9):
            return "es", 0.5  # little to go on: the Spanish prior
    return str(language), confidence


class LanguageDetector:
    name = "language"

    def __init__(self) -> None:
        # Decompressing the detector's model takes ~1.5 s and releases the GIL: start it now, in
        # the background, so it overlaps with loading the other models.
        threading.Thread(target=_Identifier.get, name="langid-load", daemon=True).start()

    def __call__(self, docs: list[Doc]) -> None:
        for doc in docs:
            doc.language, doc.language_confidence = detect(doc.text)


class Normaliser:
    """Normalised text and lexicon signals for every later component."""

    name = "normalise"

    def __call__(self, docs: list[Doc]) -> None:
        for doc in docs:
            doc.signals = text_signals(doc.text)
