"""API shapes of notifications."""

from __future__ import annotations

from datetime import datetime

from cauce.apimodel import StrictOut


class NotificationOut(StrictOut):
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    brand_id: int | None
    case_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationListOut(StrictOut):
    unread: int
    items: list[NotificationOut]


class MarkedOut(StrictOut):
    marked: int
