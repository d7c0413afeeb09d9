"""A small hand-built set of cases whose report numbers are worked out by hand in the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.cases.models import Case, Satisfaction
from cauce.db import Database
from cauce.people.models import Person
from helpers import make_brand

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 3, 1)
LAST_DAY = date(2026, 3, 7)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Data:
    brand_a: int
    brand_b: int
    agent_1: int
    agent_2: int
    cases: dict[str, int]


def build(db: Database) -> Data:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B", country="MX")
    with db.session() as s:
        u1 = auth.create_user(s, email="uno@a.co", name="Laura Gómez", role="agent", password="clave-segura-1",
                              brand_ids=[a.id], actor=SYSTEM).id
        u2 = auth.create_user(s, email="dos@a.co", name="Pedro Ruiz", role="agent", password="clave-segura-1",
                              brand_ids=[a.id], actor=SYSTEM).id
        person_a = Person(organisation_id=a.organisation_id, display_name="Ana")
        person_b = Person(organisation_id=b.organisation_id, display_name="Beto")
        s.add_all([person_a, person_b])
        s.flush()

        def case(name: str, brand: int, person: int, **kw: Any) -> Case:
            row = Case(brand_id=brand, person_id=person, conversation_key=name, title=f"Caso {name}",
                       channel=kw.pop("channel", "twitter"), **kw)
            s.add(row)
            return row

        rows = {
            # 30 min to first reply (target 60), resolved in 10 h, closed at fault, confirmed.
            "c1": case("c1", a.id, person_a.id, opened_at=at(2, 10), first_response_at=at(2, 10, 30),
                       first_response_due=at(2, 11), resolved_at=at(2, 20), closed_at=at(3, 8),
                       resolution_due=at(4, 10), status="cerrado", is_open=False, outcome="at_fault",
                       customer_confirmed=True, assigned_user_id=u1, pqr_type="queja", category="cobro"),
            # 120 min (late), resolved in 72 h (late), still open in follow-up.
            "c2": case("c2", a.id, person_a.id, opened_at=at(2, 12), first_response_at=at(2, 14),
                       first_response_due=at(2, 13), resolved_at=at(5, 12), resolution_due=at(4, 12),
                       status="respondido", is_open=True, assigned_user_id=u1, channel="facebook",
                       pqr_type="reclamo", category="entrega"),
            # Never answered: first response and resolution breached now.
            "c3": case("c3", a.id, person_a.id, opened_at=at(3, 9), first_response_due=at(3, 10),
                       resolution_due=at(5, 9), status="nuevo", is_open=True, pqr_type="queja", category="cobro"),
            # 10 min to first reply, resolution still within term.
            "c4": case("c4", a.id, person_a.id, opened_at=at(3, 9), first_response_at=at(3, 9, 10),
                       first_response_due=at(3, 10), resolution_due=at(1, 10, month=12),
                       status="primera_respuesta", is_open=True, assigned_user_id=u2, pqr_type="peticion"),
            # Brand B: 60 min exactly on target, resolved in 6 h, closed not at fault.
            "c5": case("c5", b.id, person_b.id, opened_at=at(4, 8), first_response_at=at(4, 9),
                       first_response_due=at(4, 9), resolved_at=at(4, 14), closed_at=at(4, 15),
                       resolution_due=at(6, 8), status="cerrado", is_open=False, outcome="not_at_fault",
                       pqr_type="queja", category="atencion"),
            # Discarded (spam): never counted.
            "c6": case("c6", b.id, person_b.id, opened_at=at(4, 9), first_response_due=at(4, 10),
                       status="descartado", is_open=False, closed_at=at(4, 9, 30), pqr_type="otro"),
            # Opened before the period: not in the period's numbers, but its live breach counts now.
            "c7": case("c7", a.id, person_a.id, opened_at=at(20, 9, month=2), first_response_due=at(20, 10, month=2),
                       status="nuevo", is_open=True, pqr_type="queja", category="producto"),
        }
        s.flush()
        ids = {k: v.id for k, v in rows.items()}
        s.add_all([
            Satisfaction(case_id=ids["c1"], score=5, comment="¡Me resolvieron rapidísimo!"),
            Satisfaction(case_id=ids["c2"], score=3),
            Satisfaction(case_id=ids["c2"], score=2),
            Satisfaction(case_id=ids["c5"], score=4),
        ])
    return Data(a.id, b.id, u1, u2, ids)
