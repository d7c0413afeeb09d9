"""Users and API tokens (admins), and who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import SESSION_COOKIE, Admin, CurrentPrincipal, DbSession
from cauce.app_deps.openapi import BodyId, CleanStr
from cauce.auth import service as auth
from cauce.auth.models import ApiToken
from cauce.auth.service import TokenScope
from cauce.errors import Forbidden

router = APIRouter(tags=["users"])


class UserIn(BaseModel):
    email: CleanStr = Field(max_length=320)
    name: CleanStr = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(agent|supervisor|admin)$")
    # The policy itself (length, common passwords, name/e-mail) is checked by the service.
    password: CleanStr = Field(min_length=1, max_length=500)
    brand_ids: list[BodyId] = Field(default_factory=list, max_length=1000)


class MeOut(StrictOut):
    id: int
    name: str
    email: str
    role: str
    brand_ids: list[int] | None = Field(description="Brands the user may see; null = all (admins)")


class UserOut(StrictOut):
    id: int
    email: str
    name: str
    role: str
    active: bool
    brand_ids: list[int]


class UserCreatedOut(StrictOut):
    id: int
    email: str
    role: str


class TokenIn(BaseModel):
    name: str = Field(default="script", min_length=1, max_length=200)
    scopes: list[TokenScope] = Field(default_factory=lambda: [TokenScope.READ, TokenScope.WRITE], min_length=1)
    expires_in_days: int | None = Field(default=None, ge=1, le=auth.MAX_TOKEN_DAYS,
                                        description="Days until it expires (default CAUCE_API_TOKEN_DAYS, 90)")


class NewTokenOut(StrictOut):
    id: int
    token: str
    scopes: list[str]
    expires_at: datetime | None
    note: str


class TokenOut(StrictOut):
    id: int
    user_id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=500)
    new_password: str = Field(min_length=1, max_length=500)


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(id=token.id, user_id=token.user_id, name=token.name, prefix=token.prefix,
                    scopes=list(token.scopes or []), created_at=token.created_at, expires_at=token.expires_at,
                    last_used_at=token.last_used_at, revoked_at=token.revoked_at, status=auth.token_status(token))


@router.get("/me", response_model=MeOut)
def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"id": principal.user_id, "name": principal.name, "email": principal.email, "role": principal.role,
            "brand_ids": sorted(principal.brand_ids) if principal.brand_ids is not None else None}


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _: Admin) -> list[dict[str, Any]]:
    return [{"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
             "brand_ids": sorted(auth.brand_ids_of(session, u) or [])} for u in auth.list_users(session)]


@router.post("/users", status_code=201, response_model=UserCreatedOut)
def create_user(body: UserIn, session: DbSession, admin: Admin) -> dict[str, Any]:
    user = auth.create_user(session, email=body.email, name=body.name, role=body.role, password=body.password,
                            brand_ids=body.brand_ids, actor=admin.actor)
    return {"id": user.id, "email": user.email, "role": user.role}


@router.post("/tokens", status_code=201, response_model=NewTokenOut)
def create_token(request: Request, session: DbSession, principal: CurrentPrincipal, body: TokenIn | None = None,
                 name: str | None = None) -> NewTokenOut:
    """A new API token for the caller, shown once. `name` as a query parameter is still accepted."""
    body = body or TokenIn(name=name or "script")
    days = body.expires_in_days or request.app.state.settings.api_token_days
    secret = auth.create_api_token(session, user_id=principal.user_id, name=body.name, actor=principal.actor,
                                   scopes=body.scopes, days=days)
    row = auth.find_token(session, secret)
    assert row is not None
    return NewTokenOut(id=row.id, token=secret, scopes=list(row.scopes), expires_at=row.expires_at,
                       note="Guárdelo ahora: no se vuelve a mostrar.")


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, principal: CurrentPrincipal, all_users: bool = False) -> list[TokenOut]:
    """The caller's tokens (never their secret); an admin may ask for everyone's with `all_users=true`."""
    if all_users and principal.role != "admin":
        raise Forbidden("Solo administración puede ver los tokens de todos.")
    rows = auth.list_api_tokens(session, user_id=None if all_users else principal.user_id)
    return [_token_out(t) for t in rows]


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: int, session: DbSession, principal: CurrentPrincipal) -> TokenOut:
    """Revoke a token at once: the caller's own, or anyone's for an admin."""
    owner = None if principal.role == "admin" else principal.user_id
    return _token_out(auth.revoke_api_token(session, token_id=token_id, actor=principal.actor, owner_id=owner))


@router.post("/me/password", status_code=204)
def change_my_password(body: PasswordChangeIn, request: Request, session: DbSession,
                       principal: CurrentPrincipal) -> Response:
    """Change the caller's password (the current one is required); other browser sessions end."""
    auth.change_password(session, user_id=principal.user_id, new_password=body.new_password,
                         current_password=body.current_password, actor=principal.actor,
                         keep_session=request.cookies.get(SESSION_COOKIE))
    return Response(status_code=204)
