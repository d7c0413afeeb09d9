"""CSV exports a Spanish-locale Excel splits into columns and reads as numbers: `;` and a decimal comma
when the reader's language is Spanish, `,` and a decimal point otherwise, and either on request."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from reports_data import NOW, build

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.reports import export, service
from cauce.reports.period import Period
from cauce.reports.tables import Table, tables
from cauce.web.app import create_app

PASSWORD = "clave-segura-1"
TABLE = Table("t", "Prueba", ["Marca", "Casos", "Mediana (min)", "En meta (%)"],
              [["Marca A", 12, 45.5, 0.6], ["=Mala", 3, None, 0.125]], percent_columns=(3,))


def _parse(body: bytes) -> tuple[str, list[list[str]]]:
    text = body.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] + "\n" + text.splitlines()[1])
    return dialect.delimiter, list(csv.reader(io.StringIO(text), dialect))


def test_spanish_style_uses_semicolons_and_decimal_commas() -> None:
    delimiter, rows = _parse(export.to_csv(TABLE, style="es"))
    assert delimiter == ";"
    assert rows[0] == ["Marca", "Casos", "Mediana (min)", "En meta (%)"]
    assert rows[1] == ["Marca A", "12", "45,5", "60,0"]
    assert rows[2] == ["'=Mala", "3", "", "12,5"]
    # A Spanish reader turns every number cell into a number.
    assert float(rows[1][2].replace(",", ".")) == 45.5


def test_international_style_uses_commas_and_decimal_points() -> None:
    delimiter, rows = _parse(export.to_csv(TABLE, style="intl"))
    assert delimiter == ","
    assert rows[1] == ["Marca A", "12", "45.5", "60.0"]
    with pytest.raises(ValueError):
        export.to_csv(TABLE, style="xx")


def test_the_style_follows_the_language_unless_chosen() -> None:
    assert export.csv_style(None, "es-CO") == "es"
    assert export.csv_style(None, "en-US,en;q=0.9") == "intl"
    assert export.csv_style("intl", "es") == "intl"
    assert export.csv_style("es", "en") == "es"
    assert export.csv_style("bogus", "en") == "intl"


def test_real_report_tables_round_trip_in_both_styles(db: Database) -> None:
    build(db)
    from reports_data import FIRST_DAY, LAST_DAY

    with db.read_session() as s:
        board = service.dashboard(s, Period(FIRST_DAY, LAST_DAY, "UTC"), now=NOW)
    table = tables(board)["marcas"]
    for style, decimal in (("es", ","), ("intl", ".")):
        delimiter, rows = _parse(export.to_csv(table, style=style))
        assert delimiter == (";" if style == "es" else ",")
        assert len(rows) == 1 + len(table.rows) and all(len(r) == len(table.headers) for r in rows)
        medians = [r[table.headers.index("1.ª respuesta mediana (min)")] for r in rows[1:]]
        assert medians and all(m == "" or re.fullmatch(rf"\d+\{decimal}\d+", m) for m in medians)
        want = [row[3] for row in table.export_rows()]
        assert [None if m == "" else float(m.replace(",", ".")) for m in medians] == want


def test_the_dashboard_download_follows_the_language_and_the_choice(db: Database) -> None:
    build(db)
    with db.session() as s:
        auth.create_user(s, email="admin@a.co", name="Ada", role="admin", password=PASSWORD, actor=SYSTEM)
    client = TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": "admin@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
    url = "/dashboard/export/marcas.csv?from=2026-03-01&to=2026-03-07"
    assert _parse(client.get(url).content)[0] == ";"  # Spanish by default
    assert _parse(client.get(url + "&csv=intl").content)[0] == ","
    client.cookies.set("cauce_lang", "en")
    assert _parse(client.get(url).content)[0] == ","
    assert _parse(client.get(url + "&csv=es").content)[0] == ";"
    api = "/api/v1/reports/export/marcas.csv?from=2026-03-01&to=2026-03-07"
    assert _parse(client.get(api, headers={"Accept-Language": "es-CO"}).content)[0] == ";"
    assert _parse(client.get(api + "&csv=intl", headers={"Accept-Language": "es-CO"}).content)[0] == ","
    page = client.get("/dashboard?from=2026-03-01&to=2026-03-07").text
    assert "csv=es" in page
