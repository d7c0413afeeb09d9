"""`cauce people …`: a person's data rights from the command line (registered by cauce.cli)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

people_app = typer.Typer(help="Personas: exportar o borrar sus datos (habeas data, RGPD), retención.",
                         no_args_is_help=True)


def _fail(message: str) -> None:
    from cauce.clitools import fail

    fail(message)


@people_app.command("export")
def export(person_id: int,
           output: Annotated[Path | None, typer.Option(help="Archivo JSON de salida (por defecto, la salida estándar)")]
           = None) -> None:
    """Everything held about a person, as JSON."""
    from cauce.audit.service import SYSTEM
    from cauce.clitools import open_database
    from cauce.errors import CauceError
    from cauce.people import privacy

    try:
        with open_database().session() as session:
            document = privacy.export_person(session, person_id=person_id, actor=SYSTEM)
    except CauceError as exc:
        _fail(exc.message)
        return
    text = json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Datos de la persona {person_id} exportados a {output}.")


@people_app.command("forget")
def forget(person_id: int,
           reason: Annotated[str, typer.Option(help="La solicitud que se atiende (radicado, fecha…)")],
           yes: Annotated[bool, typer.Option("--yes", help="No pedir confirmación")] = False) -> None:
    """Erase a person's personal data (names, handles, texts); the audit chain keeps verifying."""
    from cauce.audit.service import SYSTEM
    from cauce.clitools import open_database
    from cauce.errors import CauceError
    from cauce.people import privacy

    if not yes and not typer.confirm(f"¿Borrar los datos personales de la persona {person_id}? No se puede deshacer"):
        raise typer.Exit(1)
    try:
        with open_database().session() as session:
            result = privacy.forget_person(session, person_id=person_id, actor=SYSTEM, reason=reason)
    except CauceError as exc:
        _fail(exc.message)
        return
    typer.echo(json.dumps(result.model_dump(), ensure_ascii=False))


@people_app.command("retention-sweep")
def retention_sweep() -> None:
    """Anonymise closed cases older than their brand's retention period (the worker runs it too)."""
    from cauce.clitools import open_database
    from cauce.people import privacy

    with open_database().session() as session:
        result = privacy.retention_sweep(session)
    typer.echo(json.dumps(result.model_dump(), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")
