"""The web app's sign-in, CSRF, rate limit, brand isolation, escaping and security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest
from cauce.web.app import create_app
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


@dataclass
class World:
    client: TestClient
    db: Database
    case_a: int
    case_b: int


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    with db.session() as s:
        auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                         brand_ids=[a.id], actor=SYSTEM)
        auth.create_user(s, email="agente@b.co", name="Beto Díaz", role="agent", password=PASSWORD,
                         brand_ids=[b.id], actor=SYSTEM)
    with scripted_triage():
        with db.session() as s:
            xss = "<script>alert(1)</script><img src=x onerror=alert(2)> cobro doble"
            case_a = ingest(s, mention(1, brand="marca-a", text=xss, handle="@ana<b>")).case_id
            case_b = ingest(s, mention(2, brand="marca-b", text="sin servicio", handle="@bob")).case_id
        assert case_a is not None and case_b is not None
        app = create_app(Settings(database_url=db.url), db=db, run_scheduler=False)
        with TestClient(app) as client:
            yield World(client, db, case_a, case_b)


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


def _login_token(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the login form carries a CSRF token"
    return found.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    token = _login_token(client)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token,
                                           "next": "/inbox"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/inbox")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_pages_redirect_to_login_and_login_sets_a_safe_cookie(world: World) -> None:
    response = world.client.get("/inbox", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/inbox"
    token = _login_token(world.client)
    response = world.client.post("/login", data={"email": "agente@a.co", "password": PASSWORD,
                                                 "csrf_token": token, "next": "/inbox"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/inbox"
    cookie = response.headers["set-cookie"]
    assert "cauce_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert world.client.get("/inbox").status_code == 200


def test_login_refuses_a_wrong_password_and_a_foreign_redirect(world: World) -> None:
    token = _login_token(world.client)
    bad = world.client.post("/login", data={"email": "agente@a.co", "password": "nope-nope", "csrf_token": token})
    assert bad.status_code == 401 and "Correo o contraseña incorrectos" in bad.text
    ok = world.client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token,
                                           "next": "https://evil.example/x"}, follow_redirects=False)
    assert ok.headers["location"] == "/inbox"


def test_login_without_its_csrf_token_is_refused(world: World) -> None:
    world.client.get("/login")
    response = world.client.post("/login", data={"email": "agente@a.co", "password": PASSWORD,
                                                 "csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert "cauce_session" not in response.headers.get("set-cookie", "")


def test_writes_without_the_csrf_header_are_refused(world: World) -> None:
    csrf = login(world.client, "agente@a.co")
    url = f"/cases/{world.case_a}/notes"
    refused = world.client.post(url, data={"text": "nota"}, headers={"HX-Request": "true"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = world.client.post(url, data={"text": "nota"}, headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status_code == 403
    accepted = world.client.post(url, data={"text": "Llamé al cliente"}, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 200 and "Llamé al cliente" in accepted.text


def test_logout_ends_the_session(world: World) -> None:
    csrf = login(world.client, "agente@a.co")
    response = world.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert world.client.get("/inbox", follow_redirects=False).status_code == 303


def test_login_is_rate_limited_per_ip_and_email(world: World) -> None:
    token = _login_token(world.client)
    for _ in range(5):
        r = world.client.post("/login", data={"email": "agente@a.co", "password": "wrong-one", "csrf_token": token})
        assert r.status_code == 401
    limited = world.client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token})
    assert limited.status_code == 429 and "Demasiados intentos" in limited.text
    # Another account from the same address is not locked out by someone else's failures.
    other = world.client.post("/login", data={"email": "agente@b.co", "password": PASSWORD, "csrf_token": token},
                              follow_redirects=False)
    assert other.status_code == 303


def test_an_agent_gets_404_for_another_brands_case_page_and_fragments(world: World) -> None:
    csrf = login(world.client, "agente@a.co")
    assert world.client.get(f"/cases/{world.case_a}").status_code == 200
    page = world.client.get(f"/cases/{world.case_b}")
    assert page.status_code == 404 and "No existe el caso" in page.text
    assert world.client.get(f"/cases/{world.case_b}/presence").status_code == 404
    rows = world.client.get(f"/inbox/rows?ids={world.case_a},{world.case_b}")
    assert f'id="case-{world.case_a}"' in rows.text and f'id="case-{world.case_b}"' not in rows.text
    claim = world.client.post(f"/cases/{world.case_b}/claim", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert claim.status_code == 404
    inbox = world.client.get("/inbox").text
    assert f"case-{world.case_a}" in inbox and f"case-{world.case_b}" not in inbox


def test_hostile_text_is_escaped_everywhere(world: World) -> None:
    login(world.client, "agente@a.co")
    for url in ("/inbox", f"/cases/{world.case_a}", f"/inbox/rows?ids={world.case_a}"):
        html = world.client.get(url).text
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;script&gt;" in html, url
        assert "@ana<b>" not in html


def test_security_headers_and_csp_without_inline_scripts(world: World) -> None:
    login(world.client, "agente@a.co")
    for url in ("/login", "/inbox", f"/cases/{world.case_a}"):
        response = world.client.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"]
        # Every <script> is a file: no inline code, no inline event handlers or styles.
        tags = _tags(response.text)
        assert all("src" in attrs for name, attrs in tags if name == "script"), url
        assert not [a for _, attrs in tags for a in attrs if a.startswith("on") or a == "style"], url


def test_api_errors_stay_json_while_pages_get_html(world: World) -> None:
    api = world.client.get("/api/v1/cases")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"
    login(world.client, "agente@a.co")
    missing = world.client.get("/cases/999999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
