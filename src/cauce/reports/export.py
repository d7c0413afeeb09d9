"""CSV and XLSX files of a report table: Spanish headers, plain values, never formulas.

CSV comes in two styles: "es" (`;` between fields and a decimal comma, what a Spanish-locale Excel
splits and reads as numbers) and "intl" (`,` and a decimal point). The style follows the reader's
language unless they choose one (`?csv=es|intl`).

Spreadsheet programs run a cell that starts with = + - @ (or a tab/carriage return) as a formula,
and case titles are customer text: such cells are prefixed with a quote (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from cauce.reports.tables import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML (and so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as is: numbers stay numbers, risky text gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")  # the wall time of the report's zone
    if isinstance(value, int | float):
        return value
    text = _ILLEGAL_XML.sub("", str(value))[:MAX_CELL_CHARS]
    return "'" + text if text.startswith(FORMULA_START) else text


CSV_STYLES = ("es", "intl")


def csv_style(choice: str | None, language: str | None) -> str:
    """The CSV style asked for (`es` or `intl`), else the one of the reader's language."""
    if choice in CSV_STYLES:
        return choice
    return "es" if (language or "es").lower().startswith("es") else "intl"


def _csv_cell(value: Any, style: str) -> Any:
    cell = safe_cell(value)
    if style == "es" and isinstance(cell, float):
        return repr(cell).replace(".", ",")
    return cell


def to_csv(table: Table, *, style: str = "intl") -> bytes:
    """UTF-8 with a byte-order mark so Excel opens accents correctly; `style` as in CSV_STYLES."""
    if style not in CSV_STYLES:
        raise ValueError(f"unknown CSV style {style!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if style == "es" else ",", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in table.headers])
    for row in table.export_rows():
        writer.writerow([_csv_cell(v, style) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table, *, subtitle: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31]
    start = 1
    if subtitle:
        sheet.cell(row=1, column=1, value=safe_cell(f"{table.title} · {subtitle}")).font = Font(bold=True)
        start = 3
    for col, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=start, column=col, value=safe_cell(header))
        cell.font = Font(bold=True)
    for r, row in enumerate(table.export_rows(), start=start + 1):
        for col, value in enumerate(row, start=1):
            if isinstance(value, datetime):  # a real date cell, in the report's wall time
                sheet.cell(row=r, column=col, value=value.replace(tzinfo=None)).number_format = "yyyy-mm-dd hh:mm"
                continue
            cell = sheet.cell(row=r, column=col, value=safe_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it looks like a formula to openpyxl
    sheet.freeze_panes = sheet.cell(row=start + 1, column=1)
    for col, header in enumerate(table.headers, start=1):
        width = max([len(str(header))] + [len(str(row[col - 1] or "")) for row in table.rows[:200]])
        sheet.column_dimensions[sheet.cell(row=start, column=col).column_letter].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
