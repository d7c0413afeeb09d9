"""Search at 100,000 cases, on SQLite and PostgreSQL: p50/p95 per kind of query (target p95 < 200 ms),
and what keeping the index costs the writes (bulk mention inserts without and with it).

Builds brands, people with Spanish names and handles, 100,000 cases and their mentions with plain
bulk rows (`db.bulk_insert`: COPY on PostgreSQL), as the batched ingest writes them, so the index
is filled by the triggers / generated columns themselves. Then times `search.service.search` (read
session, hydration included) for names, @handles, case text and case numbers, each as an agent of
one brand of five and as an admin. Writes benchmarks/search/REPORT.md.

Run: PYTHONPATH=. .venv/bin/python -m benchmarks.search.run [--cases 100000] [--runs 2] [--no-postgres|--no-sqlite]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from cauce.audit.service import SYSTEM
from cauce.brands import service as brands
from cauce.cases.models import Case
from cauce.cases.service import Scope
from cauce.db import Database, bulk_insert, table_of, upgrade
from cauce.mentions.models import Mention
from cauce.people.models import Handle, Person
from cauce.search import service as search
from cauce.search.schemas import SearchKind

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REPORT = Path(__file__).with_name("REPORT.md")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BRANDS = 5
CHUNK = 10_000

FIRST = ("María", "José", "Luis", "Ana", "Carlos", "Lucía", "Juan", "Valentina", "Andrés", "Camila", "Jorge",
         "Daniela", "Miguel", "Sofía", "Pedro", "Paula", "Santiago", "Isabel", "Diego", "Gabriela", "Julián",
         "Natalia", "Fernando", "Mariana", "Ricardo", "Laura", "Héctor", "Verónica", "Óscar", "Ángela", "Raúl",
         "Marisol", "Iván", "Beatriz", "Rubén", "Mónica", "Sebastián", "Catalina", "Tomás", "Ximena")
LAST = ("Pérez", "Gómez", "Rodríguez", "Martínez", "López", "García", "Hernández", "Díaz", "Ramírez", "Torres",
        "Núñez", "Vargas", "Castro", "Ortiz", "Rojas", "Moreno", "Jiménez", "Ruiz", "Álvarez", "Romero", "Suárez",
        "Muñoz", "Quintero", "Beltrán", "Méndez", "Cárdenas", "Salazar", "Peña", "Ríos", "Guzmán", "Zapata",
        "Acosta", "Ibáñez", "Mejía", "Ospina", "Herrera", "Valencia", "Cifuentes", "Londoño", "Arango")
COMPLAINTS = (
    "me cobraron dos veces la factura de {mes}", "sin internet desde el {dia} y nadie responde",
    "el pedido {pedido} no ha llegado", "pésima atención en la tienda de {ciudad}",
    "no me devuelven el dinero del reembolso", "la aplicación no abre desde la actualización",
    "cobros indebidos en mi tarjeta", "la señal se cae cada hora en {ciudad}",
    "me llegó el producto roto y sin garantía", "llevo {n} días esperando al técnico",
    "cancelaron mi pedido {pedido} sin aviso", "el asesor me colgó la llamada",
    "subieron la tarifa sin avisar", "quiero cancelar el contrato y no me dejan",
    "la entrega llegó incompleta", "me bloquearon la cuenta sin explicación",
)
CITIES = ("Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga", "Pereira", "Manizales",
          "Ciudad de México", "Guadalajara", "Monterrey", "Madrid", "Sevilla", "Lima", "Santiago", "Quito")
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre")
DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
FOLLOW_UPS = ("sigo esperando respuesta", "ya van {n} días y nada", "¿alguien me puede ayudar?",
              "qué vergüenza de servicio", "ya les escribí por interno", "pésimo, me voy a la competencia")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _complaint(rng: random.Random) -> str:
    return rng.choice(COMPLAINTS).format(mes=rng.choice(MONTHS), dia=rng.choice(DAYS), ciudad=rng.choice(CITIES),
                                         pedido=rng.randint(10_000, 99_999), n=rng.randint(2, 30))


def build(db: Database, cases_n: int, *, seed: int = 7) -> dict[str, Any]:
    """Brands, people (one third of the cases), handles, cases and ~1.6 mentions per case."""
    rng = random.Random(seed)
    with db.session() as s:
        made = [brands.create_brand(s, name=f"Marca {i}", organisation="Agencia", actor=SYSTEM) for i in range(BRANDS)]
        brand_ids = [b.id for b in made]
        org = made[0].organisation_id
    people_n = cases_n // 3
    names: list[str] = []
    handles: list[str] = []
    with db.session() as s:
        for start in range(0, people_n, CHUNK):
            ids = list(range(start + 1, min(people_n, start + CHUNK) + 1))
            rows, hrows = [], []
            for pid in ids:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                first, last = _plain(name).split(" ", 1)
                handle = rng.choice((f"{first}{last}{pid}", f"{first}_{last[:3]}{pid}", f"{last}.{first[0]}{pid}"))
                names.append(name)
                handles.append(handle)
                rows.append({"id": pid, "organisation_id": org, "display_name": name, "labels": [], "strikes": 0,
                             "blocked": False, "first_seen_at": NOW, "last_seen_at": NOW - timedelta(minutes=pid)})
                hrows.append({"id": pid, "organisation_id": org, "person_id": pid, "channel": "twitter",
                              "handle": handle, "display_name": name, "followers": rng.randint(0, 20_000),
                              "created_at": NOW})
            bulk_insert(s, table_of(Person), rows)
            bulk_insert(s, table_of(Handle), hrows)
    owner: list[int] = []
    mention_id = 0
    mentions_n = 0
    with db.session() as s:
        for start in range(0, cases_n, CHUNK):
            crows, mrows = [], []
            for cid in range(start + 1, min(cases_n, start + CHUNK) + 1):
                brand = brand_ids[cid % BRANDS]
                person = rng.randint(1, people_n)
                owner.append(person)
                opened = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
                text = _complaint(rng)
                closed = rng.random() < 0.6
                crows.append({
                    "id": cid, "brand_id": brand, "person_id": person, "channel": "twitter",
                    "conversation_key": f"twitter:{cid}", "title": text[:120], "pqr_type": "queja",
                    "status": "cerrado" if closed else "nuevo", "is_open": not closed,
                    "priority": rng.randint(0, 100), "priority_reasons": [], "role_confidence": 0.7, "flags": [],
                    "resolution_checklist": {}, "customer_confirmed": False, "unanswered_count": 1,
                    "mention_count": 1, "opened_at": opened, "last_inbound_at": opened, "breaches": [],
                    "escalated": False, "supervisor_flagged": False, "updated_at": NOW})
                thread = [(person, text)]
                for _ in range(rng.choice((0, 0, 1, 1, 2))):
                    author = person if rng.random() < 0.8 else rng.randint(1, people_n)  # some third parties
                    thread.append((author, rng.choice(FOLLOW_UPS).format(n=rng.randint(2, 30))))
                for k, (author, body) in enumerate(thread):
                    mention_id += 1
                    mrows.append({
                        "id": mention_id, "brand_id": brand, "channel": "twitter", "external_id": str(mention_id),
                        "text": f"@marca{cid % BRANDS} {body}", "author_handle": handles[author - 1],
                        "author_name": names[author - 1], "author_followers": 10, "person_id": author,
                        "created_at": opened + timedelta(minutes=k), "ingested_at": NOW,
                        "conversation_id": str(cid), "private": False, "source": "bench", "assessment": {},
                        "is_complaint": True, "priority": 50, "abusive": False, "threat": False,
                        "legal_risk": False, "case_id": cid, "answered": False, "hidden": False, "raw": {}})
            bulk_insert(s, table_of(Case), crows)
            bulk_insert(s, table_of(Mention), mrows)
            mentions_n += len(mrows)
    return {"brand_ids": brand_ids, "names": names, "handles": handles, "people": people_n, "cases": cases_n,
            "mentions": mentions_n}


def queries(world: dict[str, Any], rng: random.Random, n: int) -> dict[str, list[str]]:
    names, handles, cases_n = world["names"], world["handles"], world["cases"]
    name_q = []
    for _ in range(n):
        name = rng.choice(names)
        first, last = name.split(" ", 1)
        name_q.append(rng.choice((first[:4].lower(), name, f"{first} {last[:3]}", _plain(last)[:5], first)))
    handle_q = []
    for _ in range(n):
        handle = rng.choice(handles)
        handle_q.append(rng.choice((f"@{handle}", f"@{handle[:6]}", handle, f"@{handle[:3]}")))
    text_q = [rng.choice(("cobros", "facturas", "reembolso", "internet", "la señal", "pedido llegó", "técnico",
                          "pésima atención", "cuenta bloqueada", "tarifa", "contrato cancelar", "garantia roto",
                          f"pedido {rng.randint(10_000, 99_999)}", rng.choice(CITIES), "aplicacion actualizacion",
                          "sigo esperando", "competencia"))
              for _ in range(n)]
    number_q = [rng.choice(("{}", "#{}", "caso {}")).format(rng.randint(1, cases_n)) for _ in range(n)]
    return {"name": name_q, "@handle": handle_q, "case text": text_q, "case number": number_q}


KIND = {"name": SearchKind.people, "@handle": SearchKind.people, "case text": SearchKind.cases,
        "case number": SearchKind.cases}


def time_queries(db: Database, qs: dict[str, list[str]], scope: Scope, runs: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with db.read_session() as s:
        search.search(s, q="warm up", scope=scope)
    for label, items in qs.items():
        times, hits = [], 0
        for _ in range(runs):
            for q in items:
                began = time.perf_counter()
                with db.read_session() as s:
                    found = search.search(s, q=q, kind=KIND[label], scope=scope, limit=10)
                times.append((time.perf_counter() - began) * 1000)
                hits += bool(found.people or found.cases)
        times.sort()
        out[label] = {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "max": times[-1],
                      "n": len(times), "found": hits / len(times)}
    return out


def write_cost(backend: str, n: int) -> dict[str, float]:
    """Bulk insert of `n` mention rows at revision 0002 (no index) and at head (index kept)."""
    out: dict[str, float] = {}
    for revision in ("0002", "head", "0002", "head"):  # interleaved: the machine's speed drifts
        with database(backend, revision) as db:
            with db.session() as s:
                brand = brands.create_brand(s, name="Costo", actor=SYSTEM)
                s.add(Person(id=1, organisation_id=brand.organisation_id, display_name="Ana", labels=[]))
            rows = [{"brand_id": brand.id, "channel": "twitter", "external_id": str(i),
                     "text": f"@marca {_complaint(random.Random(i))}", "author_handle": "ana", "author_name": "Ana",
                     "author_followers": 1, "person_id": 1, "created_at": NOW, "ingested_at": NOW,
                     "conversation_id": str(i), "private": False, "source": "bench", "assessment": {},
                     "is_complaint": True, "priority": 1, "abusive": False, "threat": False, "legal_risk": False,
                     "answered": False, "hidden": False, "raw": {}} for i in range(n)]
            began = time.perf_counter()
            for start in range(0, n, 500):  # as `cauce ingest` writes: batches of 500
                with db.session() as s:
                    bulk_insert(s, table_of(Mention), rows[start:start + 500])
            elapsed = time.perf_counter() - began
            out[revision] = min(out.get(revision, elapsed), elapsed)
    return out


@contextmanager
def database(backend: str, revision: str = "head") -> Iterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url, revision)
            db = Database(url)
            try:
                yield db
            finally:
                db.dispose()
        return
    import psycopg

    name = f"cauce_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade(url, revision)
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40, help="distinct queries per kind")
    parser.add_argument("--runs", type=int, default=2, help="times each query runs")
    parser.add_argument("--write-rows", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    backends = [b for b, skip in (("sqlite", args.no_sqlite), ("postgresql", args.no_postgres)) if not skip]
    results: dict[str, Any] = {}
    for backend in backends:
        with database(backend) as db:
            began = time.perf_counter()
            world = build(db, args.cases)
            load_s = time.perf_counter() - began
            if backend == "postgresql":  # what autovacuum does shortly after a load this size
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("ANALYZE")
            with db.read_session() as s:
                stored = s.scalar(select(func.count()).select_from(Mention))
            qs = queries(world, random.Random(11), args.queries)
            agent = time_queries(db, qs, Scope(frozenset({world["brand_ids"][0]})), args.runs)
            admin = time_queries(db, qs, Scope(), args.runs)
        cost = write_cost(backend, args.write_rows)
        results[backend] = {"world": {k: world[k] for k in ("people", "cases", "mentions")}, "stored": stored,
                            "load_s": load_s, "agent": agent, "admin": admin, "cost": cost}
        print(f"{backend}: built {world['cases']:,} cases, {world['people']:,} people, {stored:,} mentions "
              f"in {load_s:.0f}s", flush=True)
        for scope_name in ("agent", "admin"):
            for label, r in results[backend][scope_name].items():
                print(f"  {scope_name:5} {label:12} p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  "
                      f"max {r['max']:6.1f} ms  found {r['found']:.0%}", flush=True)
        print(f"  bulk insert of {args.write_rows:,} mentions: without index {cost['0002']:.2f}s, "
              f"with index {cost['head']:.2f}s", flush=True)
    write_report(results, args)


def write_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    lines = [
        "# Search benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on the shared 2-core machine (other work running), with",
        f"`PYTHONPATH=. .venv/bin/python -m benchmarks.search.run --cases {args.cases} --queries {args.queries} "
        f"--runs {args.runs} --write-rows {args.write_rows}`.",
        "Data: 5 brands of one organisation, people with Spanish names and handles, cases and their mentions",
        "(some by third parties), written as bulk rows (COPY on PostgreSQL) so the index is filled by the",
        "database's own triggers / generated columns. Each time is one `search.service.search` call in a",
        "fresh read session, hydration of the results included, limit 10. `agent`: scoped to one brand of",
        "five; `admin`: every brand. `found`: share of queries with at least one result.",
        "",
        "Target: p95 < 200 ms at 100,000 cases.",
        "",
    ]
    for backend, r in results.items():
        w = r["world"]
        lines += [f"## {backend} — {w['cases']:,} cases, {w['people']:,} people, {r['stored']:,} mentions "
                  f"(built in {r['load_s']:.0f} s)", "",
                  "| scope | query kind | p50 ms | p95 ms | max ms | runs | found |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for scope_name in ("agent", "admin"):
            for label, q in r[scope_name].items():
                lines.append(f"| {scope_name} | {label} | {q['p50']:.1f} | {q['p95']:.1f} | {q['max']:.1f} | "
                             f"{q['n']} | {q['found']:.0%} |")
        c = r["cost"]
        lines += ["", f"Index upkeep on writes: bulk insert of {args.write_rows:,} mention rows in batches of 500 "
                      f"(best of two, interleaved): without the index (revision 0002) {c['0002']:.2f} s, with it "
                      f"{c['head']:.2f} s ({(c['head'] / c['0002'] - 1) * 100:+.0f} %).", ""]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
