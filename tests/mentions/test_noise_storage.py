"""Relevance first: noise is stored, counted and searchable but opens no case; a person brings it
into the queue (or marks a mention as noise); a brand-addressed mention is never noise — on SQLite
and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM, verify_chain
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database
from cauce.errors import Conflict, NotFound
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest, ingest_batch
from helpers import T0, make_brand, mention, scripted_triage

NOISE: dict[str, Any] = {"relevant": False, "relevance": 0.08, "relevance_reasons": ["homónimo: Deportivo Conectel"],
                         "is_complaint": False, "pqr_type": "otro", "category": None, "priority": 5}
SETTINGS = {"terms": ["Conectel Fibra"], "exclusion_terms": ["Conectel Arena"], "homonyms": ["Deportivo Conectel"]}


def _brand(db: Database) -> int:
    brand = make_brand(db, handles=["@ConectelCO"])
    with db.session() as s:
        brands.update_triage_settings(s, brand_id=brand.id, settings=SETTINGS, actor=SYSTEM)
    return brand.id


def _count(db: Database, model: type, *where: Any) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_irrelevant_mention_is_stored_counted_and_listed_but_opens_no_case(db: Database) -> None:
    brand_id = _brand(db)
    with scripted_triage():
        with db.session() as s:
            one = ingest(s, mention(1, text="Golazo del Deportivo Conectel anoche", test_triage=NOISE))
        # The batched path too, and a second noise post of someone with an open case does not join it.
        results = list(ingest_batch(db.session, [
            mention(2, handle="@luis", text="Sin internet desde ayer en Suba"),
            mention(3, handle="@luis", text="Qué partido el del Deportivo Conectel", minutes=5, test_triage=NOISE),
        ]))
    assert one.status == "created" and one.case_id is None and one.noise
    assert results[0].case_created and not results[0].noise
    assert results[1].case_id is None and results[1].noise
    assert _count(db, Case) == 1
    with db.session() as s:
        stored = s.scalars(select(Mention).where(Mention.relevant.is_(False)).order_by(Mention.id)).all()
        assert [m.external_id for m in stored] == ["1", "3"]
        assert stored[0].relevance == pytest.approx(0.08)
        assert stored[0].relevance_reasons == ["homónimo: Deportivo Conectel"]
        assert stored[0].assessment["relevant"] is False
        case = s.scalars(select(Case)).one()
        assert case.mention_count == 1
        scope = cases.Scope(frozenset({brand_id}))
        listed = mentions.list_noise(s, scope=scope, filters=mentions.NoiseFilters(text="partido"))
        assert [m.external_id for m in listed] == ["3"]
        assert mentions.count_noise(s, scope=scope) == {brand_id: 2}
        assert mentions.count_noise(s, scope=cases.Scope(frozenset({brand_id + 1}))) == {}


def test_triage_gets_the_brand_context_and_whether_the_mention_is_addressed_to_it(db: Database) -> None:
    _brand(db)
    with scripted_triage() as assessor, db.session() as s:
        ingest(s, mention(1, text="El Conectel Arena estaba lleno"))
        ingest(s, mention(2, text="@conectelco ¿hay falla en Suba?"))
        ingest(s, mention(3, text="hola", channel="email", private=True))
        ingest(s, mention(4, handle="@ConectelCO", text="Estamos revisando la red de Suba."))
        ingest(s, mention(5, handle="@maria", text="Gracias, sigo esperando", in_reply_to="4"))
    histories = [h for _, h in assessor.calls]
    context = histories[0].brand
    assert context is not None and context.name == "Conectel"
    assert context.handles == ("conectelco",)
    assert context.terms == ("Conectel", "Conectel Fibra")
    assert context.exclusion_terms == ("Conectel Arena",) and context.homonyms == ("Deportivo Conectel",)
    assert [h.addressed_to_brand for h in histories] == [False, True, True, False, True]


def test_a_brand_addressed_mention_is_never_dropped_as_noise(db: Database) -> None:
    _brand(db)
    with scripted_triage():
        with db.session() as s:
            tagged = ingest(s, mention(1, text="@ConectelCO hoy no juega el Deportivo Conectel pero yo sigo sin "
                                       "internet", test_triage={**NOISE, "is_complaint": True, "pqr_type": "queja"}))
        [dm] = list(ingest_batch(db.session, [mention(2, handle="@pedro", channel="telegram", private=True,
                                                      text="Conectel Arena, mi factura", test_triage=NOISE)]))
    assert tagged.case_created and not tagged.noise
    assert dm.case_created and not dm.noise
    with db.session() as s:
        stored = s.scalars(select(Mention).order_by(Mention.id)).all()
        assert all(m.relevant for m in stored)
        assert all("dirigida a la marca" in (m.relevance_reasons or []) for m in stored)


def test_bring_into_queue_opens_one_case_once_and_is_audited(db: Database) -> None:
    brand_id = _brand(db)
    with scripted_triage(), db.session() as s:
        stored = ingest(s, mention(1, text="¿Alguien sabe si el Deportivo Conectel juega hoy?", test_triage=NOISE))
    assert stored.mention_id is not None and stored.case_id is None
    scope = cases.Scope(frozenset({brand_id}))
    with db.session() as s:
        first = mentions.bring_into_queue(s, mention_id=stored.mention_id, actor=SYSTEM, scope=scope,
                                          reason="Es cliente: pregunta por la señal en el estadio")
        case_id = first.mention.case_id
    with db.session() as s:
        again = mentions.bring_into_queue(s, mention_id=stored.mention_id, actor=SYSTEM, scope=scope)
        assert again.mention.case_id == case_id and not again.changed and not again.created
    assert first.created and first.changed and case_id is not None
    assert _count(db, Case) == 1
    assert _count(db, AuditEvent, AuditEvent.action == "mention.brought_into_queue") == 1
    with db.session() as s:
        m = s.get(Mention, stored.mention_id)
        assert m is not None and m.relevant and m.case_id == case_id
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "mention.brought_into_queue")).one()
        assert event.reason == "Es cliente: pregunta por la señal en el estadio" and event.case_id == case_id
        assert mentions.list_noise(s, scope=scope) == []
        assert verify_chain(s).ok


def test_bring_into_queue_joins_the_persons_open_case(db: Database) -> None:
    _brand(db)
    with scripted_triage(), db.session() as s:
        complaint = ingest(s, mention(1, text="Sin internet desde ayer"))
        noise = ingest(s, mention(2, text="Y encima perdió el Deportivo Conectel", minutes=3, test_triage=NOISE))
    assert noise.mention_id is not None
    with db.session() as s:
        result = mentions.bring_into_queue(s, mention_id=noise.mention_id, actor=SYSTEM)
        assert not result.created and result.mention.case_id == complaint.case_id
        case = s.get(Case, complaint.case_id)
        assert case is not None and case.mention_count == 2


def test_mark_as_noise_discards_a_case_that_holds_only_that_mention(db: Database) -> None:
    brand_id = _brand(db)
    with scripted_triage(), db.session() as s:
        alone = ingest(s, mention(1, text="Conectel Arena: entradas agotadas para el clásico"))
        first = ingest(s, mention(2, handle="@luis", text="Sin señal en Bosa"))
        second = ingest(s, mention(3, handle="@luis", text="Sigo sin señal", minutes=2))
    assert alone.mention_id and second.mention_id and alone.case_id and first.case_id == second.case_id
    scope = cases.Scope(frozenset({brand_id}))
    with db.session() as s:
        result = mentions.mark_as_noise(s, mention_id=alone.mention_id, actor=SYSTEM, scope=scope,
                                        reason="Habla del estadio")
        assert result.changed and result.case is not None
    with db.session() as s:
        again = mentions.mark_as_noise(s, mention_id=alone.mention_id, actor=SYSTEM, scope=scope)
        assert not again.changed
        case = s.get(Case, alone.case_id)
        assert case is not None and case.status == "descartado" and not case.is_open
        m = s.get(Mention, alone.mention_id)
        assert m is not None and not m.relevant and m.case_id is None
        assert [x.id for x in mentions.list_noise(s, scope=scope)] == [alone.mention_id]
    with db.session() as s, pytest.raises(Conflict):
        mentions.mark_as_noise(s, mention_id=second.mention_id, actor=SYSTEM, scope=scope)
    assert _count(db, AuditEvent, AuditEvent.action == "mention.marked_noise") == 1
    # Brought back, it is routed as ingest would: its conversation's discarded case reopens.
    with db.session() as s:
        back = mentions.bring_into_queue(s, mention_id=alone.mention_id, actor=SYSTEM, scope=scope)
        assert back.case is not None and back.case.is_open and back.mention.case_id == back.case.id


def test_another_brands_mention_reads_like_a_missing_one(db: Database) -> None:
    _brand(db)
    other = make_brand(db, name="Lumina")
    with scripted_triage(), db.session() as s:
        stored = ingest(s, mention(1, brand="lumina", text="Hola", test_triage=NOISE))
    assert stored.mention_id is not None
    mine = cases.Scope(frozenset({other.id + 1000}))
    for call in (mentions.bring_into_queue, mentions.mark_as_noise):
        with db.session() as s, pytest.raises(NotFound) as foreign:
            call(s, mention_id=stored.mention_id, actor=SYSTEM, scope=mine)
        with db.session() as s, pytest.raises(NotFound) as missing:
            call(s, mention_id=stored.mention_id + 999, actor=SYSTEM, scope=mine)
        assert foreign.value.message.replace(str(stored.mention_id), "N") == \
            missing.value.message.replace(str(stored.mention_id + 999), "N")
    assert _count(db, Case) == 0


def test_upgrade_keeps_existing_mentions_relevant(db: Database) -> None:
    """Migration 0008 on a database holding data: old mentions stay relevant, old brands get {} settings."""
    from alembic import command
    from sqlalchemy import text

    from cauce.db import _alembic_config, upgrade

    make_brand(db)
    with scripted_triage(), db.session() as s:
        ingest(s, mention(1))
    db.dispose()
    command.downgrade(_alembic_config(db.url), "0006")
    with db.engine.begin() as conn:
        assert "relevant" not in {c["name"] for c in __import__("sqlalchemy").inspect(conn).get_columns("mentions")}
        conn.execute(text("UPDATE mentions SET text = 'antes de 0008'"))
    db.dispose()
    upgrade(db.url)
    with db.session() as s:
        m = s.scalars(select(Mention)).one()
        assert m.relevant is True and m.relevance is None and m.text == "antes de 0008"
        case = s.scalars(select(Case)).one()
        assert case.brand_category is None
        brand = brands.resolve(s, "conectel")
        assert brand.triage_settings == {}
    assert T0  # the fixtures' clock


def test_the_shipped_model_takes_an_off_topic_post_about_a_homonym_for_noise(db: Database) -> None:
    from cauce.triage import service as triage

    _brand(db)
    triage.set_assessor(None)  # the shipped model, not the scripted stand-in
    with db.session() as s:
        result = ingest(s, mention(1, handle="@liga_bogotana", text="¡Final de infarto! El Deportivo Conectel le "
                                   "ganó 2-1 al Atlético Suba con gol en el último minuto ⚽"))
    assert result.noise and result.case_id is None
    with db.session() as s:
        m = s.scalars(select(Mention)).one()
        assert not m.relevant and m.relevance_reasons


def test_a_reply_under_a_relevant_message_is_never_noise_but_a_reply_under_noise_stays_noise(db: Database) -> None:
    """A troll answering a customer without naming the brand still reaches the queue (his own linked
    case); fans talking under a homonym's post do not."""
    _brand(db)
    hostile_noise = {**NOISE, "is_complaint": False, "abusive": True, "relevance_reasons": ["no nombra la marca"]}
    with scripted_triage():
        with db.session() as s:
            ingest(s, mention(10, handle="@marcela", text="@ConectelCO llevo tres días sin internet"))
        with db.session() as s:
            troll = ingest(s, mention(11, handle="@sarcasmo", text="jaja llora más, inútil", minutes=2,
                                      in_reply_to="10", test_triage=hostile_noise))
        with db.session() as s:
            ingest(s, mention(20, handle="@hincha", text="Golazo del Deportivo Conectel", test_triage=NOISE))
        with db.session() as s:
            fan = ingest(s, mention(21, handle="@otro", text="jaja qué partido, inútil el arquero", minutes=3,
                                    in_reply_to="20", test_triage=hostile_noise))
    assert not troll.noise and troll.case_id is not None
    assert fan.noise and fan.case_id is None
    with db.session() as s:
        row = s.scalar(select(Mention).where(Mention.external_id == "11"))
        assert row is not None and row.relevant
        assert mentions.THREAD_REASON in row.relevance_reasons
