"""Who is signed in to the web app: cookie sessions, CSRF on writes, page-friendly errors.

Pages read with `ReadSession` (never waits for writers on SQLite) and write with `WriteSession`.
`PageUser` resolves the `cauce_session` cookie; on a write it also checks the CSRF token, sent
by htmx as the `X-CSRF-Token` header (see static/cauce.js) or by a plain form as `csrf_token`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cauce.app_deps.csrf import check_csrf
from cauce.app_deps.deps import SESSION_COOKIE, get_db
from cauce.app_deps.deps import ReadSession as ReadSession
from cauce.auth import service as auth
from cauce.auth.service import Principal
from cauce.brands import service as brands
from cauce.brands.models import Brand
from cauce.cases.service import Scope
from cauce.errors import Unauthorized

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class LoginRequired(Unauthorized):
    """Raised by page routes; rendered as a redirect to /login (or HX-Redirect for htmx)."""


def write_session(request: Request) -> Iterator[Session]:
    with get_db(request).session() as session:
        yield session


# scope="function": commit (and release the connection) BEFORE the response goes out. With the
# default request scope the commit runs after the response is sent, so a browser following the
# login redirect could arrive before its session row is committed, and commit errors would be lost.
# ReadSession (cauce.app_deps.deps, re-exported here) is the reading twin.
WriteSession = Annotated[Session, Depends(write_session, scope="function")]


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    csrf_token: str
    brands: tuple[Brand, ...]

    @property
    def scope(self) -> Scope:
        return Scope(self.principal.brand_ids)

    @property
    def is_supervisor(self) -> bool:
        return self.principal.is_supervisor


def _load_user(request: Request, session: Session) -> WebUser:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired("Inicie sesión para continuar.")
    try:
        user, web_session = auth.session_user(session, token)
    except Unauthorized as exc:
        raise LoginRequired(exc.message) from None
    principal = auth.principal_for(session, user)
    web_user = WebUser(principal, web_session.csrf_token,
                       tuple(brands.list_brands(session, brand_ids=principal.brand_ids)))
    request.state.web_user = web_user
    request.state.csrf_token = web_session.csrf_token
    return web_user


# The database work runs in the thread pool, never on the event loop: a blocking query (or a
# wait for a pooled connection) on the loop would stall every request, including the ones that
# are about to give their connection back.
async def page_user_read(request: Request, session: ReadSession) -> WebUser:
    return await run_in_threadpool(_load_user, request, session)


async def _checked(request: Request, session: Session) -> WebUser:
    web_user = await run_in_threadpool(_load_user, request, session)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
        check_csrf(web_user.csrf_token, sent)
    return web_user


async def page_user_write(request: Request, session: WriteSession) -> WebUser:
    return await _checked(request, session)


async def page_user_post_read(request: Request, session: ReadSession) -> WebUser:
    return await _checked(request, session)


Viewer = Annotated[WebUser, Depends(page_user_read)]
# A POST that changes data: write session + CSRF check.
Editor = Annotated[WebUser, Depends(page_user_write)]
# A POST that only computes (tone check, draft, presence): CSRF check, but a read session, so it
# never queues behind writers for SQLite's write lock.
Asker = Annotated[WebUser, Depends(page_user_post_read)]
