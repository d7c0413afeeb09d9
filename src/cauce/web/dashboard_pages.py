"""The supervisor dashboard, its CSV/XLSX exports and the printable management report (PLAYBOOK §10)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cauce import vocabulary as labels
from cauce.errors import Forbidden
from cauce.reports import export
from cauce.reports.api import download, period_from, table_of
from cauce.reports.period import Period
from cauce.reports.service import Dashboard, dashboard
from cauce.reports.tables import CRISIS_LABELS, OUTCOME_LABELS, tables
from cauce.web.rendering import language_of, render
from cauce.web.session import ReadSession, Viewer, WebUser

router = APIRouter()

# The tables shown on the dashboard, in order (the rest are charts or cards, still exportable).
PAGE_TABLES = ("marcas", "canales", "agentes", "areas", "vencidos", "causas", "crisis")
REPORT_TABLES = ("marcas", "canales", "agentes", "areas", "tipos", "categorias", "satisfaccion", "resultados",
                 "causas", "crisis")

# Columns left out of the printed report so the time tables fit an A4 page (the exports keep them).
PRINT_DROPS = ("Con 1.ª respuesta", "Resueltos", "Meta 1.ª respuesta (min hábiles)",
               "Meta resolución de quejas (h hábiles)")


def _require_supervisor(user: WebUser) -> None:
    if not user.is_supervisor:
        raise Forbidden("El tablero es solo para supervisión y administración.")


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What static/dashboard.js draws (embedded as JSON: the CSP forbids inline scripts)."""
    v = board.volumes
    brands = board.by_dimension["brand"]
    return {
        "days": v.days,
        "totals": v.totals,
        "spike_days": v.spike_days,
        "spike_threshold": v.spike_threshold,
        "by_type": [{"label": labels.label(labels.PQR_TYPES, k), "code": k, "data": series}
                    for k, series in v.by_type.items()],
        "categories": [{"label": labels.label(labels.CATEGORIES, k), "value": n} for k, n in v.category_totals.items()],
        "brands": [{"label": r.label, "median": r.first_response_median_min, "p90": r.first_response_p90_min,
                    "target": r.target_first_response_min} for r in brands],
        "satisfaction": [{"label": f"{s} ★", "value": n} for s, n in sorted(board.satisfaction.distribution.items())],
        "backlog": [{"label": row[0], "value": row[1]} for row in tables(board)["pendientes"].rows],
    }


def _context(request: Request, session: Any, user: WebUser) -> tuple[Period, Dashboard, dict[str, Any]]:
    _require_supervisor(user)
    period = period_from(session, request.query_params, user.scope)
    board = dashboard(session, period)
    all_tables = tables(board)
    brand = next((b for b in user.brands if b.id == period.brand_id), None)
    context = {
        "period": period, "board": board, "tables": all_tables, "query": period.query(), "brand": brand,
        "labels": labels, "outcome_labels": OUTCOME_LABELS, "crisis_labels": CRISIS_LABELS,
        "in_crisis": [c for c in board.crises or [] if c.status != "calma"],
    }
    return period, board, context


@router.get("/dashboard")
def dashboard_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    _, board, context = _context(request, session, user)
    context.update(page_tables=[context["tables"][k] for k in PAGE_TABLES if k in context["tables"]],
                   charts=chart_data(board))
    return render(request, "dashboard/index.html", context)


@router.get("/dashboard/export/{key}.{fmt}")
def dashboard_export(key: str, fmt: str, request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_supervisor(user)
    period = period_from(session, request.query_params, user.scope)
    style = export.csv_style(request.query_params.get("csv"), language_of(request))
    return download(table_of(dashboard(session, period), key), period, fmt, csv_style=style)


@router.get("/reports/management")
def management_report(request: Request, session: ReadSession, user: Viewer) -> Response:
    _, _, context = _context(request, session, user)
    report_tables = [context["tables"][k].without(*PRINT_DROPS) for k in REPORT_TABLES if k in context["tables"]]
    context.update(report_tables=report_tables)
    return render(request, "dashboard/management.html", context)
