"""Every page of the web app passes axe-core with no serious or critical WCAG 2.1 A/AA violation.

The pages come from the application's own route table (every GET route outside /api), so a new
page is checked without editing this file; its path parameters are filled from the seeded demo
world. A route that is not a page (a download, a fragment that htmx puts inside a page, a probe)
is listed in NOT_PAGES with the reason, and a route with a parameter this file cannot fill fails
the test instead of being skipped silently. Each page is read as an admin and as an agent (the
agent gets the 403 page where admins only go: that page is checked too), and the public pages
(login, published guidelines, the customer's survey) without a session."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from conftest import LiveServer, axe_violations, login

pytestmark = pytest.mark.browser

# GET routes that are not pages a person reads, and why.
NOT_PAGES = {
    "/openapi.json": "API schema",
    "/docs/oauth2-redirect": "Swagger UI helper",
    "/healthz": "liveness probe",
    "/readyz": "readiness probe",
    "/metrics": "Prometheus text for the monitoring system",
    "/notifications/bell": "fragment of every page's header (the bell's count)",
    "/static/vendor/{name}": "static file",
    "/lang/{code}": "switches the language and redirects back",
    "/webhooks/{segment}/{channel_id}": "the networks' webhook handshake",
    "/inbox/events": "server-sent event stream",
    "/dashboard/export/{key}.{fmt}": "CSV/XLSX download",
    "/inbox/export.{fmt}": "CSV/XLSX download of the filtered case list",
    "/settings/brands/{brand_id}/guidelines.yaml": "YAML download",
    "/settings/brands/{brand_id}/playbook.yaml": "YAML download",
    # Fragments htmx swaps into a page: checked where they appear (inbox, case page, opened dialog).
    "/inbox/rows": "fragment of /inbox",
    "/cases/{case_id}/presence": "fragment of the case page",
    "/mentions/{mention_id}/correction": "dialog fragment (the same one /cases/{case_id}/correction opens)",
    "/cases/{case_id}/correction": "dialog fragment, checked opened on the inbox",
}
PUBLIC = {"/login", "/guidelines/{brand_slug}", "/encuesta/{token}"}
# Extra views of a page that show more of it (a person's moderation panel, search results).
QUERIES = {"/moderation": ["", "?person_id={person_id}&brand_id={brand_id}"], "/search": ["?q=factura"],
           "/noise": ["", "?brand_id={brand_id}"], "/dashboard": ["", "?brand_id={brand_id}"]}


def _world(server: LiveServer) -> dict[str, str]:
    """Values for every path parameter a page takes, from the seeded demo world."""
    from cauce.audit.service import SYSTEM
    from cauce.brands.models import ChannelAccount
    from cauce.cases.models import Case
    from cauce.mentions.models import Mention
    from cauce.playbook import survey

    brand_id = server.brand_ids["conectel"]
    with server.db.session() as s:
        case = s.scalars(select(Case).join(Mention, Mention.case_id == Case.id)
                         .where(Case.brand_id == brand_id).order_by(Case.id)).first()
        assert case is not None
        mention_id = s.scalar(select(Mention.id).where(Mention.case_id == case.id).order_by(Mention.id))
        channel_id = s.scalar(select(ChannelAccount.id).where(ChannelAccount.brand_id == brand_id)
                              .order_by(ChannelAccount.id))
        token = survey.create_survey(s, case_id=case.id, actor=SYSTEM).token
        return {"brand_id": str(brand_id), "brand_slug": "conectel", "case_id": str(case.id),
                "person_id": str(case.person_id), "mention_id": str(mention_id), "channel_id": str(channel_id),
                "token": token}


def _routes(server: LiveServer) -> list[str]:
    """Every GET path of the running application outside /api (its own route table)."""
    from cauce.config import Settings
    from cauce.web.app import create_app

    app = create_app(Settings(database_url=server.db.url), db=server.db, run_scheduler=False)
    paths: list[str] = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        methods = route.methods if isinstance(route, APIRoute) else getattr(route, "methods", None)
        if "GET" in (methods or set()) and not path.startswith("/api") and path not in paths:
            paths.append(path)
    return paths


def _urls(paths: list[str], world: dict[str, str]) -> tuple[list[str], list[str]]:
    """(private URLs, public URLs) to visit; fails on a page parameter the world cannot fill."""
    private, public, unknown = [], [], []
    for path in paths:
        if path in NOT_PAGES:
            continue
        for query in QUERIES.get(path, [""]):
            template = path + query
            missing = [name for name in re.findall(r"{(\w+)}", template) if name not in world]
            if missing:
                unknown.append(f"{path} ({', '.join(missing)})")
                continue
            (public if path in PUBLIC else private).append(template.format(**world))
    assert not unknown, ("pages whose parameters this test cannot fill: add them to _world or NOT_PAGES: "
                         + "; ".join(unknown))
    return private, public


def _check(page: Any, server: LiveServer, url: str, *, allowed: tuple[int, ...]) -> list[str]:
    response = page.goto(server.url + url)
    assert response is not None, url
    assert response.status in allowed, f"{url} answered {response.status}"
    assert "text/html" in (response.headers.get("content-type") or ""), url
    page.wait_for_load_state("load")
    return [f"{url} [{response.status}]: {p}" for p in axe_violations(page)]


def _open_correction_dialog(page: Any) -> list[str]:
    """The correction dialog as the inbox opens it (`j` selects a row, `c` opens it over the page)."""
    page.locator("tr.case-row").first.wait_for()
    page.keyboard.press("j")
    page.keyboard.press("c")
    page.locator("#correction-dialog").wait_for(state="visible")
    return [f"/inbox + correction dialog: {p}" for p in axe_violations(page)]


def test_every_page_has_no_serious_accessibility_violation(browser: Any, live_server: LiveServer) -> None:
    world = _world(live_server)
    private, public = _urls(_routes(live_server), world)
    assert len(private) >= 15, private  # the walk found the app's pages, not an empty table
    problems: list[str] = []
    visited = 0
    for email, allowed in (("admin@cauce.demo", (200,)), ("laura@conectel.demo", (200, 403))):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
        try:
            page = context.new_page()
            login(page, live_server, email)
            for url in private:
                problems += [f"{email} {p}" for p in _check(page, live_server, url, allowed=allowed)]
                visited += 1
            page.goto(live_server.url + "/inbox")
            problems += [f"{email} {p}" for p in _open_correction_dialog(page)]
        finally:
            context.close()
    anonymous = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-CO")
    try:
        page = anonymous.new_page()
        for url in public:
            problems += [f"anonymous {p}" for p in _check(page, live_server, url, allowed=(200,))]
            visited += 1
    finally:
        anonymous.close()
    print(f"\naxe-core: {visited} page views checked")
    assert not problems, "serious or critical accessibility violations:\n" + "\n".join(problems)
