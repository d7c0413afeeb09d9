"""Bulk actions: each case is changed through its own audited event, the lifecycle is obeyed case by
case (a case that cannot be closed is reported with the reason), and another brand's case is refused
per case exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from cauce.audit.service import SYSTEM, Actor, events_for_case
from cauce.auth import service as auth
from cauce.cases import bulk, saved_views
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database
from cauce.errors import Conflict, InvalidInput, NotFound
from cauce.mentions.service import ingest
from helpers import T0, make_brand, mention, scripted_triage


@dataclass(frozen=True)
class World:
    a: int
    b: int
    laura: int
    pedro: int
    area: int
    own: list[int]
    foreign: int


def _world(db: Database) -> World:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    with db.session() as s:
        laura = auth.create_user(s, email="laura@a.co", name="Laura Gómez", role="agent", password="clave-segura-1",
                                 brand_ids=[a.id], actor=SYSTEM)
        pedro = auth.create_user(s, email="pedro@b.co", name="Pedro Ruiz", role="agent", password="clave-segura-1",
                                 brand_ids=[b.id], actor=SYSTEM)
        area = cases.create_area(s, brand_id=a.id, name="Facturación", slug="cobros", investigation_hours=24,
                                 categories=["cobro"], actor=SYSTEM)
        ids = (laura.id, pedro.id, area.id)
    with scripted_triage(), db.session() as s:
        own = [ingest(s, mention(i, brand=a.slug, handle=f"@cliente{i}", text="Me cobraron doble la factura")).case_id
               for i in (1, 2, 3)]
        foreign = ingest(s, mention(9, brand=b.slug, handle="@otro", text="Me cobraron doble")).case_id
    assert foreign is not None and all(c is not None for c in own)
    return World(a.id, b.id, ids[0], ids[1], ids[2], [c for c in own if c is not None], foreign)


def _actor(user_id: int) -> Actor:
    return Actor.user(user_id, "Laura")


def test_bulk_assign_audits_each_case_and_refuses_another_brands_case_like_a_missing_one(db: Database) -> None:
    w = _world(db)
    own, foreign = w.own, w.foreign
    scope = cases.Scope(frozenset({w.a}))
    with db.session() as s:
        result = bulk.apply(s, action="assign", case_ids=[*own, foreign, 10**6], actor=_actor(1), scope=scope,
                            user_id=w.laura)
    assert result.done == own
    assert set(result.refused) == {foreign, 10**6}
    assert result.refused[foreign] == f"No existe el caso {foreign}."  # same answer as a missing id
    with db.read_session() as s:
        for case_id in own:
            assert s.get(Case, case_id) is not None
            assert s.get(Case, case_id).assigned_user_id == w.laura  # type: ignore[union-attr]
            assert [e.action for e in events_for_case(s, case_id)].count("case.assigned") == 1
        assert s.get(Case, foreign).assigned_user_id is None  # type: ignore[union-attr]
        assert "case.assigned" not in [e.action for e in events_for_case(s, foreign)]


def test_a_user_of_another_brand_is_refused_per_case(db: Database) -> None:
    w = _world(db)
    with db.session() as s:
        result = bulk.apply(s, action="assign", case_ids=w.own, actor=SYSTEM, scope=cases.ALL_BRANDS,
                            user_id=w.pedro)
    assert result.done == [] and all("no pertenece a la marca" in m for m in result.refused.values())


def test_bulk_close_obeys_the_lifecycle_per_case(db: Database) -> None:
    w = _world(db)
    first, second, third = w.own
    with db.session() as s:  # only the first case has been answered and resolved
        case = cases.get(s, case_id=first)
        cases.record_response(s, case=case, at=T0 + timedelta(minutes=5), public=True, actor=SYSTEM)
        cases.transition(s, case_id=first, to="respondido", actor=SYSTEM)
    with db.session() as s:
        with pytest.raises(InvalidInput, match="resultado"):  # the request's own mistake: nothing changes
            bulk.apply(s, action="close", case_ids=[first, second], actor=SYSTEM, scope=cases.ALL_BRANDS,
                       reason="Resuelto")
        with pytest.raises(InvalidInput, match="motivo"):
            bulk.apply(s, action="close", case_ids=[first], actor=SYSTEM, scope=cases.ALL_BRANDS,
                       outcome="at_fault")
    with db.session() as s:
        result = bulk.apply(s, action="close", case_ids=[first, second, third], actor=SYSTEM,
                            scope=cases.ALL_BRANDS, outcome="not_at_fault", reason="Cliente confirmó")
    assert result.done == [first]
    assert set(result.refused) == {second, third}
    assert all("primera respuesta" in m for m in result.refused.values())
    with db.read_session() as s:
        closed = s.get(Case, first)
        assert closed is not None and closed.status == "cerrado" and closed.outcome == "not_at_fault"
        event = next(e for e in events_for_case(s, first) if e.action == "case.cerrado")
        assert event.reason == "Cliente confirmó"
        assert s.get(Case, second).status == "nuevo"  # type: ignore[union-attr]


def test_bulk_tag_and_area(db: Database) -> None:
    w = _world(db)
    own = w.own
    with db.session() as s:
        with pytest.raises(InvalidInput):
            bulk.apply(s, action="tag", case_ids=own, actor=SYSTEM, scope=cases.ALL_BRANDS, tag="no vale!")
        tagged = bulk.apply(s, action="tag", case_ids=own, actor=SYSTEM, scope=cases.ALL_BRANDS, tag="Doble Cobro")
        again = bulk.apply(s, action="tag", case_ids=own[:1], actor=SYSTEM, scope=cases.ALL_BRANDS, tag="doble-cobro")
        moved = bulk.apply(s, action="area", case_ids=[*own, w.foreign], actor=SYSTEM,
                           scope=cases.ALL_BRANDS, area_id=w.area)
    assert tagged.done == own and again.done == own[:1]
    assert moved.done == own and "área" in moved.refused[w.foreign]
    with db.read_session() as s:
        case = s.get(Case, own[0])
        assert case is not None and case.tags == ["doble-cobro"] and case.area_id == w.area
        actions = [e.action for e in events_for_case(s, own[0])]
        assert actions.count("case.tagged") == 1  # tagging twice changes nothing the second time


def test_bulk_refuses_empty_or_unknown_requests(db: Database) -> None:
    _world(db)
    with db.session() as s:
        with pytest.raises(InvalidInput):
            bulk.apply(s, action="assign", case_ids=[], actor=SYSTEM, scope=cases.ALL_BRANDS, user_id=1)
        with pytest.raises(InvalidInput):
            bulk.apply(s, action="borrar", case_ids=[1], actor=SYSTEM, scope=cases.ALL_BRANDS)
        with pytest.raises(InvalidInput, match="a quién"):
            bulk.apply(s, action="assign", case_ids=[1], actor=SYSTEM, scope=cases.ALL_BRANDS)


def test_saved_views_belong_to_their_owner(db: Database) -> None:
    w = _world(db)
    keys = ("status", "assignee", "q")
    with db.session() as s:
        view = saved_views.save(s, user_id=w.laura, name="  Mis   urgentes ",
                                filters={"status": "nuevo", "assignee": "me", "evil": "x", "q": ""}, allowed=keys)
        view_id = view.id
        assert view.name == "Mis urgentes" and view.filters == {"status": "nuevo", "assignee": "me"}
        with pytest.raises(Conflict):
            saved_views.save(s, user_id=w.laura, name="Mis urgentes", filters={}, allowed=keys)
        with pytest.raises(InvalidInput):
            saved_views.save(s, user_id=w.laura, name="   ", filters={}, allowed=keys)
    with db.session() as s:
        with pytest.raises(NotFound):
            saved_views.rename(s, view_id=view_id, user_id=w.pedro, name="Robada")
        with pytest.raises(NotFound):
            saved_views.delete(s, view_id=view_id, user_id=w.pedro)
        assert saved_views.views_of(s, user_id=w.pedro) == []
        saved_views.rename(s, view_id=view_id, user_id=w.laura, name="Hoy")
    with db.session() as s:
        assert [v.name for v in saved_views.views_of(s, user_id=w.laura)] == ["Hoy"]
        saved_views.delete(s, view_id=view_id, user_id=w.laura)
        assert saved_views.views_of(s, user_id=w.laura) == []
