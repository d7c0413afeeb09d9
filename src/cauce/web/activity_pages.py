"""«Actividad»: what the team did on a day (replies, closures, assignments, moderation, notes), from
the audit log, filterable by brand and person, paginated, limited to the reader's brands."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cauce import vocabulary as labels
from cauce.audit import activity
from cauce.db import utcnow
from cauce.web.rendering import render
from cauce.web.session import ReadSession, Viewer, WebUser
from cauce.web.views import assignable_users, user_names

router = APIRouter()

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _zone(user: WebUser, brand_id: int | None) -> ZoneInfo:
    """The day is the brand's day (the filtered brand, else the reader's first brand)."""
    brand = next((b for b in user.brands if b.id == brand_id), user.brands[0] if user.brands else None)
    try:
        return ZoneInfo(brand.timezone if brand else "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


@router.get("/activity")
def activity_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    params = request.query_params
    brand_id = _int(params.get("brand_id"))
    if brand_id is not None and not user.scope.allows(brand_id):
        brand_id = -1  # another brand's id shows nothing, like a brand without activity
    person_id = _int(params.get("user_id"))
    zone = _zone(user, brand_id)
    today = utcnow().astimezone(zone).date()
    try:
        day = date.fromisoformat(params.get("day") or "") if params.get("day") else today
    except ValueError:
        day = today
    since = datetime.combine(day, time(0), tzinfo=zone)
    filters = activity.ActivityFilters(since=since, until=since + timedelta(days=1), brand_id=brand_id,
                                       user_id=person_id)
    page = max(1, min(_int(params.get("page")) or 1, 10_000))
    events = activity.team_activity(session, brand_ids=user.principal.brand_ids, filters=filters,
                                    limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    total = activity.count_activity(session, brand_ids=user.principal.brand_ids, filters=filters)
    brand_names = {b.id: b.name for b in user.brands}
    assignees = user_names(session, [int(e.after["assigned_user_id"]) for e in events
                                     if isinstance(e.after, dict) and e.after.get("assigned_user_id")])
    shown = {k: v for k, v in (("brand_id", params.get("brand_id")), ("user_id", params.get("user_id")),
                               ("day", params.get("day"))) if v}
    return render(request, "activity.html", {
        "events": events[:PAGE_SIZE], "more": len(events) > PAGE_SIZE, "page": page, "total": total,
        "day": day, "today": today, "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today else None, "zone": str(zone),
        "brand_names": brand_names, "people": assignable_users(session, list(brand_names)),
        "assignees": assignees, "filters": shown, "label_of": activity.label_of, "labels": labels,
        "show_brand": len(user.brands) > 1})
