"""Migration 0003 repairs cases a third party took over before the fix, on a database holding data."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from cauce.cases.models import Case
from cauce.db import Database, _alembic_config, upgrade
from cauce.demo.conversations import TROLL_IN_THREAD
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest_batch
from cauce.replies import context as ctx
from cauce.triage import service as triage
from helpers import T0, make_brand


def test_upgrade_gives_a_taken_over_case_back_to_its_customer(db: Database) -> None:
    triage.set_assessor(None)  # the shipped model
    make_brand(db, name="Conectel", handles=["@conectel"])
    results = list(ingest_batch(db.session, TROLL_IN_THREAD.mentions(brand="conectel", start=T0)))
    customer_case = results[0].case_id
    assert customer_case is not None
    db.dispose()
    command.downgrade(_alembic_config(db.url), "0002")
    # What routing did before the fix: the troll's messages joined her case and took it over.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE mentions SET case_id = :case WHERE author_handle = '@don_burlon'"),
                     {"case": customer_case})
        conn.execute(text("UPDATE cases SET author_role = 'troll', role_confidence = 0.97, flags = :flags, "
                          "mention_count = 4, priority_reasons = :reasons WHERE id = :case"),
                     {"case": customer_case, "flags": '["abusive"]', "reasons": '["posible troll", "insultos"]'})
    db.dispose()
    upgrade(db.url)
    with db.session() as s:
        case = s.get(Case, customer_case)
        assert case is not None
        assert case.author_role == "cliente" and case.role_confidence > 0.5
        assert case.flags == [] and case.mention_count == 2
        assert "posible troll" not in case.priority_reasons
        stored = {m.external_id: (m.case_id, m.third_party) for m in s.scalars(select(Mention))}
        assert stored["troll-en-hilo-1"] == (customer_case, True)
        assert stored["troll-en-hilo-2"] == (customer_case, True)
        assert stored["troll-en-hilo-0"] == (customer_case, False)
        assert stored["troll-en-hilo-3"] == (customer_case, False)
        facts = ctx.facts_for(s, case)
        assert facts.recipient_name == "Marcela Ríos" and facts.author_role == "cliente"
