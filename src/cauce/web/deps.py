"""Request-scoped dependencies: the database session and the authenticated principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cauce.auth import service as auth
from cauce.auth.service import Principal
from cauce.cases.service import Scope
from cauce.db import Database
from cauce.errors import Forbidden, Unauthorized

SESSION_COOKIE = "cauce_session"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    with get_db(request).session() as session:
        yield session


# scope="function": commit before the response is sent, so a client that follows up at once
# (a redirect after login, a script) sees the change, and a failed commit is an error response.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def _principal(request: Request, session: Session) -> Principal:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = auth.user_for_token(session, header[7:].strip())
        return auth.principal_for(session, user)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user, web_session = auth.session_user(session, cookie)
        request.state.csrf_token = web_session.csrf_token
        return auth.principal_for(session, user)
    raise Unauthorized("Inicie sesión o envíe un token de API (Authorization: Bearer …).")


def current_principal(request: Request, session: DbSession) -> Principal:
    principal = _principal(request, session)
    # Cookie-authenticated writes must carry the CSRF token (header or form field).
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.cookies.get(SESSION_COOKIE) \
            and not request.headers.get("authorization"):
        sent = request.headers.get("x-csrf-token")
        if sent is None or sent != getattr(request.state, "csrf_token", None):
            raise Forbidden("Falta el token CSRF o no es válido; recargue la página.")
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
