"""HSTS over HTTPS only; links from network content only for http(s)/mailto; the standalone
documents allow exactly their own inline stylesheet in their CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest
from cauce.replies import service as replies
from cauce.web.app import create_app
from cauce.web.rendering import safe_url
from helpers import make_brand, mention, scripted_triage

PASSWORD = "clave-segura-1"


def _app(db: Database) -> TestClient:
    return TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False))


def test_hsts_only_over_https(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with _app(db) as client:
        assert "strict-transport-security" not in client.get("/login").headers
        # A client cannot claim HTTPS itself: only a trusted proxy's header counts.
        spoofed = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in spoofed.headers
    with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False),
                    base_url="https://testserver") as client:
        assert client.get("/login").headers["strict-transport-security"].startswith("max-age=31536000")
    proxied_app = create_app(Settings(database_url=db.url, trusted_proxies="10.0.0.2"), db=db, run_scheduler=False)
    with TestClient(proxied_app, client=("10.0.0.2", 40000)) as client:  # the TLS proxy's address
        proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "max-age=" in proxied.headers["strict-transport-security"]
        assert "strict-transport-security" not in client.get("/login").headers


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.com/ana/status/1", "https://x.com/ana/status/1"),
    ("http://foro.example/t/9", "http://foro.example/t/9"),
    ("mailto:ana@example.com", "mailto:ana@example.com"),
    ("javascript:alert(1)", None),
    ("  JaVaScRiPt:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("\x01javascript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("vbscript:msgbox(1)", None),
    ("/logout", None),
    ("//evil.example/x", None),
    ("https:evil", None),
    ("", None),
    (None, None),
])
def test_safe_url_allows_only_http_https_mailto(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


@pytest.fixture
def logged_in(db: Database) -> Iterator[tuple[TestClient, int]]:
    brand = make_brand(db, name="Marca A")
    with db.session() as s:
        user = auth.create_user(s, email="agente@a.co", name="Laura Gómez", role="agent", password=PASSWORD,
                                brand_ids=[brand.id], actor=SYSTEM)
        principal = auth.principal_for(s, user)
    with scripted_triage(), db.session() as s:
        case_id = ingest(s, mention(1, brand="marca-a", text="Me cobraron doble la factura",
                                    url="javascript:alert(document.cookie)")).case_id
        ingest(s, mention(2, brand="marca-a", text="Y sigo sin respuesta", minutes=3, url="data:text/html,hola"))
        ingest(s, mention(3, brand="marca-a", text="Aquí el enlace", minutes=6, url="https://x.com/ana/status/3"))
    assert case_id is not None
    with db.session() as s:
        replies.record_external_reply(s, case_id=case_id, text="Hola Ana, lo revisamos. Laura", visibility="public",
                                      principal=principal, external_url="JavaScript:alert(2)")
    with _app(db) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        client.post("/login", data={"email": "agente@a.co", "password": PASSWORD, "csrf_token": token.group(1)})
        yield client, case_id


def test_javascript_and_data_urls_are_not_linked_on_the_case_page(logged_in: tuple[TestClient, int]) -> None:
    client, case_id = logged_in
    html = client.get(f"/cases/{case_id}").text
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I)], hrefs
    assert 'href="https://x.com/ana/status/3"' in html  # a real link stays a link
    # The refused URLs are still shown, as text.
    assert "javascript:alert(document.cookie)" in html and "data:text/html,hola" in html
    assert "JavaScript:alert(2)" in html


def _style_hash(html: str) -> str:
    match = re.search(r"<style>(.*?)</style>", html, re.S)
    assert match, "no inline stylesheet"
    return "'sha256-" + base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode() + "'"


def test_standalone_documents_allow_their_own_stylesheet(logged_in: tuple[TestClient, int]) -> None:
    client, case_id = logged_in
    export = client.get(f"/api/v1/cases/{case_id}/export?format=html")
    assert export.status_code == 200
    policy = export.headers["content-security-policy"]
    assert f"style-src {_style_hash(export.text)}" in policy and "default-src 'none'" in policy
    assert "style=" not in export.text  # no inline style attributes (a hash does not cover them)
    guidelines = client.get("/guidelines/marca-a")
    assert guidelines.status_code == 200
    assert f"style-src {_style_hash(guidelines.text)}" in guidelines.headers["content-security-policy"]
    assert "style=" not in guidelines.text


def test_case_page_marks_erased_audit_events(db: Database, logged_in: tuple[TestClient, int]) -> None:
    from cauce.cases import service as cases
    from cauce.people import privacy

    client, case_id = logged_in
    with db.session() as s:
        person_id = cases.get(s, case_id=case_id).person_id
        privacy.forget_person(s, person_id=person_id, actor=SYSTEM, reason="Solicitud 12")
    html = client.get(f"/cases/{case_id}").text
    assert "datos personales eliminados" in html
    assert "Me cobraron doble la factura" not in html and "Ana Pérez" not in html
