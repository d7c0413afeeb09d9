"""Find people (by name or any handle) and cases (by number or by words), within the caller's brands.

The index lives in the database (migration 0005): on PostgreSQL generated `search_tsv` columns
(`cauce_es`: Spanish stems of unaccented words; `cauce_names`: unaccented words, no stemming), on
SQLite FTS5 tables kept in sync by triggers. Search is an index over other features' tables, so it
reads `people`, `handles`, `cases` and `mentions` directly, and only reads them.

Queries never reach the database as syntax: a query is cut into words of letters and digits, and
the FTS5 / tsquery expression is built from those words only, so quotes, `*`, `NEAR(`, `-`, `:`
or NUL in what a person types cannot break it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import snowballstemmer
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from cauce.cases.models import Case
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.people.models import Handle, Person
from cauce.people.service import normalise_handle
from cauce.search.schemas import CaseHit, HandleHit, PersonHit, SearchKind, SearchOut

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_WORD_CHARS = 40
MAX_LIMIT = 50
MIN_PREFIX = 2  # a one-letter prefix would match most of the index
MAX_CASE_NUMBER = 2**31 - 1  # ids are 32-bit integers; a larger "number" is no case

_WORD = re.compile(r"[^\W_]+")
# "#123", "caso 123", "caso #123", "case 123", "PQR 123", "caso nº 123".
_CASE_NUMBER = re.compile(r"^\s*(?:#|(?:caso|case|pqr)\s*(?:n[°º.o]\s*)?#?)\s*(\d{1,18})\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"^\s*(\d{1,18})\s*$")

# Spanish function words dropped from SQLite text queries (PostgreSQL's `spanish` configuration
# drops its own list): on FTS5 every word must match, and most texts lack one "de" or another.
STOP_WORDS = frozenset({
    "a", "al", "con", "de", "del", "el", "en", "es", "la", "las", "le", "lo", "los", "me", "mi", "no", "o",
    "para", "por", "que", "se", "su", "sus", "te", "tu", "un", "una", "uno", "y", "ya"})


@dataclass(frozen=True)
class Query:
    """What a search box received, cut into what the index understands."""

    text: str
    words: tuple[str, ...]  # lower case, accents kept (the index folds them)
    number: int | None = None  # a case number
    number_only: bool = False  # "#123", "caso 123": only the case with that number
    handle_only: bool = False  # "@mari": handles, not display names


def parse(raw: str) -> Query:
    cleaned = unicodedata.normalize("NFKC", raw.replace("\x00", " "))[:MAX_QUERY_CHARS].strip()
    words = tuple(w[:MAX_WORD_CHARS] for w in _WORD.findall(cleaned.casefold()))[:MAX_WORDS]
    handle_only = cleaned.startswith("@")
    if match := _CASE_NUMBER.match(cleaned):
        return Query(cleaned, (), _case_number(match.group(1)), number_only=True)
    number = _case_number(match.group(1)) if (match := _DIGITS.match(cleaned)) else None
    return Query(cleaned, words, number, handle_only=handle_only)


def _case_number(digits: str) -> int | None:
    value = int(digits)
    return value if 0 < value <= MAX_CASE_NUMBER else None


def fold(word: str) -> str:
    """Without accents, as FTS5's `remove_diacritics` and PostgreSQL's `unaccent` store words."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


_stemmers = threading.local()


def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "spanish", None)  # stemmer objects keep state: one per thread
    if stemmer is None:
        stemmer = _stemmers.spanish = snowballstemmer.stemmer("spanish")
    return fold(stemmer.stemWord(word))


# --- query expressions (built from words of letters and digits only) -----------------------------

def _fts_names(words: Sequence[str]) -> str:
    """FTS5: every word is the beginning of a word of the name or handle ("mari" finds María)."""
    return " ".join(f'"{fold(w)}"*' if len(w) >= MIN_PREFIX else f'"{fold(w)}"' for w in words)


def _fts_text(words: Sequence[str]) -> str:
    """FTS5 has no Spanish stemmer: a word matches every word that starts with its Snowball stem
    ("cobros" -> cobr* finds "cobro", "cobraron"); the last one is also a prefix (typing)."""
    kept = [w for w in words if w not in STOP_WORDS] or list(words)
    terms = []
    for i, word in enumerate(kept):
        folded, stem = fold(word), _stem(word)
        if len(stem) >= 3 and folded.startswith(stem):
            terms.append(f'"{stem}"*')
        elif i == len(kept) - 1 and len(folded) >= MIN_PREFIX:
            terms.append(f'"{folded}"*')
        else:
            terms.append(f'"{folded}"')
    return " ".join(terms)


def _ts_names(words: Sequence[str]) -> str:
    return " & ".join(f"{w}:*" if len(w) >= MIN_PREFIX else w for w in words)


def _ts_text(words: Sequence[str]) -> str:
    """tsquery for `cauce_es`: the server stems and drops stop words; the last word is a prefix."""
    last = len(words) - 1
    return " & ".join(f"{w}:*" if i == last and len(w) >= MIN_PREFIX else w for i, w in enumerate(words))


# --- searches -------------------------------------------------------------------------------------

def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _brand_filter(scope: Scope, column: str) -> tuple[str, dict[str, Any]]:
    if scope.brand_ids is None:
        return "", {}
    return f" AND {column} IN :brands", {"brands": sorted(scope.brand_ids)}


def _run(session: Session, sql: str, params: dict[str, Any]) -> list[int]:
    statement = text(sql)
    if "brands" in params:
        statement = statement.bindparams(bindparam("brands", expanding=True))
    return [row[0] for row in session.execute(statement, params)]


def find_people(session: Session, *, query: Query, scope: Scope = ALL_BRANDS, limit: int = 10) -> list[PersonHit]:
    """People whose display name or one of whose handles starts with the query's words, who wrote
    to a brand in scope; an exact handle first, then the most recently seen."""
    if not query.words or (scope.brand_ids is not None and not scope.brand_ids):
        return []
    if _is_postgres(session):
        match = "to_tsquery('cauce_names', :q)"
        by_name = f"SELECT id FROM people WHERE search_tsv @@ {match}"
        by_handle = f"SELECT person_id FROM handles WHERE search_tsv @@ {match}"
        expression = _ts_names(query.words)
    else:
        by_name = "SELECT rowid FROM search_people_fts WHERE search_people_fts MATCH :q"
        by_handle = ("SELECT h.person_id FROM search_handles_fts f JOIN handles h ON h.id = f.rowid "
                     "WHERE search_handles_fts MATCH :q")
        expression = _fts_names(query.words)
    found = by_handle if query.handle_only else f"{by_name} UNION {by_handle}"
    brands, params = _brand_filter(scope, "m.brand_id")
    visible = "" if not brands else (
        f" AND EXISTS (SELECT 1 FROM mentions m WHERE m.person_id = p.id{brands})")
    sql = (f"SELECT p.id FROM people p WHERE p.id IN ({found}){visible} "
           "ORDER BY EXISTS (SELECT 1 FROM handles x WHERE x.person_id = p.id AND x.handle = :exact) DESC, "
           "p.last_seen_at DESC, p.id DESC LIMIT :limit")
    ids = _run(session, sql, {"q": expression, "exact": normalise_handle(query.text), "limit": limit, **params})
    return _people(session, ids)


def _people(session: Session, ids: list[int]) -> list[PersonHit]:
    if not ids:
        return []
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    handles: dict[int, list[HandleHit]] = {}
    for h in session.scalars(select(Handle).where(Handle.person_id.in_(ids)).order_by(Handle.followers.desc(),
                                                                                      Handle.id)):
        handles.setdefault(h.person_id, []).append(HandleHit(channel=h.channel, handle=h.handle,
                                                             display_name=h.display_name))
    return [PersonHit(id=p.id, name=p.display_name, handles=handles.get(p.id, []), confirmed_role=p.confirmed_role,
                      blocked=p.blocked, last_seen_at=p.last_seen_at, url=f"/people/{p.id}")
            for p in (people[i] for i in ids if i in people)]


def find_cases(session: Session, *, query: Query, scope: Scope = ALL_BRANDS, limit: int = 10) -> list[CaseHit]:
    """The case with the query's number, then cases whose title or any of whose mentions hold all
    the query's words (open first, then the most recently active)."""
    if scope.brand_ids is not None and not scope.brand_ids:
        return []
    hits: list[tuple[int, str]] = []
    if query.number is not None:
        case = session.get(Case, query.number)
        if case is not None and scope.allows(case.brand_id):
            hits.append((case.id, "number"))
    if query.words and not query.number_only and len(hits) < limit:
        taken = {case_id for case_id, _ in hits}
        for case_id in _cases_by_text(session, query.words, scope, limit + len(taken)):
            if case_id not in taken and len(hits) < limit:
                hits.append((case_id, "text"))
    return _cases(session, hits)


def _cases_by_text(session: Session, words: Sequence[str], scope: Scope, limit: int) -> list[int]:
    m_brands, params = _brand_filter(scope, "m.brand_id")
    c_brands, _ = _brand_filter(scope, "c.brand_id")
    if _is_postgres(session):
        expression = _ts_text(words)
        match = "to_tsquery('cauce_es', :q)"
        by_mention = f"SELECT m.case_id FROM mentions m WHERE m.search_tsv @@ {match} AND m.case_id IS NOT NULL"
        by_title = f"SELECT c.id FROM cases c WHERE c.search_tsv @@ {match}"
    else:
        expression = _fts_text(words)
        by_mention = ("SELECT m.case_id FROM search_mentions_fts f JOIN mentions m ON m.id = f.rowid "
                      "WHERE search_mentions_fts MATCH :q AND m.case_id IS NOT NULL")
        by_title = ("SELECT c.id FROM search_cases_fts f JOIN cases c ON c.id = f.rowid "
                    "WHERE search_cases_fts MATCH :q")
    sql = (f"SELECT c.id FROM cases c WHERE c.id IN ({by_mention}{m_brands} UNION {by_title}{c_brands}) "
           "ORDER BY c.is_open DESC, c.last_inbound_at DESC, c.id DESC LIMIT :limit")
    return _run(session, sql, {"q": expression, "limit": limit, **params})


def _cases(session: Session, hits: list[tuple[int, str]]) -> list[CaseHit]:
    if not hits:
        return []
    rows = {case.id: (case, name) for case, name in session.execute(
        select(Case, Person.display_name).join(Person, Person.id == Case.person_id)
        .where(Case.id.in_([case_id for case_id, _ in hits])))}
    out = []
    for case_id, how in hits:
        if case_id not in rows:
            continue
        case, name = rows[case_id]
        out.append(CaseHit(id=case.id, brand_id=case.brand_id, person_id=case.person_id, person_name=name,
                           title=case.title, status=case.status, is_open=case.is_open, priority=case.priority,
                           opened_at=case.opened_at, last_inbound_at=case.last_inbound_at,
                           matched="number" if how == "number" else "text", url=f"/cases/{case.id}"))
    return out


def search(session: Session, *, q: str, kind: SearchKind = SearchKind.all, scope: Scope = ALL_BRANDS,
           limit: int = 10) -> SearchOut:
    """People and/or cases for what someone typed; an empty or unusable query finds nothing."""
    query = parse(q)
    limit = max(1, min(limit, MAX_LIMIT))
    people = find_people(session, query=query, scope=scope, limit=limit) if kind != SearchKind.cases else []
    found = find_cases(session, query=query, scope=scope, limit=limit) if kind != SearchKind.people else []
    return SearchOut(query=query.text, kind=kind, people=people, cases=found)
