"""Reports over HTTP: the dashboard's JSON and table exports (supervisors and admins).

The supervisor dashboard and the admin settings pages that build on these numbers are the web
app's (cauce.web.pages installs them); nothing here imports cauce.web.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import ReadSession, Supervisor, scope_of
from cauce.brands.models import Brand
from cauce.cases.service import Scope
from cauce.errors import InvalidInput, NotFound
from cauce.reports import export
from cauce.reports.period import Period, parse_period
from cauce.reports.service import (
    Dashboard,
    dashboard,
)
from cauce.reports.tables import Table, tables

router = APIRouter(prefix="/reports", tags=["reports"])


class TableOut(StrictOut):
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DEFAULT_TIMEZONE = "America/Bogota"


def period_from(session: Session, params: Mapping[str, str], scope: Scope) -> Period:
    """The period of a request (`from`, `to`, `brand`), its days counted in the brand's time zone."""
    brand = params.get("brand") or None
    query = select(Brand.id, Brand.timezone).order_by(Brand.name)
    if scope.brand_ids is not None:
        query = query.where(Brand.id.in_(scope.brand_ids))
    zones = dict(session.execute(query).all())
    period = parse_period(start=params.get("from"), end=params.get("to"), brand=brand, scope=scope,
                          timezone=DEFAULT_TIMEZONE)
    zone = zones.get(period.brand_id) if period.brand_id is not None else next(iter(zones.values()), None)
    if zone and zone != period.timezone:
        period = parse_period(start=params.get("from"), end=params.get("to"), brand=brand, scope=scope, timezone=zone)
    return period


def table_of(board: Dashboard, key: str) -> Table:
    found = tables(board).get(key)
    if found is None:
        raise NotFound(f"No existe la tabla {key[:40]!r}. Tablas: {', '.join(tables(board))}.")
    return found


def download(table: Table, period: Period, fmt: str, *, csv_style: str = "intl") -> Response:
    if fmt not in FORMATS:
        raise InvalidInput(f"Formato {fmt[:10]!r} no disponible: use csv o xlsx.")
    subtitle = f"{period.first_day.isoformat()} a {period.last_day.isoformat()}"
    body = export.to_csv(table, style=csv_style) if fmt == "csv" else export.to_xlsx(table, subtitle=subtitle)
    name = f"cauce-{table.key}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.{fmt}"
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                            "Cache-Control": "no-store"})


@router.get("/dashboard", response_model=Dashboard)
def dashboard_json(request: Request, session: ReadSession, principal: Supervisor) -> Dashboard:
    period = period_from(session, request.query_params, scope_of(principal))
    return dashboard(session, period)


@router.get("/tables/{key}", response_model=TableOut)
def table_json(key: str, request: Request, session: ReadSession, principal: Supervisor) -> dict[str, Any]:
    period = period_from(session, request.query_params, scope_of(principal))
    table = table_of(dashboard(session, period), key)
    return {"key": table.key, "title": table.title, "headers": table.headers, "rows": table.export_rows()}


@router.get("/export/{key}.{fmt}", response_class=Response, responses={
    200: {"description": "The table as a file", "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                                             for media in ("text/csv", FORMATS["xlsx"])}}})
def table_file(key: str, fmt: str, request: Request, session: ReadSession, principal: Supervisor) -> Response:
    period = period_from(session, request.query_params, scope_of(principal))
    style = export.csv_style(request.query_params.get("csv"), request.headers.get("accept-language"))
    return download(table_of(dashboard(session, period), key), period, fmt, csv_style=style)


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
