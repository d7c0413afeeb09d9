"""Builders for the playbook tests: a brand with areas, cases from scripted triage, replies."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from cauce.audit.service import SYSTEM, Actor
from cauce.brands.models import Brand
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database
from cauce.mentions import service as mentions
from cauce.replies.models import Reply
from helpers import T0, make_brand, mention

AGENT = Actor.user(1, "Laura Gómez")


def setup_brand(db: Database, name: str = "Conectel") -> Brand:
    brand = make_brand(db, name=name)
    with db.session() as s:
        for slug, cats in (("cobros", ["cobro"]), ("legal", []), ("servicio", ["atencion"])):
            cases.create_area(s, brand_id=brand.id, name=slug.title(), slug=slug, investigation_hours=8,
                              categories=cats, actor=SYSTEM)
    return brand


def ingest(db: Database, n: int | str, *, brand: str = "conectel", handle: str = "@ana", minutes: float = 0,
           triage: dict[str, Any] | None = None, **extra: Any) -> tuple[int, int]:
    """Ingest one mention with a scripted assessment; returns (mention_id, case_id)."""
    item = mention(n, brand=brand, handle=handle, minutes=minutes, test_triage=triage or {}, **extra)
    with db.session() as s:
        result = mentions.ingest(s, item, now=T0 + timedelta(minutes=minutes))
    assert result.status == "created", result
    assert result.mention_id is not None and result.case_id is not None
    return result.mention_id, result.case_id


def reply(db: Database, case_id: int, *, visibility: str = "public", intent: str | None = None,
          at: datetime | None = None, state: str = "sent") -> None:
    """A reply the brand sent; the public first one stops the first-response clock."""
    at = at or T0 + timedelta(minutes=20)
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.add(Reply(case_id=case_id, channel=case.channel, visibility=visibility, text="Hola Ana, soy Laura.",
                    intent=intent, state=state, idempotency_key=uuid.uuid4().hex, created_at=at, sent_at=at))
        cases.record_response(s, case=case, at=at, public=visibility == "public", actor=AGENT)


def case_of(db: Database, case_id: int) -> Case:
    with db.read_session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.expunge(case)  # keep its loaded values after the read session ends
        return case
