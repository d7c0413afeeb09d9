"""The standalone documents (public guidelines page, printable case export) keep their styles
under the Content-Security-Policy, in a real Chromium: the inline stylesheet is allowed by its hash,
nothing is refused (a refused style shows as a console error)."""

from __future__ import annotations

from typing import Any

import pytest
from test_e2e_agent_flow import ingest_mention

from conftest import LiveServer, login

pytestmark = pytest.mark.browser


def _style(page: Any, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).getPropertyValue('{prop}')"))


def _csp_errors(page: Any) -> list[str]:
    return [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e]


def test_guidelines_page_is_styled_under_the_csp(page: Any, live_server: LiveServer) -> None:
    response = page.goto(f"{live_server.url}/guidelines/conectel")
    assert response is not None and response.status == 200
    assert _style(page, "body", "max-width") == "736px"  # 46rem
    assert _style(page, "body", "line-height") == "24px"  # 1.5 × 16px
    assert _style(page, "small", "color") == "rgb(85, 85, 85)"
    assert _csp_errors(page) == []
    assert "sha256-" in response.headers["content-security-policy"]


def test_case_export_is_styled_under_the_csp(page: Any, live_server: LiveServer) -> None:
    case_id = ingest_mention(live_server, brand="conectel", handle="@impresa", name="Irene Prado",
                             text="@conectel me cobraron doble la factura de este mes, necesito el reembolso")
    login(page, live_server, "laura@conectel.demo")
    response = page.goto(f"{live_server.url}/api/v1/cases/{case_id}/export?format=html")
    assert response is not None and response.status == 200
    assert _style(page, "body", "max-width") == "960px"  # 60rem
    assert _style(page, "table", "border-collapse") == "collapse"
    assert _style(page, "p.meta", "color") == "rgb(85, 85, 85)"
    assert _csp_errors(page) == []
    assert "sha256-" in response.headers["content-security-policy"]
