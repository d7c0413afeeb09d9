"""Choose and call the configured assessor.

The default assessor runs offline from model files shipped in the package. Heavier back-ends
(a local transformer, an OpenAI-compatible endpoint) plug in behind the same `Assessor` protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from cauce.mentions.schemas import MentionIn
from cauce.triage.author import PostedMessage
from cauce.triage.author import brigades as author_brigades
from cauce.triage.schemas import Assessment, History

__all__ = ["Assessor", "PostedMessage", "assess", "brigades", "get_assessor", "set_assessor"]


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


def brigades(messages: Sequence[PostedMessage], *, window: timedelta, min_accounts: int) -> list[list[PostedMessage]]:
    """Near-identical hostile or mocking messages by several accounts in a short window (see `author.brigades`)."""
    return author_brigades(messages, window=window, min_accounts=min_accounts)


def assess(mention: MentionIn, history: History | None = None) -> Assessment:
    return get_assessor().assess(mention, history or History())
