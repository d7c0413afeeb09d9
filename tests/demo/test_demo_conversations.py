"""A short demo run through the real ingest path and the shipped triage model: nobody who came as a
customer ends up labelled a troll, and every troll and hostile account is reachable from a case."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from cauce.brands.models import Brand
from cauce.cases.models import Case
from cauce.db import Database
from cauce.demo.conversations import SCENARIOS
from cauce.demo.seed import seed
from cauce.demo.stream import Simulator
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest_batch
from cauce.triage import service as triage

EVENTS = 600


def test_the_demos_conversations_keep_each_case_with_its_customer(db: Database) -> None:
    triage.set_assessor(None)  # the shipped model
    with db.session() as session:
        seed(session)
    events = list(Simulator(seed=11, start=datetime(2026, 3, 2, 14, 0, tzinfo=UTC), rate_per_min=30,
                            crisis=False).events(EVENTS))
    played = {e.labels.detail.split(":")[0] for e in events if e.labels.scenario == "conversation"}
    assert played == {c.key for c in SCENARIOS}  # every multi-voice scenario is in a short run
    results = list(ingest_batch(db.session, [e.mention for e in events], batch_size=100))
    assert not [r for r in results if r.status == "error"]
    truth: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in events:
        truth[(e.mention.brand, e.mention.author.handle)].add(e.labels.role)
    with db.session() as session:
        slugs = {b.id: b.slug for b in session.scalars(select(Brand))}
        who = {m.person_id: (slugs[m.brand_id], m.author_handle)
               for m in session.scalars(select(Mention))}
        cases = list(session.scalars(select(Case)))
        third_parties = set(session.scalars(select(Mention.person_id).where(Mention.third_party.is_(True),
                                                                           Mention.case_id.is_not(None))))
    customers_as_trolls = [c.id for c in cases
                           if truth[who[c.person_id]] == {"cliente"} and c.author_role == "troll"]
    assert customers_as_trolls == []
    owners = {c.person_id for c in cases}
    hostile = {key for key, roles in truth.items() if roles & {"troll", "hostil"}}
    assert len(hostile) >= 5
    unreachable = [key for key in hostile
                   if not {p for p, k in who.items() if k == key} & (owners | third_parties)]
    assert unreachable == []
    # The thread's trolls that needed attention have their own case, linked to the customer's.
    linked = [c for c in cases if c.related_case_id is not None]
    assert linked and all(truth[who[c.person_id]] != {"marca"} for c in linked)
    by_id = {c.id: c for c in cases}
    assert all(by_id[c.related_case_id].person_id != c.person_id for c in linked if c.related_case_id in by_id)
