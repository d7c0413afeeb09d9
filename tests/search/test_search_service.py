"""Search people and cases: names, handles, words, numbers, scope, index upkeep, hostile input.

Every mention here goes in through the batched ingest path (`ingest_many(isolated=False)`, bulk
rows), the one that writes mentions without the ORM — if the index missed those rows, nothing
here would be found.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from cauce.cases.models import Case
from cauce.cases.service import Scope
from cauce.db import Database
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest_many
from cauce.people.models import Handle, Person
from cauce.search import service as search
from cauce.search.schemas import SearchKind
from helpers import make_brand, mention, scripted_triage


def _m(n: int, *, handle: str, name: str, text: str, brand: str = "conectel", **extra: Any) -> Any:
    return mention(n, brand=brand, handle=handle, text=text, minutes=n,
                   author={"handle": handle, "name": name, "followers": 10 * n}, **extra)


@pytest.fixture
def world(db: Database) -> dict[str, Any]:
    a = make_brand(db, name="Conectel", organisation="Agencia")  # one organisation: one María
    b = make_brand(db, name="Bancosur", organisation="Agencia")
    items = [
        _m(1, handle="@MariaPerez", name="María Pérez", text="Me cobraron dos veces el cobro de la factura"),
        _m(2, handle="@jl_nunez", name="José-Luis Núñez", text="Pésima atención en la tienda del centro"),
        _m(3, handle="@pedro.r", name="Pedro Ramírez", text="Sin internet desde el lunes en Medellín"),
        _m(4, handle="@solo_b", name="Beatriz Solano", text="La app del banco no abre", brand="bancosur"),
        _m(5, handle="@MariaPerez", name="María Pérez", text="Cuenta bloqueada sin aviso", brand="bancosur"),
    ]
    with scripted_triage(), db.session() as s:
        results = ingest_many(s, items, isolated=False)
    assert [r.status for r in results] == ["created"] * 5
    return {"a": a, "b": b, "cases": [r.case_id for r in results]}


def _people(db: Database, q: str, scope: Scope = Scope()) -> list[str | None]:
    with db.read_session() as s:
        return [p.name for p in search.search(s, q=q, kind=SearchKind.people, scope=scope).people]


def _cases(db: Database, q: str, scope: Scope = Scope()) -> list[int]:
    with db.read_session() as s:
        return [c.id for c in search.search(s, q=q, kind=SearchKind.cases, scope=scope).cases]


@pytest.mark.parametrize("q", ["mari", "MARI", "María", "maria", "maría pé", "Perez", "@mariaperez", "mariaperez",
                               "@MariaPe", "  @mari  "])
def test_a_person_is_found_by_any_prefix_of_name_or_handle_whatever_the_accents_and_case(
        world: dict[str, Any], db: Database, q: str) -> None:
    assert _people(db, q) == ["María Pérez"]


def test_handles_with_punctuation_and_hyphenated_names(world: dict[str, Any], db: Database) -> None:
    assert _people(db, "@jl_nunez") == ["José-Luis Núñez"]
    assert _people(db, "jl") == ["José-Luis Núñez"]
    assert _people(db, "núñez") == _people(db, "NUNEZ") == ["José-Luis Núñez"]
    assert _people(db, "jose luis") == ["José-Luis Núñez"]
    assert _people(db, "@pedro.r") == ["Pedro Ramírez"]
    assert _people(db, "ramirez") == ["Pedro Ramírez"]
    assert _people(db, "zacarías") == []


def test_cases_are_found_by_words_with_spanish_stems_and_without_accents(world: dict[str, Any], db: Database) -> None:
    cobro, atencion, internet = world["cases"][:3]
    assert _cases(db, "cobros") == [cobro]  # plural finds the singular (stemming)
    assert _cases(db, "factura cobrada") == [cobro]  # another form of the same verb
    assert _cases(db, "ATENCION") == _cases(db, "atención") == [atencion]
    assert _cases(db, "pesima") == [atencion]
    assert _cases(db, "internet medellin") == [internet]
    assert _cases(db, "intern") == [internet]  # the last word is a prefix while typing
    assert _cases(db, "internet factura") == []  # every word must match


def test_a_case_is_found_by_its_number(world: dict[str, Any], db: Database) -> None:
    case_id = world["cases"][1]
    for q in (str(case_id), f"#{case_id}", f"caso {case_id}", f"Caso #{case_id}", f"case {case_id}"):
        with db.read_session() as s:
            found = search.search(s, q=q, scope=Scope()).cases
        assert [c.id for c in found][:1] == [case_id], q
        assert found[0].matched == "number" and found[0].url == f"/cases/{case_id}"
    assert _cases(db, "#999999999") == [] and _cases(db, "caso 99999999999999999") == []
    assert _cases(db, "99999999999") == []


def test_results_stay_within_the_callers_brands(world: dict[str, Any], db: Database) -> None:
    only_a = Scope(frozenset({world["a"].id}))
    bank_case, maria_bank_case = world["cases"][3], world["cases"][4]
    assert _people(db, "beatriz") == ["Beatriz Solano"]
    assert _people(db, "beatriz", only_a) == []  # wrote only to brand B
    assert _people(db, "@solo_b", only_a) == []
    assert _people(db, "maria", only_a) == ["María Pérez"]  # wrote to both
    assert _cases(db, "banco") == [bank_case]
    assert _cases(db, "banco", only_a) == []
    assert _cases(db, str(bank_case), only_a) == [] and _cases(db, f"#{maria_bank_case}", only_a) == []
    assert _cases(db, "cuenta bloqueada", Scope(frozenset())) == []
    assert _people(db, "maria", Scope(frozenset())) == []


def test_the_owner_of_the_exact_handle_comes_first_and_chatter_counts_as_writing_to_a_brand(
        world: dict[str, Any], db: Database) -> None:
    only_a = Scope(frozenset({world["a"].id}))
    chatter = {"is_complaint": False, "pqr_type": "otro", "priority": 0}
    more = [_m(20, handle="@maria", name="Zoe", text="buen día", test_triage=chatter),
            _m(21, handle="@mariaperez_fan", name="Fan de María", text="hola a todos", test_triage=chatter)]
    with scripted_triage(), db.session() as s:
        results = ingest_many(s, more, isolated=False)
    assert [r.case_id for r in results] == [None, None]  # no case: only their mentions place them in brand A
    assert _people(db, "@maria", only_a)[0] == "Zoe"  # newest seen otherwise, but the exact handle wins
    assert set(_people(db, "@maria", only_a)) == {"Zoe", "Fan de María", "María Pérez"}
    assert _people(db, "@mariaperez", only_a)[0] == "María Pérez"


def test_a_mention_ingested_in_a_batch_is_findable_at_once_by_its_text_and_author(
        world: dict[str, Any], db: Database) -> None:
    first_case = world["cases"][0]
    more = [_m(10, handle="@MariaPerez", name="María Pérez", text="Ya van tres semanas con el reembolso pendiente",
               in_reply_to="1"),
            _m(11, handle="@trol_anonimo", name="El Troll", text="jajaja qué pena esta empresa")]
    with scripted_triage(), db.session() as s:
        ingest_many(s, more, isolated=False)
    assert first_case in _cases(db, "reembolso")  # a later mention's words find the case
    assert _people(db, "@trol") == _people(db, "troll") == ["El Troll"]


def test_the_index_follows_renames_deletions_and_rewritten_text(world: dict[str, Any], db: Database) -> None:
    """What the privacy feature does (anonymise a person, drop a handle, rewrite a text) reaches
    the index without any call into search."""
    with db.session() as s:
        person_id = s.scalar(select(Handle.person_id).where(Handle.handle == "mariaperez"))
        s.execute(update(Person).where(Person.id == person_id).values(display_name="Persona anonimizada"))
        s.execute(delete(Handle).where(Handle.person_id == person_id))
        s.execute(update(Mention).where(Mention.person_id == person_id).values(text="[texto eliminado]"))
        s.execute(update(Case).where(Case.person_id == person_id).values(title="[texto eliminado]"))
    assert _people(db, "maria") == [] and _people(db, "@mariaperez") == []
    assert _people(db, "anonimizada") == ["Persona anonimizada"]
    assert _cases(db, "cobro") == [] and _cases(db, "bloqueada") == []
    assert len(_cases(db, "eliminado")) == 2


HOSTILE = ['"', '""', "*", "mari*", "NEAR(", "NEAR(a b", "-", "- maria", ":", "title:cobro", "a OR b", "AND",
           "^", "(", ")", "'", "\\", "&", "|", "!", "<->", "cobro & !factura", "x" * 5000, "\x00", "mari\x00a",
           "@", "#", "caso", "%", "_", "🙂", "٣", "\u0301", ";DROP TABLE people;--", "{handle}: x"]


def test_hostile_queries_find_nothing_or_something_but_never_fail(world: dict[str, Any], db: Database) -> None:
    with db.read_session() as s:
        for q in HOSTILE:
            out = search.search(s, q=q, scope=Scope(frozenset({world["a"].id})))
            assert out.query == search.parse(q).text
        assert s.execute(text("SELECT 1")).scalar() == 1  # the transaction is still usable
    assert _people(db, "mari*") == ["María Pérez"]  # syntax characters are just separators
    assert _people(db, "-") == [] and _cases(db, "NEAR(") == []


def test_query_parsing() -> None:
    assert search.parse("caso 42").number == 42 and search.parse("caso 42").number_only
    assert search.parse("#42").words == () and search.parse("Caso nº 42").number == 42
    plain = search.parse("42")
    assert plain.number == 42 and plain.words == ("42",) and not plain.number_only
    assert search.parse("pedido 42").number is None
    assert search.parse("@Ana_Pérez").handle_only and search.parse("@Ana_Pérez").words == ("ana", "pérez")
    assert len(search.parse(" ".join(["palabra"] * 50)).words) == search.MAX_WORDS
