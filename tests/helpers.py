"""Test helpers shared by the suites: a scripted assessor and tiny builders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from cauce.audit.service import SYSTEM
from cauce.brands import service as brands
from cauce.brands.models import Brand
from cauce.db import Database
from cauce.mentions.schemas import MentionIn
from cauce.triage import service as triage_service
from cauce.triage.schemas import Assessment, History

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in Bogotá


class ScriptedAssessor:
    """Reads the assessment from the mention's `test_triage` field: the routing tests then
    say exactly what triage decided, independent of the trained model."""

    def __init__(self) -> None:
        self.calls: list[tuple[MentionIn, History]] = []

    def assess(self, mention: MentionIn, history: History) -> Assessment:
        self.calls.append((mention, history))
        spec: dict[str, Any] = dict((mention.model_extra or {}).get("test_triage", {}))
        base: dict[str, Any] = {
            "language": "es", "is_complaint": True, "complaint_score": 0.9, "pqr_type": "queja",
            "category": "atencion", "sentiment": "negativo", "anger": 0.5, "abusive": False, "threat": False,
            "legal_risk": False, "author_role": "cliente", "role_confidence": 0.8, "priority": 50,
            "reasons": ("queja",),
        }
        base.update(spec)
        base["reasons"] = tuple(base["reasons"])
        return Assessment(**base)


@contextmanager
def scripted_triage() -> Iterator[ScriptedAssessor]:
    assessor = ScriptedAssessor()
    triage_service.set_assessor(assessor)
    try:
        yield assessor
    finally:
        triage_service.set_assessor(None)


def make_brand(db: Database, name: str = "Conectel", **kwargs: Any) -> Brand:
    with db.session() as session:
        return brands.create_brand(session, name=name, actor=SYSTEM, **kwargs)


def mention(n: int | str = 1, *, brand: str = "conectel", handle: str = "@ana", text: str = "Sin internet hace 3 días",
            at: datetime = T0, minutes: float = 0, **extra: Any) -> MentionIn:
    data: dict[str, Any] = {
        "id": str(n), "created_at": (at + timedelta(minutes=minutes)).isoformat(), "channel": "twitter",
        "brand": brand, "author": {"handle": handle, "name": "Ana Pérez", "followers": 120}, "text": text,
        "in_reply_to": None, "metrics": {"likes": 0, "reposts": 0, "replies": 0},
    }
    data.update(extra)
    return MentionIn.model_validate(data)
