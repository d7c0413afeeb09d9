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
        elif i == len(kept) - 1 and len(folded) >= MIN_PREFIX and not folded.isdigit():
            terms.append(f'"{folded}"*')
        else:
            terms.append(f'"{folded}"')
    return " ".join(terms)


def _ts_names(words: Sequence[str]) -> str:
    return " & ".join(f"{w}:*" if len(w) >= MIN_PREFIX else w for w in words)


def _ts_text(words: Sequence[str]) -> str:
    """tsquery for `cauce_es`: the server stems and drops stop words; the last word is a prefix,
    unless it is a number (typed whole; as a prefix it would match thousands of order numbers)."""
    last = len(words) - 1
    return " & ".join(f"{w}:*" if i == last and len(w) >= MIN_PREFIX and not w.isdigit() else w
                      for i, w in enumerate(words))


# --- searches -------------------------------------------------------------------------------------
# SQLite: `CROSS JOIN` keeps the FTS5 match as the outer loop; with a plain JOIN the planner may walk
# a brand's rows by the brand index and probe the match for each (seconds instead of milliseconds).

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
    to a brand in scope; the owner of exactly that handle first, then the most recently seen."""
    if not query.words or (scope.brand_ids is not None and not scope.brand_ids):
        return []
    if _is_postgres(session):
        match = "to_tsquery('cauce_names', :q)"
        by_name = f"SELECT id FROM people WHERE search_tsv @@ {match}"
        by_handle = f"SELECT person_id FROM handles WHERE search_tsv @@ {match}"
        exact = "SELECT person_id FROM handles WHERE search_tsv @@ to_tsquery('cauce_names', :eq) AND handle = :exact"
        expression, whole_words = _ts_names(query.words), " & ".join(query.words)
    else:
        by_name = "SELECT rowid FROM search_people_fts WHERE search_people_fts MATCH :q"
        by_handle = ("SELECT h.person_id FROM search_handles_fts f CROSS JOIN handles h ON h.id = f.rowid "
                     "WHERE search_handles_fts MATCH :q")
        exact = ("SELECT h.person_id FROM search_handles_fts f CROSS JOIN handles h ON h.id = f.rowid "
                 "WHERE search_handles_fts MATCH :eq AND h.handle = :exact")
        expression, whole_words = _fts_names(query.words), " ".join(f'"{fold(w)}"' for w in query.words)
    found = by_handle if query.handle_only else f"{by_name} UNION {by_handle}"
    first = f"p.id IN ({exact}) DESC, " if len(query.words) == 1 or query.handle_only else ""  # a handle
    sql = (f"SELECT p.id FROM people p WHERE p.id IN ({found}) "
           f"ORDER BY {first}p.last_seen_at DESC, p.id DESC LIMIT :n")
    params = {"q": expression, "eq": whole_words, "exact": normalise_handle(query.text)}
    if scope.brand_ids is None:
        return _people(session, _run(session, sql, {**params, "n": limit}))
    # Whether someone wrote to a brand in scope is checked on the best candidates only, a page at a
    # time, rather than for each of the thousands of people a short prefix matches.
    candidates = _run(session, sql, {**params, "n": MAX_PEOPLE_CANDIDATES})
    ids: list[int] = []
    page = max(limit * 5, 50)
    for start in range(0, len(candidates), page):
        chunk = candidates[start:start + page]
        visible = _writers_in_scope(session, chunk, scope.brand_ids)
        ids.extend(i for i in chunk if i in visible)
        if len(ids) >= limit:
            break
    return _people(session, ids[:limit])


MAX_PEOPLE_CANDIDATES = 5_000  # a prefix this common needs more letters anyway


def _writers_in_scope(session: Session, person_ids: list[int], brand_ids: frozenset[int]) -> set[int]:
    """Those of `person_ids` with a case (found from an index alone) or a mention in these brands."""
    params = {"ids": person_ids, "brands": sorted(brand_ids)}
    # `+brand_id`: look the people up by person (SQLite would otherwise walk a brand's rows).
    statement = text("SELECT person_id FROM cases WHERE person_id IN :ids AND +brand_id IN :brands "
                     "UNION SELECT person_id FROM mentions WHERE person_id IN :ids AND +brand_id IN :brands"
                     ).bindparams(bindparam("ids", expanding=True), bindparam("brands", expanding=True))
    return {row[0] for row in session.execute(statement, params)}


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
    """The case with the query's number, then cases whose title or a recent mention of which holds
    all the query's words, the most recently active first."""
    if scope.brand_ids is not None and not scope.brand_ids:
        return []
    hits: list[tuple[int, str]] = []
    if query.number is not None:
        case = session.get(Case, query.number)
        if case is not None and scope.allows(case.brand_id):
            hits.append((case.id, "number"))
    found = _cases(session, hits)
    if query.words and not query.number_only and len(hits) < limit:
        taken = {case_id for case_id, _ in hits}
        ids = [i for i in _cases_by_text(session, query.words, scope, limit) if i not in taken]
        by_text = _cases(session, [(i, "text") for i in ids])
        by_text.sort(key=lambda c: (c.last_inbound_at, c.id), reverse=True)
        found += by_text[:limit - len(found)]
    return found


MAX_SCANNED_MENTIONS = 10_000


def _cases_by_text(session: Session, words: Sequence[str], scope: Scope, limit: int) -> list[int]:
    """Up to `limit` cases with the newest matching mentions, and up to `limit` newest cases with a
    matching title. Newest first by id lets the database stop after a few rows for a common word
    (PostgreSQL walks the primary key backwards, FTS5 its doclist) instead of collecting and
    sorting every match; a rare word is looked up in the index."""
    m_brands, params = _brand_filter(scope, "m.brand_id")
    c_brands, _ = _brand_filter(scope, "c.brand_id")
    if _is_postgres(session):
        expression = _ts_text(words)
        match = "to_tsquery('cauce_es', :q)"
        by_mention = f"SELECT m.case_id FROM mentions m WHERE m.search_tsv @@ {match} AND m.case_id IS NOT NULL"
        by_title = f"SELECT c.id FROM cases c WHERE c.search_tsv @@ {match}"
        mention_order, title_order = "m.id", "c.id"
    else:
        expression = _fts_text(words)
        by_mention = ("SELECT m.case_id FROM search_mentions_fts f CROSS JOIN mentions m ON m.id = f.rowid "
                      "WHERE search_mentions_fts MATCH :q AND m.case_id IS NOT NULL")
        by_title = ("SELECT c.id FROM search_cases_fts f CROSS JOIN cases c ON c.id = f.rowid "
                    "WHERE search_cases_fts MATCH :q")
        mention_order, title_order = "f.rowid", "f.rowid"
    mention_sql = f"{by_mention}{m_brands} ORDER BY {mention_order} DESC LIMIT :n"
    rows: list[int] = []
    n = limit * 4
    while True:  # a long thread can hold many matching mentions of one case: read further if so
        rows = _run(session, mention_sql, {"q": expression, "n": n, **params})
        if len(set(rows)) >= limit or len(rows) < n or n >= MAX_SCANNED_MENTIONS:
            break
        n = min(n * 8, MAX_SCANNED_MENTIONS)
    titles = _run(session, f"{by_title}{c_brands} ORDER BY {title_order} DESC LIMIT :n",
                  {"q": expression, "n": limit, **params})
    return list(dict.fromkeys([*list(dict.fromkeys(rows))[:limit], *titles]))


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
