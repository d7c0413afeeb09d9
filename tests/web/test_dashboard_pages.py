"""The supervisor dashboard, its exports and the printable report, through the web app."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cases.models import Case
from cauce.config import Settings
from cauce.db import Database, utcnow
from cauce.people.models import Person
from cauce.web.app import create_app
from helpers import make_brand

PASSWORD = "clave-segura-1"
EVIL_TITLE = "=HYPERLINK(\"http://x.test\",\"clic\") <script>alert(1)</script>"


@dataclass
class Site:
    app: object
    db: Database
    brand_a: int
    brand_b: int


@pytest.fixture
def site(db: Database) -> Iterator[Site]:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    now = utcnow()
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="super@a.co", name="Sara Supervisora", role="supervisor", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="admin@a.co", name="Ada Admin", role="admin", password=PASSWORD, actor=SYSTEM)
        pa = Person(organisation_id=a.organisation_id, display_name="Ana")
        pb = Person(organisation_id=b.organisation_id, display_name="Beto")
        s.add_all([pa, pb])
        s.flush()
        s.add(Case(brand_id=a.id, person_id=pa.id, channel="twitter", conversation_key="a1", title=EVIL_TITLE,
                   opened_at=now, first_response_due=now, status="nuevo", pqr_type="queja", category="cobro"))
        s.add(Case(brand_id=b.id, person_id=pb.id, channel="twitter", conversation_key="b1",
                   title="Secreto de la marca B", opened_at=now, status="nuevo", pqr_type="reclamo"))
    app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
    yield Site(app, db, a.id, b.id)


def login(app: object, email: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login form carries a CSRF token"
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1),
                                           "next": "/inbox"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def test_agents_may_not_see_the_dashboard_or_its_exports(site: Site) -> None:
    client = login(site.app, "agente@a.co")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export/marcas.csv").status_code == 403
    assert client.get("/reports/management").status_code == 403
    assert client.get("/api/v1/reports/dashboard").status_code == 403
    assert "Tablero" not in client.get("/inbox").text


def test_signed_out_visitors_are_sent_to_login(site: Site) -> None:
    client = TestClient(site.app)  # type: ignore[arg-type]
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]


def test_supervisor_sees_cards_charts_and_only_their_brands(site: Site) -> None:
    client = login(site.app, "super@a.co")
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Tablero de supervisión" in html
    assert 'data-kpi="cases">1<' in html
    assert "Secreto de la marca B" not in html and "Marca B" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    data = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S)
    assert data is not None
    charts = json.loads(data.group(1))
    assert charts["by_type"][0]["label"] == "Queja" and sum(charts["totals"]) == 1
    assert "<script src=\"/static/vendor/chart.umd.min.js\"" in html
    # No inline executable scripts (the CSP forbids them).
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    # Another brand by URL is refused, not silently emptied.
    assert client.get(f"/dashboard?brand={site.brand_b}").status_code == 404


def test_bad_filters_get_a_clear_error_page(site: Site) -> None:
    client = login(site.app, "super@a.co")
    response = client.get("/dashboard?from=2026-13-45")
    assert response.status_code == 422
    assert "AAAA-MM-DD" in response.text
    assert client.get("/dashboard?from=2026-03-10&to=2026-03-01").status_code == 422
    assert client.get("/dashboard/export/nada.csv").status_code == 404
    assert client.get("/dashboard/export/marcas.pdf").status_code == 422


def test_csv_export_has_spanish_headers_and_guards_formulas(site: Site) -> None:
    client = login(site.app, "super@a.co")
    response = client.get("/dashboard/export/vencidos.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Spanish reader: Excel-es style
    assert rows[0] == ["Caso", "Título", "Marca", "Estado", "Plazos vencidos", "Vencido hace (min)"]
    assert rows[1][1].startswith("'=HYPERLINK")
    brands = list(csv.reader(io.StringIO(client.get("/dashboard/export/marcas.csv?csv=intl").content
                                         .decode("utf-8-sig"))))
    assert brands[0][:2] == ["Marca", "Casos"] and brands[1][:2] == ["Marca A", "1"]


def test_xlsx_export_round_trips_with_values_not_formulas(site: Site) -> None:
    client = login(site.app, "admin@a.co")
    response = client.get("/dashboard/export/vencidos.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header_row = next(i for i, row in enumerate(values) if row[0] == "Caso")
    assert values[header_row][:3] == ["Caso", "Título", "Marca"]
    data_rows = values[header_row + 1:]
    assert len(data_rows) == 1
    title_cell = sheet.cell(row=header_row + 2, column=2)
    assert title_cell.data_type == "s" and str(title_cell.value).startswith("'=")
    assert isinstance(data_rows[0][0], int)  # numbers stay numbers
    # The admin sees both brands.
    brands = load_workbook(io.BytesIO(client.get("/dashboard/export/marcas.xlsx").content)).active
    assert brands is not None
    assert {row[0] for row in brands.iter_rows(values_only=True)} >= {"Marca A", "Marca B"}


def test_management_report_is_a_printable_page_without_navigation(site: Site) -> None:
    client = login(site.app, "super@a.co")
    page = client.get(f"/reports/management?brand={site.brand_a}")
    assert page.status_code == 200
    html = page.text
    assert "Informe para la gerencia" in html and "Marca A" in html
    assert 'class="topbar"' not in html and "mainnav" not in html
    assert "Cifras principales" in html and "Historia de éxito" in html and "Generado el" in html
    assert "/static/dashboard.css" in html


def test_json_api_needs_a_supervisor_token(site: Site) -> None:
    with site.db.session() as s:
        admin = auth.authenticate(s, email="admin@a.co", password=PASSWORD)
        token = auth.create_api_token(s, user_id=admin.id, name="bi", actor=SYSTEM)
    client = TestClient(site.app)  # type: ignore[arg-type]
    assert client.get("/api/v1/reports/dashboard").status_code == 401
    body = client.get("/api/v1/reports/dashboard", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["overall"]["cases"] == 2 and body["live"]["open_cases"] == 2
    table = client.get("/api/v1/reports/tables/tipos", headers={"Authorization": f"Bearer {token}"}).json()
    assert table["headers"] == ["Tipo de PQR", "Casos"]
    assert sorted(table["rows"]) == [["Queja", 1], ["Reclamo", 1]]
