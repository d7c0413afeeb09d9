"""Macros: a brand's saved replies, written by supervisors, filled in for a case in the brand's voice."""

from __future__ import annotations

import pytest

from cauce.audit.service import SYSTEM, Actor
from cauce.brands.models import Brand
from cauce.cases import service as cases
from cauce.db import Database
from cauce.errors import Conflict, Forbidden, InvalidInput, NotFound
from cauce.macros import service as macros
from cauce.mentions.service import ingest
from helpers import make_brand, mention, scripted_triage

TEXT = "Hola {nombre}, soy {agente} de {marca}. [Escríbenos|Escríbanos] por privado con el caso {caso}."


def _case(db: Database, brand: Brand) -> int:
    with scripted_triage(), db.session() as s:
        case_id = ingest(s, mention(1, brand=brand.slug, handle="@ana", text="Me cobraron doble la factura")).case_id
    assert case_id is not None
    return case_id


@pytest.mark.parametrize(("voice", "verb"), [("tu", "Escríbenos"), ("usted", "Escríbanos")])
def test_a_macro_is_filled_for_the_case_in_the_brands_voice(db: Database, voice: str, verb: str) -> None:
    brand = make_brand(db, name="Conectel", voice=voice)
    case_id = _case(db, brand)
    with db.session() as s:
        macro = macros.create(s, brand_id=brand.id, title="Pedir datos", text=TEXT, actor=SYSTEM, user_id=None,
                              brand_ids=None, is_supervisor=True)
        text = macros.fill_for_case(s, macro_id=macro.id, case=cases.get(s, case_id=case_id),
                                    brand_ids=frozenset({brand.id}), agent_name="Laura Gómez")
    assert text == f"Hola Ana, soy Laura de Conectel. {verb} por privado con el caso #{case_id}."


def test_macro_validation_and_who_may_write(db: Database) -> None:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    only_a = frozenset({a.id})
    with db.session() as s:
        with pytest.raises(InvalidInput, match="desconocido"):
            macros.create(s, brand_id=a.id, title="Mal", text="Hola {cliente}", actor=SYSTEM, user_id=None,
                          brand_ids=only_a, is_supervisor=True)
        with pytest.raises(InvalidInput, match="sin cerrar"):
            macros.create(s, brand_id=a.id, title="Mal", text="Hola {nombre", actor=SYSTEM, user_id=None,
                          brand_ids=only_a, is_supervisor=True)
        with pytest.raises(Forbidden):
            macros.create(s, brand_id=a.id, title="Agente", text="Hola", actor=SYSTEM, user_id=None,
                          brand_ids=only_a, is_supervisor=False)
        with pytest.raises(NotFound):  # another brand: as if it did not exist
            macros.create(s, brand_id=b.id, title="Ajena", text="Hola", actor=SYSTEM, user_id=None,
                          brand_ids=only_a, is_supervisor=True)
        macro = macros.create(s, brand_id=a.id, title="Saludo", text="Hola {nombre}", actor=Actor.user(1, "Sol"),
                              user_id=None, brand_ids=only_a, is_supervisor=True)
        with pytest.raises(Conflict):
            macros.create(s, brand_id=a.id, title="Saludo", text="Otra", actor=SYSTEM, user_id=None,
                          brand_ids=only_a, is_supervisor=True)
        macro_id = macro.id
    with db.session() as s:
        with pytest.raises(NotFound):
            macros.get(s, macro_id=macro_id, brand_ids=frozenset({b.id}))
        macros.update(s, macro_id=macro_id, title="Saludo corto", text="Hola", actor=SYSTEM, brand_ids=only_a,
                      is_supervisor=True)
        assert [m.title for m in macros.list_macros(s, brand_ids=only_a)] == ["Saludo corto"]
        assert macros.list_macros(s, brand_ids=frozenset({b.id})) == []
        macros.delete(s, macro_id=macro_id, actor=SYSTEM, brand_ids=only_a, is_supervisor=True)
        assert macros.list_macros(s, brand_ids=None) == []


def test_a_macro_of_another_brand_cannot_fill_this_case(db: Database) -> None:
    a = make_brand(db, name="Marca A")
    b = make_brand(db, name="Marca B")
    case_id = _case(db, a)
    with db.session() as s:
        macro = macros.create(s, brand_id=b.id, title="De B", text="Hola", actor=SYSTEM, user_id=None,
                              brand_ids=None, is_supervisor=True)
        with pytest.raises(InvalidInput, match="otra marca"):
            macros.fill_for_case(s, macro_id=macro.id, case=cases.get(s, case_id=case_id), brand_ids=None,
                                 agent_name="Laura")
