"""The team's activity: what people did (replies, closures, assignments, moderation, notes), read
from the audit log and limited to the brands the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from cauce.audit.models import AuditEvent
from cauce.vocabulary import ACTIVITY_ACTIONS


@dataclass(frozen=True)
class ActivityFilters:
    since: datetime
    until: datetime
    brand_id: int | None = None
    user_id: int | None = None


def _query(query: Select[Any], *, brand_ids: frozenset[int] | None, f: ActivityFilters) -> Select[Any]:
    exact = [a for a in ACTIVITY_ACTIONS if not a.endswith(".")]
    prefixes = [a for a in ACTIVITY_ACTIONS if a.endswith(".")]
    query = query.where(AuditEvent.actor_type == "user", AuditEvent.brand_id.is_not(None),
                        AuditEvent.created_at >= f.since, AuditEvent.created_at < f.until,
                        or_(AuditEvent.action.in_(exact), *[AuditEvent.action.startswith(p) for p in prefixes]))
    if brand_ids is not None:
        query = query.where(AuditEvent.brand_id.in_(brand_ids))
    if f.brand_id is not None:
        query = query.where(AuditEvent.brand_id == f.brand_id)
    if f.user_id is not None:
        query = query.where(AuditEvent.actor_id == str(f.user_id))
    return query


def team_activity(session: Session, *, brand_ids: frozenset[int] | None, filters: ActivityFilters,
                  limit: int = 50, offset: int = 0) -> list[AuditEvent]:
    """Newest first; `brand_ids` None means every brand (admins)."""
    query = _query(select(AuditEvent), brand_ids=brand_ids, f=filters)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)))


def count_activity(session: Session, *, brand_ids: frozenset[int] | None, filters: ActivityFilters) -> int:
    return session.scalar(_query(select(func.count()).select_from(AuditEvent), brand_ids=brand_ids,
                                 f=filters)) or 0


def label_of(action: str) -> str:
    """The Spanish label of an activity action (moderation acts share one)."""
    if action in ACTIVITY_ACTIONS:
        return ACTIVITY_ACTIONS[action]
    prefix = action.split(".", 1)[0] + "."
    return ACTIVITY_ACTIONS.get(prefix, action)
