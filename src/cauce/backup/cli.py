"""`cauce backup DIR` and `cauce restore DIR` (PostgreSQL; see docs/backup.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cauce.clitools import fail


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_command(
        destination: Annotated[Path, typer.Argument(help="Carpeta nueva o vacía para la copia")],
        anchor_dir: Annotated[Path | None, typer.Option(help="Puntos de control de auditoría (por defecto "
                                                             "CAUCE_AUDIT_ANCHOR_DIR)")] = None,
    ) -> None:
        """Dump the database (pg_dump, one snapshot) with its audit checkpoints and a manifest of counts."""
        from cauce.backup import service
        from cauce.config import get_settings
        from cauce.errors import CauceError

        try:
            manifest = service.backup(get_settings().database_url, destination, anchor_directory=anchor_dir)
        except CauceError as exc:
            fail(exc.message)
        summary = {k: manifest[k] for k in ("created_at", "schema_revision", "audit_head", "checkpoints")}
        typer.echo(json.dumps(summary | {"rows": sum(manifest["counts"].values()), "path": str(destination)},
                              ensure_ascii=False))

    @app.command("restore")
    def restore_command(
        source: Annotated[Path, typer.Argument(help="Carpeta de una copia de `cauce backup`")],
        anchor_dir: Annotated[Path | None, typer.Option(help="Dónde dejar los puntos de control (por defecto "
                                                             "CAUCE_AUDIT_ANCHOR_DIR)")] = None,
    ) -> None:
        """Restore a backup into the empty database of CAUCE_DATABASE_URL and verify it; exit 1 if it differs."""
        from cauce.backup import service
        from cauce.config import get_settings
        from cauce.errors import CauceError

        try:
            report = service.restore(source, get_settings().database_url, anchor_directory=anchor_dir)
        except CauceError as exc:
            fail(exc.message)
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        for problem in report.problems:
            typer.echo(f"ERROR: {problem}", err=True)
        if not report.ok:
            raise typer.Exit(1)
