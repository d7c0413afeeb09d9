"""Triage: language, complaint, PQR type, category, emotion, flags, author role, impact, priority.

Other features call `cauce.triage.assess(mention, history)`; nothing else.
"""

from cauce.triage.schemas import Assessment, History, MetricPoint, PriorMessage
from cauce.triage.service import assess

__all__ = ["Assessment", "History", "MetricPoint", "PriorMessage", "assess"]
