"""Create the demo world in a database: brands, areas and users (credentials printed by `cauce demo`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.demo.catalog import BRANDS, DemoBrand

DEMO_PASSWORD = "demo-clave-2026"

# Which complaint categories each kind of area receives by default (routing hint).
AREA_CATEGORIES = {
    "cobros": ["cobro"], "hacienda": ["cobro"], "logistica": ["entrega"], "entregas": ["entrega"],
    "contratos": ["contrato"], "tarjetas": ["contrato"], "producto": ["producto", "garantia"],
    "tecnica": ["producto"], "obras": ["producto"], "comercios": ["producto"], "movilidad": ["otro"],
    "servicio": ["atencion"], "atencion": ["atencion"], "soporte": ["atencion", "garantia"],
    "legal": [], "juridica": [], "fraude": ["cobro"],
}


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    brands: tuple[str, ...]


def demo_users() -> tuple[DemoUser, ...]:
    agents: tuple[DemoUser, ...] = (
        DemoUser("laura@conectel.demo", "Laura Gómez", "agent", ("conectel",)),
        DemoUser("sofia@lumina.demo", "Sofía Navarro", "agent", ("lumina",)),
        DemoUser("diego@bancoandino.demo", "Diego Hernández", "agent", ("banco-andino",)),
        DemoUser("martina@rapidito.demo", "Martina Rossi", "agent", ("rapidito",)),
        DemoUser("camilo@santelmo.demo", "Camilo Rojas", "agent", ("alcaldia-san-telmo",)),
    )
    known = {b.slug for b in BRANDS}
    agents = tuple(DemoUser(u.email, u.name, u.role, tuple(s for s in u.brands if s in known)) for u in agents)
    return (
        DemoUser("admin@cauce.demo", "Admin Cauce", "admin", ()),
        DemoUser("supervisora@cauce.demo", "Valentina Ríos", "supervisor", tuple(b.slug for b in BRANDS)),
        *agents,
    )


def seed_brand(session: Session, spec: DemoBrand) -> int:
    brand = brands.create_brand(
        session, name=spec.name, slug=spec.slug, actor=SYSTEM, organisation=spec.organisation, country=spec.country,
        timezone=spec.timezone, voice=spec.voice, handles=list(spec.handles.values()),
        search_terms=[*spec.search_terms, *spec.hashtags, *spec.misspellings], policy=dict(spec.policy),
    )
    # The demo's own channel: agents' replies go through the real outbox and show as delivered.
    from cauce.connectors.demo_channel import ensure_demo_channel

    ensure_demo_channel(session, brand)
    from cauce.demo.relevance import TRIAGE_SETTINGS

    if spec.slug in TRIAGE_SETTINGS:  # homonyms, exclusions and the brand's own categories
        brands.update_triage_settings(session, brand_id=brand.id, settings=TRIAGE_SETTINGS[spec.slug], actor=SYSTEM)
    for area in spec.areas:
        cases.create_area(session, brand_id=brand.id, name=area.name, slug=area.slug,
                          investigation_hours=area.investigation_hours,
                          categories=AREA_CATEGORIES.get(area.slug, []), actor=SYSTEM)
    return brand.id


def seed(session: Session) -> list[DemoUser]:
    ids = {spec.slug: seed_brand(session, spec) for spec in BRANDS}
    users = list(demo_users())
    for user in users:
        auth.create_user(session, email=user.email, name=user.name, role=user.role, password=DEMO_PASSWORD,
                         brand_ids=[ids[s] for s in user.brands], actor=SYSTEM)
    return users
