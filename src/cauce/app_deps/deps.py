"""Request-scoped dependencies: the database sessions and the authenticated principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cauce.app_deps.csrf import check_csrf
from cauce.auth import service as auth
from cauce.auth.service import Principal
from cauce.cases.service import Scope
from cauce.db import Database
from cauce.errors import Forbidden, Unauthorized

SESSION_COOKIE = "cauce_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    with get_db(request).session() as session:
        yield session


def read_session(request: Request) -> Iterator[Session]:
    with get_db(request).read_session() as session:
        yield session


# scope="function": commit before the response is sent, so a client that follows up at once
# (a redirect after login, a script) sees the change, and a failed commit is an error response.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
# Reads that never wait for writers on SQLite (reports, pages).
ReadSession = Annotated[Session, Depends(read_session, scope="function")]


def _principal(request: Request, session: Session) -> tuple[Principal, bool]:
    """The caller, and whether the session cookie (not a Bearer token) authenticated them."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        user, token = auth.token_owner(session, credentials.strip())
        auth.require_scope(token, write=request.method not in SAFE_METHODS)
        return auth.principal_for(session, user), False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user, web_session = auth.session_user(session, cookie)
        request.state.csrf_token = web_session.csrf_token
        return auth.principal_for(session, user), True
    raise Unauthorized("Inicie sesión o envíe un token de API (Authorization: Bearer …).")


def current_principal(request: Request, session: DbSession) -> Principal:
    principal, by_cookie = _principal(request, session)
    # Every cookie-authenticated write carries the CSRF token, whatever other headers come with
    # it: only a request authenticated by its own Bearer token (which a browser never adds by
    # itself) is exempt.
    if by_cookie and request.method not in SAFE_METHODS:
        check_csrf(getattr(request.state, "csrf_token", None), request.headers.get("x-csrf-token"))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def scope_of(principal: Principal) -> Scope:
    return Scope(principal.brand_ids)


def require_supervisor(principal: CurrentPrincipal) -> Principal:
    if not principal.is_supervisor:
        raise Forbidden("Esta acción requiere rol de supervisor.")
    return principal


def require_admin(principal: CurrentPrincipal) -> Principal:
    if principal.role != "admin":
        raise Forbidden("Esta acción requiere rol de administrador.")
    return principal


Supervisor = Annotated[Principal, Depends(require_supervisor)]
Admin = Annotated[Principal, Depends(require_admin)]
