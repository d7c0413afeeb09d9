"""Helpers every `cauce` command shares: opening the configured database and failing clearly."""

from __future__ import annotations

from typing import Any, NoReturn

import typer


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: …` on stderr and leave with `code` (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def open_database(*, wait: bool = False) -> Any:
    """The database of CAUCE_DATABASE_URL, refusing, with the fix in the message, one not migrated.

    `wait` (long-running commands): a database that cannot be reached yet, as when the whole stack
    starts at once or the database restarts, is waited for with backoff and one log line, instead
    of ending the process before it ever worked.
    """
    import time

    from cauce import logsafety
    from cauce.config import get_settings
    from cauce.db import Database, DatabaseNotMigrated, Outage, database_unreachable, ensure_migrated

    logsafety.install()
    db = Database(get_settings().database_url)
    outage = Outage("start-up")
    while True:
        try:
            ensure_migrated(db)
        except DatabaseNotMigrated as exc:
            db.dispose()
            fail(exc.message)
        except Exception as exc:
            if not (wait and database_unreachable(exc)):
                raise
            outage.failed(exc)
            time.sleep(outage.wait_s(0.0))
            continue
        outage.succeeded()
        return db


def log_to_stderr() -> None:
    """For long-running commands (worker, outbox run): INFO and up on stderr, one line each."""
    from cauce.observability import logs

    logs.configure()  # CAUCE_LOG_FORMAT=json|text, secrets redacted (cauce.logsafety)
