"""Bulk-load many cases quickly (Core inserts), for list and page benchmarks."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from cauce.audit.service import SYSTEM
from cauce.brands import service as brands
from cauce.cases.models import Case
from cauce.db import Database, utcnow
from cauce.people.models import Handle, Person

STATUSES = ["nuevo"] * 5 + ["primera_respuesta", "en_investigacion", "respondido", "seguimiento", "cerrado"]
TYPES = ["queja", "reclamo", "peticion", "sugerencia", "felicitacion", "otro"]
CATEGORIES = ["cobro", "entrega", "contrato", "producto", "atencion", "garantia", "otro"]


def load_cases(db: Database, n: int, *, brands_count: int = 5, seed: int = 1, chunk: int = 5000) -> list[int]:
    """Insert `n` cases spread over `brands_count` brands; returns the brand ids."""
    rng = random.Random(seed)
    now = utcnow()
    with db.session() as session:
        brand_rows = [brands.create_brand(session, name=f"Bench {i}", actor=SYSTEM) for i in range(brands_count)]
        ids = [b.id for b in brand_rows]
        orgs = {b.id: b.organisation_id for b in brand_rows}
    people_n = max(1, n // 3)
    with db.session() as session:
        for start in range(0, people_n, chunk):
            rows: list[dict[str, Any]] = [
                    {"organisation_id": orgs[ids[i % len(ids)]], "display_name": f"Persona {i}", "labels": [],
                     "strikes": 0, "blocked": False, "first_seen_at": now, "last_seen_at": now}
                    for i in range(start, min(people_n, start + chunk))]
            session.execute(insert(Person), rows)
            session.execute(insert(Handle), [{"organisation_id": r["organisation_id"], "person_id": start + k + 1,
                                              "channel": "twitter", "handle": f"persona{start + k}",
                                              "followers": rng.randint(0, 50_000), "created_at": now}
                                             for k, r in enumerate(rows)])
    with db.session() as session:
        for start in range(0, n, chunk):
            rows = []
            for i in range(start, min(n, start + chunk)):
                status = rng.choice(STATUSES)
                opened = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
                pqr = rng.choice(TYPES)
                rows.append({
                    "brand_id": ids[i % len(ids)], "person_id": (i % people_n) + 1, "channel": "twitter",
                    "conversation_key": f"twitter:{i}", "title": f"Caso de prueba {i}: sin servicio desde ayer",
                    "pqr_type": pqr, "category": rng.choice(CATEGORIES) if pqr in ("queja", "reclamo") else None,
                    "status": status, "is_open": status != "cerrado", "priority": rng.randint(0, 100),
                    "priority_reasons": ["queja"], "author_role": "cliente", "role_confidence": 0.7, "flags": [],
                    "opened_at": opened, "last_inbound_at": opened, "first_response_due": opened + timedelta(hours=1),
                    "resolution_due": opened + timedelta(days=3), "breaches": [], "escalated": False,
                    "supervisor_flagged": False, "outcome": "at_fault" if status == "cerrado" else None,
                    "resolution_checklist": {}, "customer_confirmed": False, "unanswered_count": 1,
                    "mention_count": 1, "updated_at": now,
                })
            session.execute(insert(Case), rows)
    return ids
