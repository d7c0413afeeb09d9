"""Organisations, brands, their policies and areas."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.brands.models import Brand, ChannelAccount, Organisation
from cauce.brands.policy import load_policy
from cauce.errors import Conflict, InvalidInput, NotFound

COUNTRY_TIMEZONES = {
    "CO": "America/Bogota",
    "MX": "America/Mexico_City",
    "ES": "Europe/Madrid",
    "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago",
    "PE": "America/Lima",
    "EC": "America/Guayaquil",
    "UY": "America/Montevideo",
    "VE": "America/Caracas",
    "US": "America/New_York",
}


def slugify(value: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")
    return slug or "marca"


def get_or_create_organisation(session: Session, *, name: str) -> Organisation:
    slug = slugify(name)
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        org = Organisation(name=name, slug=slug)
        session.add(org)
        session.flush()
    return org


def create_brand(
    session: Session,
    *,
    name: str,
    actor: Actor,
    organisation: str | None = None,
    country: str = "CO",
    timezone: str | None = None,
    voice: str = "tu",
    language: str = "es",
    handles: list[str] | None = None,
    search_terms: list[str] | None = None,
    policy: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Brand:
    country = country.upper()
    if len(country) != 2:
        raise InvalidInput(f"País inválido {country!r}: use el código ISO de dos letras (CO, MX, ES…).")
    if voice not in ("tu", "usted"):
        raise InvalidInput("La voz de la marca debe ser «tu» o «usted».")
    slug = slug or slugify(name)
    if session.scalar(select(Brand.id).where(Brand.slug == slug)) is not None:
        raise Conflict(f"Ya existe una marca con el identificador {slug!r}.")
    validated = load_policy(policy).model_dump()
    org = get_or_create_organisation(session, name=organisation or name)
    brand = Brand(
        organisation_id=org.id,
        name=name,
        slug=slug,
        country=country,
        timezone=timezone or COUNTRY_TIMEZONES.get(country, "UTC"),
        voice=voice,
        language=language,
        handles=list(handles or []),
        search_terms=list(search_terms or [name]),
        policy=validated,
    )
    session.add(brand)
    session.flush()
    record(session, actor=actor, action="brand.created", entity_type="brand", entity_id=brand.id,
           after={"name": name, "slug": slug, "country": country}, brand_id=brand.id)
    return brand


def list_brands(session: Session, *, brand_ids: frozenset[int] | None = None) -> list[Brand]:
    query = select(Brand).order_by(Brand.name)
    if brand_ids is not None:
        query = query.where(Brand.id.in_(brand_ids))
    return list(session.scalars(query))


def get(session: Session, *, brand_id: int) -> Brand:
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise NotFound(f"No existe la marca {brand_id}.")
    return brand


def resolve_many(session: Session, refs: Iterable[str]) -> None:
    """Read in one query the brands, by slug, that later `resolve` calls of this session ask for."""
    cache: dict[str, Brand] = session.info.setdefault("brand_cache", {})
    by_slug: dict[str, set[str]] = {}
    for ref in set(refs):
        key = ref.strip().casefold()
        if key not in cache:
            by_slug.setdefault(slugify(ref), set()).add(key)  # as `resolve` looks it up
    if not by_slug:
        return
    for brand in session.scalars(select(Brand).where(Brand.slug.in_(by_slug))):
        for key in by_slug[brand.slug]:
            cache[key] = brand


def resolve(session: Session, ref: str) -> Brand:
    """A brand by slug or name (case- and accent-insensitive)."""
    cache: dict[str, Brand] = session.info.setdefault("brand_cache", {})
    key = ref.strip().casefold()
    if key in cache:
        return cache[key]
    brand = session.scalar(select(Brand).where(Brand.slug == slugify(ref)))
    if brand is None:
        brand = session.scalar(select(Brand).where(func.lower(Brand.name) == key))
    if brand is None:
        raise NotFound(f"Marca desconocida: {ref!r}. Créela con `cauce brands add`.")
    cache[key] = brand
    return brand


OWN_HANDLE_SETTINGS = ("handle", "account", "username", "identifier", "bot_username")


def own_handles(session: Session, brand: Brand) -> frozenset[str]:
    """The brand's own accounts, normalised like people's handles (no '@', case-folded): its listed
    handles and the handles its channel accounts post as."""
    found = {str(h) for h in brand.handles or ()}
    for settings in session.scalars(select(ChannelAccount.settings).where(ChannelAccount.brand_id == brand.id)):
        found.update(str(settings[k]) for k in OWN_HANDLE_SETTINGS if isinstance((settings or {}).get(k), str))
    return frozenset(h.strip().lstrip("@").casefold() for h in found if h.strip().lstrip("@"))


def update_policy(session: Session, *, brand_id: int, changes: dict[str, Any], actor: Actor) -> Brand:
    brand = get(session, brand_id=brand_id)
    merged = {**brand.policy, **changes}
    validated = load_policy(merged).model_dump()
    before = dict(brand.policy)
    brand.policy = validated
    record(session, actor=actor, action="brand.policy_updated", entity_type="brand", entity_id=brand.id,
           before=before, after=validated, brand_id=brand.id)
    return brand


MAX_LIST_ITEMS = 50
MAX_ITEM_CHARS = 200
_HANDLE = re.compile(r"^@?[\w.\-]{1,100}$", re.UNICODE)


def clean_list(raw: str | list[str], what: str) -> list[str]:
    """One item per line or comma; blanks dropped, duplicates removed, lengths bounded."""
    items = raw if isinstance(raw, list) else re.split(r"[\n,]", raw or "")
    out = list(dict.fromkeys(i.strip() for i in items if i and i.strip()))
    if len(out) > MAX_LIST_ITEMS:
        raise InvalidInput(f"{what}: como máximo {MAX_LIST_ITEMS} elementos.")
    if any(len(i) > MAX_ITEM_CHARS for i in out):
        raise InvalidInput(f"{what}: cada elemento puede tener hasta {MAX_ITEM_CHARS} caracteres.")
    return out


def update_brand_profile(session: Session, *, brand_id: int, actor: Actor, name: str | None = None,
                         voice: str | None = None, country: str | None = None, timezone: str | None = None,
                         handles: list[str] | None = None, search_terms: list[str] | None = None) -> Brand:
    brand = get(session, brand_id=brand_id)
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip() or len(name.strip()) > 200:
            raise InvalidInput("El nombre de la marca no puede estar vacío ni pasar de 200 caracteres.")
        changes["name"] = name.strip()
    if voice is not None:
        if voice not in ("tu", "usted"):
            raise InvalidInput("La voz de la marca debe ser «tu» o «usted».")
        changes["voice"] = voice
    if country is not None:
        country = country.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise InvalidInput(f"País inválido {country[:20]!r}: use el código ISO de dos letras (CO, MX, ES…).")
        changes["country"] = country
    if timezone is not None:
        try:
            ZoneInfo(timezone.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"Zona horaria desconocida {timezone[:60]!r} (ejemplo: America/Bogota).") from None
        changes["timezone"] = timezone.strip()
    if handles is not None:
        bad = [h for h in handles if not _HANDLE.match(h)]
        if bad:
            raise InvalidInput(f"Cuenta inválida {bad[0][:60]!r}: use @usuario, sin espacios.")
        changes["handles"] = handles
    if search_terms is not None:
        if not search_terms:
            raise InvalidInput("Indique al menos un término de búsqueda (el nombre de la marca, por ejemplo).")
        changes["search_terms"] = search_terms
    record_changes(session, brand, changes, actor=actor, action="brand.updated", entity_type="brand",
                   brand_id=brand.id)
    session.info.pop("brand_cache", None)
    return brand


def update_triage_settings(session: Session, *, brand_id: int, settings: dict[str, Any], actor: Actor) -> Brand:
    """Replace the brand's relevance terms and categories (validated, audited)."""
    from cauce.brands import triage_settings

    brand = get(session, brand_id=brand_id)
    validated = triage_settings.load(settings).model_dump()
    before = dict(brand.triage_settings or {})
    if validated == before:
        return brand
    brand.triage_settings = validated
    record(session, actor=actor, action="brand.triage_settings_updated", entity_type="brand", entity_id=brand.id,
           before=before, after=validated, brand_id=brand.id)
    session.info.pop("brand_cache", None)
    return brand
