"""The `cauce reply draft --intent` help lists exactly the intents the drafts know."""

from cauce.replies.cli import INTENT_NAMES
from cauce.replies.drafts import INTENTS


def test_help_lists_every_intent() -> None:
    assert ", ".join(INTENTS) == INTENT_NAMES
