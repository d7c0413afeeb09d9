"""Engine, sessions and migrations. SQLite file by default, PostgreSQL in production."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from sqlalchemy import JSON, DateTime, Engine, Integer, MetaData, create_engine, event, insert, inspect, text
from sqlalchemy import Table as _Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from cauce.errors import CauceError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")
_log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Any]) -> _Table:
    """The table a mapped class is stored in."""
    table = model.__table__
    assert isinstance(table, _Table)
    return table


def reserve_ids(session: Session, table: _Table, count: int) -> list[int]:
    """`count` unused ids for new rows of `table` (single integer `id` key), in increasing order.

    PostgreSQL: from the table's sequence, in one round trip. SQLite: the ids after the largest
    stored one — safe because a writing transaction holds the database's write lock from BEGIN
    IMMEDIATE on; the caller inserts the rows before it reserves again.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = session.connection().execute(  # one array, not `count` rows, to read back
            text("SELECT array_agg(nextval(pg_get_serial_sequence(:t, 'id'))) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count}).scalar_one()
        return sorted(ids)
    top = session.connection().execute(text(f'SELECT coalesce(max(id), 0) FROM "{table.name}"')).scalar_one()
    return list(range(top + 1, top + 1 + count))


def bulk_insert(session: Session, table: _Table, rows: list[dict[str, Any]]) -> None:
    """Insert many new rows (dicts with the same keys) in the session's transaction.

    PostgreSQL: one `COPY … FROM STDIN`, several times faster than an executemany of INSERTs for
    the thousands of rows a batched ingest writes. Constraints and triggers apply as for INSERT, so
    a duplicate key still fails the caller's transaction. SQLite: an executemany.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    import psycopg
    from psycopg.types.json import Json

    names = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in names]
    driver = session.connection().connection.driver_connection
    assert driver is not None
    columns = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([Json(row[n]) if json else row[n] for n, json in zip(names, as_json, strict=True)])
    except psycopg.Error as exc:
        # Raised as SQLAlchemy raises it for an INSERT (IntegrityError for a duplicate key…), so
        # callers handle both backends alike.
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


@event.listens_for(Session, "before_flush")
def _reserve_ids(session: Session, _context: Any, _instances: Any) -> None:
    """On PostgreSQL, give the new rows of a flush their ids from the table's sequence up front.

    One `nextval` round trip per table instead of a multi-row `INSERT … RETURNING id`: with every
    key known, SQLAlchemy sends a plain executemany, which psycopg pipelines with one prepared
    statement, instead of a long statement psycopg must re-parse for every batch (a third of
    PostgreSQL's batched-ingest time). Ids follow the order the rows were added, as before.
    """
    if len(session.new) < 2 or session.get_bind().dialect.name != "postgresql":
        return
    waiting: dict[_Table, list[Any]] = {}
    for obj in session.new:
        state = inspect(obj)
        table = state.mapper.local_table
        if isinstance(table, _Table) and _has_serial_id(table) and getattr(obj, "id", 0) is None:
            waiting.setdefault(table, []).append(state)
    for table, states in waiting.items():
        if len(states) < 2:
            continue
        states.sort(key=lambda s: s.insert_order)
        for state, new_id in zip(states, reserve_ids(session, table, len(states)), strict=True):
            state.obj().id = new_id


_SERIAL: dict[str, bool] = {}


def _has_serial_id(table: _Table) -> bool:
    """A single integer `id` primary key filled by a sequence."""
    known = _SERIAL.get(table.name)
    if known is None:
        key = list(table.primary_key.columns)
        known = _SERIAL[table.name] = (
            len(key) == 1 and key[0].name == "id" and key[0].autoincrement in (True, "auto")
            and isinstance(key[0].type, Integer))
    return known


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (down, restarting, network cut), as opposed
    to a bug in a statement: the caller should wait and retry, not report a failure."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc.orig).lower()
    # SQLite raises OperationalError for bad SQL too; only a file it cannot open or lock is "down".
    return not any(hint in message for hint in ("no such ", "syntax error", "has no column"))


def ping(db: Database) -> bool:
    """One `SELECT 1`: whether the database answers now."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        if not database_unreachable(exc):
            raise
        return False
    return True


class Outage:
    """How a long-running loop lives through a database outage: it waits with exponential backoff
    (full jitter, capped) instead of dying or spinning, says so in one log line when the outage
    starts and one when it ends, and keeps the traceback for errors that are not an outage."""

    def __init__(self, what: str, *, base_s: float = 1.0, cap_s: float = 5.0,
                 logger: logging.Logger | None = None) -> None:
        self.what = what
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self.started: float | None = None
        self.log = logger or _log

    def failed(self, exc: BaseException) -> None:
        if not database_unreachable(exc):
            self.log.error("%s failed", self.what, exc_info=exc)
            return
        self.failures += 1
        if self.started is None:
            self.started = time.monotonic()
            cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
            self.log.warning("%s: the database is unreachable (%s); retrying with backoff", self.what,
                             type(cause).__name__)

    def succeeded(self) -> None:
        if self.started is not None:
            self.log.warning("%s: the database is reachable again after %.1f s (%d failed attempts)", self.what,
                             time.monotonic() - self.started, self.failures)
        self.failures, self.started = 0, None

    @property
    def ongoing(self) -> bool:
        return self.started is not None

    def wait_s(self, normal_s: float) -> float:
        """Seconds until the next pass: `normal_s`, or longer while the database is unreachable."""
        if not self.failures:
            return normal_s
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures - 1, 30))
        return max(normal_s, ceiling * (0.5 + random.random() / 2))

    def run(self, func: Callable[[], T]) -> T | None:
        """`func()`, or None after logging why it failed (the loop goes on)."""
        try:
            result = func()
        except Exception as exc:  # a loop must outlive one bad pass
            self.failed(exc)
            return None
        self.succeeded()
        return result


class DatabaseNotMigrated(CauceError):
    code = "database_not_migrated"


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A failed statement's error (logged, shown in a traceback) must not quote its parameters:
    # they include password hashes, token hashes and encrypted credentials.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_begin).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers take the write lock up front (BEGIN IMMEDIATE) so that two writers queue on
            # busy_timeout instead of failing with "database is locked" when a read snapshot goes
            # stale; read-only sessions stay DEFERRED and never block behind a writer (WAL).
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        # Every feature's tables are registered on the first flush (`_register_all_tables`), not
        # here: a command that only reads one feature starts ~0.1 s faster.
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"),
                                              expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading only: on SQLite it never waits for writers."""
        session = self.read_sessionmaker()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite file's folder
    command.upgrade(_alembic_config(url), revision)


_REVISION = re.compile(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?::[^=]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the version files (cheaper than importing Alembic)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev:
            revisions[rev.group(1)] = down.group(1) if down else None
    parents = {down for down in revisions.values() if down}
    heads = sorted(set(revisions) - parents)
    return heads[-1] if heads else None


def current_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_migrated(db: Database) -> None:
    """Refuse to run on a database that is not at the latest migration."""
    current = current_revision(db.engine)
    head = head_revision()
    if current != head:
        tables = inspect(db.engine).get_table_names()
        state = "empty" if not tables else f"at revision {current or 'none'}"
        raise DatabaseNotMigrated(
            f"The database {make_url(db.url).render_as_string(hide_password=True)} is {state}, "
            f"but this version of Cauce needs revision {head}. Run `cauce db upgrade` first."
        )


_all_models_imported = False


def import_all_models() -> None:
    """Register every feature's tables on Base.metadata (for migrations, flushes and tests).

    Each feature keeps its tables in `cauce/<feature>/models.py`; all of them are imported.
    """
    global _all_models_imported
    if _all_models_imported:
        return
    import importlib
    import pkgutil

    import cauce

    for info in pkgutil.iter_modules(cauce.__path__):
        if info.ispkg and (Path(cauce.__path__[0]) / info.name / "models.py").exists():
            importlib.import_module(f"cauce.{info.name}.models")
    _all_models_imported = True


@event.listens_for(Session, "before_flush")
def _register_all_tables(_session: Session, _context: Any, _instances: Any) -> None:
    # A flush orders a table's rows by its foreign keys, which resolve only when the tables they
    # point to (often another feature's) are registered.
    import_all_models()
