"""Impact: how far a mention reaches, how fast it grows, how serious it is (PLAYBOOK §2)."""

from __future__ import annotations

import math
from datetime import datetime

from cauce.triage.doc import Doc
from cauce.triage.schemas import History, Impact, MetricPoint

_MIN_HOURS = 0.25  # a brand-new post with 10 likes is not growing at 10,000/h


def _engagement(point: MetricPoint) -> int:
    return point.likes + point.reposts + point.replies


def reach(followers: int, *, on_own_page: bool, verified: bool) -> float:
    """0..1 on a log scale: 1 M followers is the ceiling."""
    value = math.log10(max(0, followers) + 1) / 6.0
    value += 0.15 if on_own_page else 0.0
    value += 0.1 if verified else 0.0
    return min(1.0, value)


def engagement_per_hour(history: History, created_at: datetime) -> float:
    """Growth between the first and last snapshot, or since publication with one snapshot."""
    points = sorted(history.metric_snapshots, key=lambda p: p.observed_at)
    if not points:
        return 0.0
    if len(points) >= 2 and points[-1].observed_at > points[0].observed_at:
        hours = (points[-1].observed_at - points[0].observed_at).total_seconds() / 3600
        return max(0.0, _engagement(points[-1]) - _engagement(points[0])) / max(hours, _MIN_HOURS)
    hours = (points[-1].observed_at - created_at).total_seconds() / 3600
    return _engagement(points[-1]) / max(hours, _MIN_HOURS)


def velocity(per_hour: float) -> float:
    """0..1 on a log scale: 1,000 interactions per hour is the ceiling."""
    return min(1.0, math.log10(1.0 + max(0.0, per_hour)) / 3.0)


def severity(doc: Doc) -> float:
    return min(1.0, max(
        1.0 if doc.threat else 0.0,
        0.75 if doc.legal_risk else 0.0,
        0.45 if doc.abusive else 0.0,
        0.6 * doc.anger,
        0.3 * doc.complaint_score,
    ))


class ImpactScorer:
    name = "impact"

    def __call__(self, docs: list[Doc]) -> None:
        for doc in docs:
            followers = doc.mention.author.followers
            per_hour = engagement_per_hour(doc.history, doc.mention.created_at)
            doc.impact = Impact(
                reach=round(reach(followers, on_own_page=doc.history.on_own_page,
                                  verified=doc.history.author_is_verified), 4),
                velocity=round(velocity(per_hour), 4),
                severity=round(severity(doc), 4),
                followers=followers,
                on_own_page=doc.history.on_own_page,
                engagement_per_hour=round(per_hour, 2),
            )
