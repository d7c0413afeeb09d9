"""Two brands, their staff and one case each, for the notification and activity tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.db import Database
from cauce.mentions import service as mentions
from helpers import T0, make_brand, mention, scripted_triage

PASSWORD = "clave-segura-notif-1"


@dataclass(frozen=True)
class World:
    brand_a: int
    brand_b: int
    slug_a: str
    slug_b: str
    agent_a: int  # agent of brand A
    agent_a2: int  # another agent of brand A
    super_a: int  # supervisor of brand A
    agent_b: int  # agent of brand B only
    super_b: int  # supervisor of brand B only
    admin: int
    case_a: int
    case_b: int


def ingest(db: Database, n: int | str, *, brand: str, handle: str = "@ana", minutes: float = 0,
           triage: dict[str, Any] | None = None) -> tuple[int, int]:
    item = mention(n, brand=brand, handle=handle, minutes=minutes, test_triage=triage or {})
    with db.session() as s:
        result = mentions.ingest(s, item, now=T0 + timedelta(minutes=minutes))
    assert result.mention_id is not None and result.case_id is not None, result
    return result.mention_id, result.case_id


def build(db: Database) -> World:
    a = make_brand(db, name="Conectel")
    b = make_brand(db, name="Aguas del Valle")
    with db.session() as s:
        def user(email: str, name: str, role: str, brands: list[int]) -> int:
            return auth.create_user(s, email=email, name=name, role=role, password=PASSWORD, brand_ids=brands,
                                    actor=SYSTEM).id
        ids = (user("laura@marca.example", "Laura Gómez", "agent", [a.id]),
               user("pedro@marca.example", "Pedro Ruiz", "agent", [a.id]),
               user("valentina@marca.example", "Valentina Ríos", "supervisor", [a.id]),
               user("beto@aguas.example", "Beto Agua", "agent", [b.id]),
               user("sara@aguas.example", "Sara Agua", "supervisor", [b.id]),
               user("admin@cauce.example", "Ada Admin", "admin", []))
    with scripted_triage():
        _, case_a = ingest(db, "a1", brand=a.slug)
        _, case_b = ingest(db, "b1", brand=b.slug, handle="@beatriz")
    return World(a.id, b.id, a.slug, b.slug, *ids, case_a, case_b)
