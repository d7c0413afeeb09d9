"""Ingest → route: dedupe, people, threading, cases, audit — on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cauce.audit.service import SYSTEM, verify_chain
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database
from cauce.errors import NotFound
from cauce.mentions.models import Mention, MetricSnapshot
from cauce.mentions.service import ingest, ingest_batch
from cauce.people.models import Handle, Person
from helpers import T0, make_brand, mention, scripted_triage


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_same_mention_twice_is_one_row_and_metrics_become_snapshots(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        first = ingest(s, mention(1))
        again = ingest(s, mention(1))
        grown = ingest(s, mention(1, metrics={"likes": 40, "reposts": 9, "replies": 3}))
    assert first.status == "created" and first.case_created
    assert again.status == "duplicate" and not again.metrics_updated
    assert grown.status == "duplicate" and grown.metrics_updated
    assert _count(db, Mention) == 1
    with db.session() as s:
        likes = s.scalars(select(MetricSnapshot.likes).order_by(MetricSnapshot.id)).all()
    assert likes == [0, 40]


def test_concurrent_copies_of_one_mention_store_one_row(db: Database) -> None:
    make_brand(db)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in ingest_batch(db.session, [mention(77)], batch_size=1):
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with scripted_triage():
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert _count(db, Mention) == 1
    assert _count(db, Case) == 1


def test_author_becomes_one_person_matched_by_handle_case_insensitively(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        ingest(s, mention(1, handle="@Ana_P"))
        ingest(s, mention(2, handle="ana_p", minutes=5, text="¿Alguien me responde?"))
    assert _count(db, Person) == 1
    with db.session() as s:
        assert s.scalar(select(Handle.handle)) == "ana_p"


def test_reply_in_a_conversation_joins_its_case(db: Database) -> None:
    make_brand(db)
    chatter = {"is_complaint": False, "pqr_type": "otro", "category": None}
    with scripted_triage(), db.session() as s:
        a = ingest(s, mention(1, handle="@ana"))
        b = ingest(s, mention(2, handle="@ana", in_reply_to="1", minutes=3, text="¿Alguien me responde?"))
        c = ingest(s, mention(3, handle="@otro", in_reply_to="1", minutes=4, text="uy qué mal", test_triage=chatter))
    assert a.case_id is not None and b.case_id == a.case_id and c.case_id == a.case_id
    with db.session() as s:
        case = s.get(Case, a.case_id)
        assert case is not None and case.mention_count == 2  # a bystander's remark is not hers
        stored = {m.external_id: m.third_party for m in s.scalars(select(Mention))}
        assert stored == {"1": False, "2": False, "3": True}


def test_another_customer_in_the_thread_gets_a_case_of_their_own_linked_to_it(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        a = ingest(s, mention(1, handle="@ana"))
        b = ingest(s, mention(2, handle="@otro", in_reply_to="1", minutes=3, text="A mí también me pasa"))
    assert a.case_id is not None and b.case_created and b.case_id != a.case_id
    with db.session() as s:
        theirs = s.get(Case, b.case_id)
        assert theirs is not None and theirs.related_case_id == a.case_id


def test_new_complaint_by_same_person_within_window_joins_open_case(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        a = ingest(s, mention(1))
        b = ingest(s, mention(2, minutes=60 * 24, text="Ya van dos días y nada",
                           test_triage={"pqr_type": "reclamo", "priority": 70, "reasons": ["reclamo"]}))
        c = ingest(s, mention(3, minutes=60 * 24 * 10, text="Otra vez sin servicio"),
                   thread_window=timedelta(hours=72))
    assert b.case_id == a.case_id
    assert c.case_id != a.case_id  # outside the window: a new case
    with db.session() as s:
        case = s.get(Case, a.case_id)
        assert case is not None
        assert case.mention_count == 2 and case.unanswered_count == 2
        assert case.pqr_type == "reclamo" and case.priority == 70  # the stronger type and priority win


def test_chatter_without_pqr_or_risk_stays_a_mention_without_case(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        r = ingest(s, mention(1, text="Vi el comercial de Conectel en el partido",
                              test_triage={"is_complaint": False, "pqr_type": "otro", "category": None}))
        risky = ingest(s, mention(2, handle="@x", text="sé dónde vive el gerente",
                                  test_triage={"is_complaint": False, "pqr_type": "otro", "category": None,
                                               "threat": True}))
    assert r.status == "created" and r.case_id is None
    assert risky.case_id is not None
    with db.session() as s:
        case = s.get(Case, risky.case_id)
        assert case is not None and case.flags == ["threat"]


def test_unknown_brand_is_a_clear_error(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s, pytest.raises(NotFound, match="Marca desconocida"):
        ingest(s, mention(1, brand="no-existe"))


def test_hostile_text_is_stored_verbatim_and_safely(db: Database) -> None:
    make_brand(db)
    nasty = "<script>alert(1)</script> \u202eRTL\u202c Z\u0351\u0351\u0351\u0351\u0351\u0351algo \x00 " + "😡" * 10
    huge = "no funciona " * 8000  # ~96 kB
    with scripted_triage(), db.session() as s:
        ingest(s, mention(1, text=nasty))
        ingest(s, mention(2, text=huge, handle="@b"))
    with db.session() as s:
        texts = dict(s.execute(select(Mention.external_id, Mention.text)).all())
    assert texts["1"].startswith("<script>alert(1)</script>")
    assert "\x00" not in texts["1"] and "\u202e" in texts["1"]
    assert len(texts["2"]) == len(huge)


def test_every_ingest_is_audited_and_the_chain_verifies(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        for i in range(5):
            ingest(s, mention(i, handle=f"@p{i}", minutes=i))
    with db.session() as s:
        report = verify_chain(s)
    assert report.ok and report.checked >= 11  # brand + 5 × (case opened + mention ingested)


def test_triage_gets_the_authors_history_with_answered_flags(db: Database) -> None:
    make_brand(db)
    with scripted_triage() as assessor, db.session() as s:
        ingest(s, mention(1))
        ingest(s, mention(2, minutes=10, text="¿Hola?"))
        ingest(s, mention(3, minutes=20, text="Nadie responde"))
    history = assessor.calls[-1][1]
    assert [p.text for p in history.prior_messages] == ["Sin internet hace 3 días", "¿Hola?"]
    assert history.unanswered_count == 2


def test_sla_clocks_are_set_from_brand_policy(db: Database) -> None:
    make_brand(db)
    with scripted_triage(), db.session() as s:
        r = ingest(s, mention(1))
        case = s.get(Case, r.case_id)
        assert case is not None
        # Monday 09:00 Bogotá + 1 business hour
        assert case.first_response_due == T0 + timedelta(hours=1)
        assert case.resolution_due is not None and case.resolution_due > case.first_response_due


def test_a_batch_threads_replies_to_mentions_of_the_same_batch(db: Database) -> None:
    make_brand(db, handles=["@marca"])  # the brand's own reply stays in Ana's thread
    chain = [mention(1, handle="@ana"), mention(2, handle="@marca", in_reply_to="1", minutes=1, text="¿Qué pasó?"),
             mention(3, handle="@ana", in_reply_to="2", minutes=2, text="Sigo sin servicio"),
             mention(3, handle="@ana", in_reply_to="2", minutes=2, text="Sigo sin servicio",
                     metrics={"likes": 5, "reposts": 0, "replies": 0})]
    with scripted_triage() as assessor:
        results = list(ingest_batch(db.session, chain, batch_size=10))
    assert [r.status for r in results] == ["created", "created", "created", "duplicate"]
    assert len({r.case_id for r in results}) == 1
    assert results[3].metrics_updated
    # Ana's second message was assessed knowing her first one, though neither was stored yet.
    third = next(h for m, h in assessor.calls if m.id == "3")
    assert [p.text for p in third.prior_messages] == ["Sin internet hace 3 días"]


def test_a_batch_routes_against_what_is_already_stored(db: Database) -> None:
    """Batches read stored mentions, people and cases up front: the answers must be the same as
    ingesting one by one — duplicates, stored history, replies to stored posts, open and closed cases."""
    make_brand(db)
    with scripted_triage(), db.session() as s:
        ana = ingest(s, mention(1, handle="@ana"))
        closed = ingest(s, mention(2, handle="@luis", text="Me cobraron doble"))
        assert closed.case_id is not None
        case = cases.get(s, case_id=closed.case_id)
        cases.record_response(s, case=case, at=T0 + timedelta(minutes=5), public=True, actor=SYSTEM)
        cases.transition(s, case_id=case.id, to="respondido", actor=SYSTEM)
        cases.transition(s, case_id=case.id, to="cerrado", actor=SYSTEM, outcome="at_fault")
    batch = [
        mention(1, handle="@ana", metrics={"likes": 7, "reposts": 0, "replies": 0}),  # stored: a duplicate
        mention(10, handle="@ANA", minutes=30, text="¿Nadie me va a responder?"),  # same person, open case
        mention(11, handle="@pedro", in_reply_to="1", minutes=31, text="A mí también"),  # reply to a stored post
        mention(12, handle="@luis", in_reply_to="2", minutes=40, text="Volvieron a cobrarme doble"),  # reopens
        mention(13, handle="@luis", minutes=41, text="Y nadie contesta"),  # joins the case reopened just now
        mention(14, handle="@nueva", minutes=42, text="Mi pedido no llegó"),  # a new person, a new case
    ]
    with scripted_triage() as assessor:
        results = list(ingest_batch(db.session, batch, batch_size=10))
    assert [r.status for r in results] == ["duplicate", "created", "created", "created", "created", "created"]
    assert results[0].metrics_updated
    assert results[1].case_id == ana.case_id
    assert results[2].case_created and results[2].case_id != ana.case_id  # Pedro's own case in Ana's thread
    assert results[3].case_id == closed.case_id
    assert results[4].case_id == closed.case_id
    assert results[5].case_created and results[5].case_id not in {ana.case_id, closed.case_id}
    history = {m.id: h for m, h in assessor.calls}
    assert [p.text for p in history["10"].prior_messages] == ["Sin internet hace 3 días"]
    assert [p.text for p in history["13"].prior_messages] == ["Me cobraron doble", "Volvieron a cobrarme doble"]
    assert history["14"].prior_messages == ()
    assert _count(db, Person) == 4 and _count(db, Mention) == 7
    with db.session() as s:
        assert cases.get(s, case_id=closed.case_id).status == "reabierto"
        assert cases.get(s, case_id=results[2].case_id).related_case_id == ana.case_id


def _story(brand: str) -> list:
    """A busy hour: threads, repeats by one person, metric re-emissions, chatter, an unknown brand."""
    chatter = {"is_complaint": False, "pqr_type": "otro", "category": None}
    return [
        mention(1, brand=brand, handle="@ana"),
        mention(2, brand=brand, handle="@marca", in_reply_to="1", minutes=1, text="¿Qué pasó?", test_triage=chatter),
        mention(3, brand=brand, handle="@ana", in_reply_to="2", minutes=2, text="Sigo sin servicio"),
        mention(1, brand=brand, handle="@ana", metrics={"likes": 4, "reposts": 1, "replies": 1}),
        mention(4, brand=brand, handle="@luis", minutes=3, text="Me cobraron doble",
                test_triage={"pqr_type": "reclamo", "category": "cobro", "priority": 80, "reasons": ["reclamo"]}),
        mention(5, brand=brand, handle="@LUIS", minutes=4, text="¿Nadie responde?"),
        mention(6, brand=brand, handle="@eva", minutes=5, text="Lindo comercial", test_triage=chatter),
        mention(7, brand="no-existe", handle="@eva", minutes=6),
        mention(1, brand=brand, handle="@ana", metrics={"likes": 9, "reposts": 1, "replies": 2}),
        mention(8, brand=brand, handle="@pedro", in_reply_to="4", minutes=7, text="A mí también"),
        mention(4, brand=brand, handle="@luis", minutes=3, text="Me cobraron doble"),
    ]


def _shape(db: Database, brand_slug: str, results: list) -> tuple:
    """What a user sees of a brand, independent of row ids."""
    from cauce.audit.models import AuditEvent
    from cauce.brands.models import Brand

    with db.session() as s:
        brand_id = s.scalar(select(Brand.id).where(Brand.slug == brand_slug))
        first_of_case: dict[int, str] = {}
        for r in results:
            if r.case_id is not None:
                first_of_case.setdefault(r.case_id, r.external_id)
        statuses = [(r.status, r.external_id, first_of_case.get(r.case_id), r.case_created, r.metrics_updated)
                    for r in results]
        cases_seen = s.scalars(select(Case).where(Case.brand_id == brand_id).order_by(Case.id)).all()
        case_rows = [(first_of_case[c.id], c.pqr_type, c.priority, c.mention_count, c.unanswered_count, c.flags)
                     for c in cases_seen]
        mention_ids = s.scalars(select(Mention.id).where(Mention.brand_id == brand_id)).all()
        snapshots = s.scalar(select(func.count()).select_from(MetricSnapshot)
                             .where(MetricSnapshot.mention_id.in_(mention_ids)))
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.brand_id == brand_id)
                            .order_by(AuditEvent.seq)).all()
        return statuses, case_rows, len(mention_ids), snapshots, actions


def test_a_batch_stores_exactly_what_one_by_one_ingest_stores(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="cauce.mentions.service")
    make_brand(db, "Uno")
    make_brand(db, "Dos")
    with scripted_triage():
        with db.session() as s:
            single = [ingest(s, item) if item.brand != "no-existe" else None for item in _story("uno")]
        batched = list(ingest_batch(db.session, _story("dos"), batch_size=50))
    assert [r.status for r in batched].count("error") == 1  # the unknown brand, reported, not fatal
    batched = [r for r in batched if r.status != "error"]
    one_by_one = [r for r in single if r is not None]
    assert _shape(db, "uno", one_by_one) == _shape(db, "dos", batched)
    statuses, case_rows, mentions, snapshots, _ = _shape(db, "dos", batched)
    # Pedro's "a mí también" is his own case, linked to Luis's; 2 re-emissions with new numbers, 1 repeat.
    assert len(case_rows) == 3 and mentions == 7 and snapshots == 9
    assert [s[0] for s in statuses].count("duplicate") == 3
    with db.session() as s:
        assert verify_chain(s).ok
    assert "retrying with each mention isolated" not in caplog.text  # the batched write path was taken
