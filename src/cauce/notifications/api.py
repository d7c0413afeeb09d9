"""HTTP routes: the caller's own notifications (list, mark one or all as read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query

from cauce.app_deps.deps import CurrentPrincipal, DbSession
from cauce.app_deps.openapi import Offset, PathId
from cauce.notifications import service as notifications
from cauce.notifications.models import Notification
from cauce.notifications.schemas import MarkedOut, NotificationListOut, NotificationOut

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(id=row.id, kind=row.kind, title=row.title, body=row.body, link=row.link,
                           brand_id=row.brand_id, case_id=row.case_id, created_at=row.created_at, read_at=row.read_at)


@router.get("", response_model=NotificationListOut)
def list_notifications(session: DbSession, principal: CurrentPrincipal, unread: bool = False,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> NotificationListOut:
    """The caller's notifications, newest first, of brands the caller may still see."""
    rows = notifications.list_for(session, user_id=principal.user_id, brand_ids=principal.brand_ids,
                                  unread_only=unread, limit=limit, offset=offset)
    count = notifications.unread_count(session, user_id=principal.user_id, brand_ids=principal.brand_ids)
    return NotificationListOut(unread=count, items=[_out(r) for r in rows])


@router.post("/read-all", response_model=MarkedOut)
def read_all(session: DbSession, principal: CurrentPrincipal) -> MarkedOut:
    return MarkedOut(marked=notifications.mark_all_read(session, user_id=principal.user_id,
                                                        brand_ids=principal.brand_ids))


@router.post("/{notification_id}/read", response_model=NotificationOut)
def read_one(notification_id: PathId, session: DbSession, principal: CurrentPrincipal) -> NotificationOut:
    """Mark one of the caller's notifications as read (anyone else's answers 404, like a missing id)."""
    return _out(notifications.mark_read(session, notification_id=notification_id, user_id=principal.user_id,
                                        brand_ids=principal.brand_ids))


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
