"""Choose and call the configured assessor.

The default assessor runs offline from model files shipped in the package. Heavier back-ends
(a local transformer, an OpenAI-compatible endpoint) plug in behind the same `Assessor` protocol.
"""

from __future__ import annotations

import threading
from typing import Protocol

from cauce.mentions.schemas import MentionIn
from cauce.triage.schemas import Assessment, History


class Assessor(Protocol):
    def assess(self, mention: MentionIn, history: History) -> Assessment: ...


_lock = threading.Lock()
_assessor: Assessor | None = None


def get_assessor() -> Assessor:
    """The process-wide assessor, loaded once (model files are read on first use)."""
    global _assessor
    if _assessor is None:
        with _lock:
            if _assessor is None:
                from cauce.triage.pipeline import load_default

                _assessor = load_default()
    return _assessor


def set_assessor(assessor: Assessor | None) -> None:
    """Swap the assessor (configuration, tests). None resets to the default."""
    global _assessor
    with _lock:
        _assessor = assessor


def assess(mention: MentionIn, history: History | None = None) -> Assessment:
    return get_assessor().assess(mention, history or History())
