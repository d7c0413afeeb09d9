"""The whole case list with the inbox's filters, as CSV (streamed) or XLSX: every matching case, not
just the page on screen, authorised by the reader's brands.

Same cell rules as the report exports (`reports.export`): Spanish headers, formula-looking text
quoted, CSV in the «es» style (`;`, decimal comma) or «intl» (`,`, decimal point). Times are the
wall time of each case's brand.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.auth.models import User
from cauce.brands.models import Brand
from cauce.cases import lifecycle, sla
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import utcnow
from cauce.reports.export import CSV_STYLES, _csv_cell, safe_cell

HEADERS = ("Caso", "Marca", "Título", "Estado", "Tipo PQR", "Categoría", "Canal", "Rol del autor", "Prioridad",
           "Asignado a", "Abierto", "Primera respuesta", "Estado SLA", "Horas abierto", "Cerrado")
CSV_CHUNK_ROWS = 500


class _Names:
    """Brand and user names, read once per export (there are few of them)."""

    def __init__(self, session: Session) -> None:
        self.brands = {b.id: b for b in session.scalars(select(Brand))}
        self.users: dict[int, str] = {row.id: row.name for row in session.execute(select(User.id, User.name))}
        self.zones: dict[int, ZoneInfo] = {}

    def local(self, brand_id: int, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if brand_id not in self.zones:
            brand = self.brands.get(brand_id)
            try:
                self.zones[brand_id] = ZoneInfo(brand.timezone if brand else "UTC")
            except (KeyError, ValueError):
                self.zones[brand_id] = ZoneInfo("UTC")
        return value.astimezone(self.zones[brand_id]).replace(tzinfo=None)


def _row(case: Case, names: _Names, now: datetime) -> list[Any]:
    brand = names.brands.get(case.brand_id)
    end = case.closed_at or now
    return [
        case.id, brand.name if brand else case.brand_id, case.title,
        lifecycle.STATES.get(case.status, case.status), labels.label(labels.PQR_TYPES, case.pqr_type),
        labels.label(labels.CATEGORIES, case.category) if case.category else "",
        labels.label(labels.CHANNELS, case.channel), labels.label(labels.ROLES, case.author_role),
        case.priority, names.users.get(case.assigned_user_id, "") if case.assigned_user_id else "",
        names.local(case.brand_id, case.opened_at), names.local(case.brand_id, case.first_response_at),
        labels.SLA_STATES.get(sla.sla_state(case, now=now), "") if case.is_open else "",
        round((end - case.opened_at).total_seconds() / 3600, 1), names.local(case.brand_id, case.closed_at),
    ]


def rows(session: Session, *, scope: cases.Scope, filters: cases.CaseFilters,
         now: datetime | None = None) -> Iterator[list[Any]]:
    """One row per matching case, in queue order, read from the database in batches."""
    now = now or utcnow()
    names = _Names(session)
    for case in cases.iter_cases(session, scope=scope, filters=filters, now=now):
        yield _row(case, names, now)


def csv_chunks(session: Session, *, scope: cases.Scope, filters: cases.CaseFilters, style: str,
               now: datetime | None = None) -> Iterator[bytes]:
    """The CSV file in pieces of CSV_CHUNK_ROWS rows (UTF-8 with a byte-order mark, as Excel wants)."""
    if style not in CSV_STYLES:
        raise ValueError(f"unknown CSV style {style!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if style == "es" else ",", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(h) for h in HEADERS])
    for n, row in enumerate(rows(session, scope=scope, filters=filters, now=now), start=1):
        writer.writerow([_csv_cell(v, style) for v in row])
        if n % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(session: Session, *, scope: cases.Scope, filters: cases.CaseFilters,
              now: datetime | None = None) -> tempfile.SpooledTemporaryFile[bytes]:
    """The workbook, written row by row (openpyxl's write-only mode) into a spooled temporary file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Casos")
    sheet.freeze_panes = "A2"
    sheet.append([safe_cell(h) for h in HEADERS])
    for row in rows(session, scope=scope, filters=filters, now=now):
        sheet.append([v if isinstance(v, datetime) else safe_cell(v) for v in row])
    # The caller streams and closes it.
    out: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out
