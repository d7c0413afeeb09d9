"""Polling ingest throughput (#16): one poll of a page of N mentions, before (one savepoint and one
single-document triage call per mention) and after (the batched `ingest_many` path), each inside the
transaction that saves the cursor. Real triage models; SQLite, and PostgreSQL when reachable.

Run: .venv/bin/python benchmarks/connectors/poll_batch.py [N=2000] [--sqlite-only | --postgres-only]
Prints mentions/s; bounded to 5,000 mentions.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from cryptography.fernet import Fernet  # noqa: E402

TEXTS = [
    "@conectel llevo tres días sin internet en Chapinero, ¿qué pasa?",
    "Me cobraron dos veces la factura de este mes, conectel, necesito el reembolso",
    "Gracias conectel, el técnico llegó puntual y resolvió todo",
    "¿Alguien sabe si conectel tiene cobertura en Pasto?",
    "conectel son unos ladrones, nadie contesta en la línea",
    "Hoy juega la selección, qué nervios",
    "Mi pedido no ha llegado y ya pasaron dos semanas @conectel",
    "Sugerencia para conectel: deberían tener chat en la app",
]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _items(n: int, start: int) -> list[Any]:
    from cauce.mentions.schemas import MentionIn

    return [MentionIn.model_validate({
        "id": f"p{start + i}", "created_at": f"2026-03-02T{(i // 60) % 24:02d}:{i % 60:02d}:00+00:00",
        "channel": "twitter", "brand": "conectel", "text": TEXTS[i % len(TEXTS)] + f" #{i}",
        "author": {"handle": f"@user{i % 700}", "name": f"Usuario {i % 700}", "followers": 10 + i},
        "in_reply_to": None, "metrics": {"likes": 0, "reposts": 0, "replies": 0}}) for i in range(n)]


def _one_by_one(session: Any, items: list[Any], *, channel_id: int, brand_slug: str, actor: Any, now: Any,
                into: Any) -> Any:
    """The path polling used before #16: `ingest_one_safely` per mention."""
    from cauce.mentions import service as mentions

    for item in items:
        outcome = mentions.ingest_one_safely(session, item, actor=actor, source=f"connector:{channel_id}", now=now)
        into.ingested += outcome.status == "created"
    return into


def run(url: str, n: int, *, batched: bool) -> float:
    from cauce.audit.service import SYSTEM
    from cauce.brands import service as brands
    from cauce.connectors import construction
    from cauce.connectors.base import Connector, ConnectorConfig, FetchResult
    from cauce.connectors.runtime import polling
    from cauce.db import Database, upgrade

    upgrade(url)
    db = Database(url)
    with db.session() as s:
        brand = brands.create_brand(s, name="Conectel", actor=SYSTEM)
        cid = construction.add_channel(s, brand=brand, kind="demo", name="Demo", settings={}, actor=SYSTEM).id
    page = _items(n, 0)

    class Page(Connector):
        kind = "bench"
        config_class = ConnectorConfig

        def fetch(self, cursor: Mapping[str, Any] | None = None) -> FetchResult:
            return FetchResult(mentions=page, cursor={"since": "end"})

        def test_connection(self) -> str:
            return "ok"

    from cauce.triage import service as triage

    triage.get_assessor()  # load the models outside the timing
    original = polling.ingest_items
    if not batched:
        polling.ingest_items = _one_by_one
    try:
        began = time.perf_counter()
        result = polling.poll_channel(db, cid, provider=lambda *_: Page())
        elapsed = time.perf_counter() - began
    finally:
        polling.ingest_items = original
    assert result.error is None and result.ingested == n, result.as_dict()
    db.dispose()
    return n / elapsed


def main() -> None:
    import os

    n = min(int(next((a for a in sys.argv[1:] if a.isdigit()), "2000")), 5000)
    os.environ.setdefault("CAUCE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAUCE_DATA_DIR"] = tmp
        targets = [] if "--postgres-only" in sys.argv else [("SQLite", lambda tag: f"sqlite:///{tmp}/{tag}.db")]
        if "--sqlite-only" not in sys.argv:
            targets.append(("PostgreSQL", _pg_database))
        lines = []
        for name, make in targets:
            before = run(make("before"), n, batched=False)
            after = run(make("after"), n, batched=True)
            lines.append(f"| {name} | {n:,} | {before:,.0f} | {after:,.0f} | x{after / before:.1f} |")
            print(lines[-1], flush=True)
    sys.path.insert(0, str(Path(__file__).parent))
    from report import write_section

    write_section(f"poll_batch {'+'.join(t for t, _ in targets)}", "\n".join([
        f"## Polling ingest, one page ({', '.join(t for t, _ in targets)})", "",
        "`benchmarks/connectors/poll_batch.py`: one poll of a page, ingested inside the cursor's transaction",
        "with the real triage models; before #16 one savepoint and one single-document triage per mention,",
        "after it the batched `ingest_many`. Shared 2-core machine, other sessions running.", "",
        "| database | mentions | before (mentions/s) | after (mentions/s) | speed-up |", "|---|---|---|---|---|",
        *lines]))


def _pg_database(tag: str) -> str:
    import psycopg

    name = f"cauce_bench_poll_{tag}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


if __name__ == "__main__":
    main()
