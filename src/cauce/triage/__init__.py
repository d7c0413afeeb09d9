"""Triage: language, complaint, PQR type, category, emotion, flags, author role, impact, priority.

Other features call `cauce.triage.assess(mention, history)`; nothing else. The service (and the
model files behind it) load on first use, so importing the contract stays cheap.
"""

from typing import Any

from cauce.triage.schemas import Assessment, History, MetricPoint, PriorMessage

__all__ = ["Assessment", "History", "MetricPoint", "PriorMessage", "assess"]


def __getattr__(name: str) -> Any:
    if name == "assess":
        from cauce.triage.service import assess

        return assess
    raise AttributeError(name)
