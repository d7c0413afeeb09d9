"""Users and API tokens (admins), and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cauce.auth import service as auth
from cauce.web.deps import Admin, CurrentPrincipal, DbSession
from cauce.web.openapi import BodyId, CleanStr

router = APIRouter(tags=["users"])


class UserIn(BaseModel):
    email: CleanStr = Field(max_length=320)
    name: CleanStr = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(agent|supervisor|admin)$")
    password: CleanStr = Field(min_length=8, max_length=500)
    brand_ids: list[BodyId] = Field(default_factory=list, max_length=1000)


class MeOut(BaseModel):
    id: int
    name: str
    email: str
    role: str
    brand_ids: list[int] | None = Field(description="Brands the user may see; null = all (admins)")


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    active: bool
    brand_ids: list[int]


class UserCreatedOut(BaseModel):
    id: int
    email: str
    role: str


class TokenOut(BaseModel):
    token: str
    note: str


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


@router.post("/tokens", status_code=201, response_model=TokenOut)
def create_token(session: DbSession, principal: CurrentPrincipal, name: str = "script") -> dict[str, str]:
    token = auth.create_api_token(session, user_id=principal.user_id, name=name, actor=principal.actor)
    return {"token": token, "note": "Guárdelo ahora: no se vuelve a mostrar."}
