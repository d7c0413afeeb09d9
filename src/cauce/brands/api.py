"""Brands the caller may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import CurrentPrincipal, DbSession
from cauce.brands import service as brands
from cauce.cases import service as cases

router = APIRouter(prefix="/brands", tags=["brands"])


class AreaOut(StrictOut):
    id: int
    name: str
    slug: str
    investigation_hours: float | None


class BrandOut(StrictOut):
    id: int
    name: str
    slug: str
    country: str
    timezone: str
    voice: str
    handles: list[Any]
    policy: dict[str, Any]
    # Relevance terms, exclusion terms, homonyms and the brand's own categories (brands.triage_settings).
    triage_settings: dict[str, Any] = Field(default_factory=dict)
    areas: list[AreaOut]


@router.get("", response_model=list[BrandOut])
def list_brands(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return [
        {"id": b.id, "name": b.name, "slug": b.slug, "country": b.country, "timezone": b.timezone,
         "voice": b.voice, "handles": b.handles, "policy": b.policy, "triage_settings": b.triage_settings or {},
         "areas": [{"id": a.id, "name": a.name, "slug": a.slug, "investigation_hours": a.investigation_hours}
                   for a in cases.areas_of(session, brand_id=b.id)]}
        for b in brands.list_brands(session, brand_ids=principal.brand_ids)
    ]
