"""Leases in the database (`job_leases`): at most one holder runs a named job at a time.

`claim` is one atomic statement on SQLite and PostgreSQL:
INSERT … ON CONFLICT (name) DO UPDATE … WHERE the lease expired OR this holder already has it.
RETURNING says whether this holder has the lease now. A crashed holder never releases:
its lease expires after `ttl_s` and the next claimant takes over.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cauce.db import Database, table_of, utcnow
from cauce.runtime.models import JobLease


def new_holder() -> str:
    """This process' id in leases: host, pid and a random suffix (a restarted pid is a new holder)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim(db: Database, name: str, holder: str, ttl_s: float, now: datetime | None = None) -> bool:
    """Take the lease `name` (or renew it when `holder` has it) until now + `ttl_s`; True when taken."""
    now = now or utcnow()
    until = now + timedelta(seconds=ttl_s)
    table = table_of(JobLease)
    insert: Any = sqlite_insert if db.engine.dialect.name == "sqlite" else pg_insert
    stmt = insert(table).values(name=name, holder=holder, expires_at=until, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at,
              "updated_at": stmt.excluded.updated_at},
        where=or_(table.c.expires_at < now, table.c.holder == holder),
    ).returning(table.c.holder)
    with db.engine.begin() as conn:
        # A row comes back only when it was inserted or the WHERE let the update through
        # (the driver's rowcount is not reliable for ON CONFLICT on every backend).
        return conn.execute(stmt).first() is not None


def release(db: Database, name: str, holder: str) -> bool:
    """Give the lease back early (only its holder can); True when it was held by `holder`."""
    table = table_of(JobLease)
    with db.engine.begin() as conn:
        return bool(conn.execute(delete(table).where(table.c.name == name, table.c.holder == holder)).rowcount)


def holder_of(db: Database, name: str, now: datetime | None = None) -> str | None:
    """Who holds `name` now (None when nobody does or the lease expired)."""
    now = now or utcnow()
    table = table_of(JobLease)
    with db.engine.connect() as conn:
        row = conn.execute(select(table.c.holder, table.c.expires_at).where(table.c.name == name)).first()
    return row.holder if row is not None and row.expires_at >= now else None
