"""Helpers every `cauce` command shares: opening the configured database and failing clearly."""

from __future__ import annotations

from typing import Any, NoReturn

import typer


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: …` on stderr and leave with `code` (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def open_database() -> Any:
    """The database of CAUCE_DATABASE_URL, refusing, with the fix in the message, one not migrated."""
    from cauce.config import get_settings
    from cauce.db import Database, DatabaseNotMigrated, ensure_migrated

    db = Database(get_settings().database_url)
    try:
        ensure_migrated(db)
    except DatabaseNotMigrated as exc:
        db.dispose()
        fail(exc.message)
    return db
