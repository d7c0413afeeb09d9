"""`cauce playbook …` and `cauce crisis …` commands (registered by cauce.cli when present)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

playbook_app = typer.Typer(help="Playbook: política por marca, normas de convivencia.", no_args_is_help=True)
crisis_app = typer.Typer(help="Vigilancia de crisis.", no_args_is_help=True)


def _db() -> Any:
    from cauce.clitools import open_database

    return open_database()


def _emit(value: Any, fmt: str) -> None:
    if fmt == "yaml":
        typer.echo(yaml.safe_dump(value, allow_unicode=True, sort_keys=False), nl=False)
    else:
        typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _guard(func: Any) -> Any:
    from cauce.errors import CauceError

    try:
        return func()
    except CauceError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


def _format(value: str) -> str:
    if value not in ("json", "yaml"):
        raise typer.BadParameter("use json o yaml")
    return value


@playbook_app.command("show")
def show(brand: Annotated[str, typer.Option("--brand", help="Marca (slug o nombre).")],
         fmt: Annotated[str, typer.Option("--format", callback=_format, help="json | yaml")] = "yaml") -> None:
    """Print the brand's effective playbook policy (defaults + the brand's overrides)."""
    from cauce.brands import service as brands
    from cauce.playbook.policy import effective_policy

    def run() -> None:
        with _db().read_session() as session:
            b = brands.resolve(session, brand)
            _emit({"brand": b.slug, **effective_policy(session, brand_id=b.id).model_dump()}, fmt)

    _guard(run)


@playbook_app.command("set")
def set_policy(brand: Annotated[str, typer.Option("--brand")],
               file: Annotated[Path, typer.Option("--file", help="YAML o JSON con los cambios.")]) -> None:
    """Merge overrides from a file into the brand's playbook policy (validated, audited)."""
    from cauce.audit.service import Actor
    from cauce.brands import service as brands
    from cauce.errors import InvalidInput
    from cauce.playbook.policy import update_overrides

    def run() -> None:
        try:
            changes = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidInput(f"No se pudo leer {file}: {exc}") from exc
        with _db().session() as session:
            b = brands.resolve(session, brand)
            update_overrides(session, brand_id=b.id, changes=changes, actor=Actor("cli", None, "cauce playbook set"))
        typer.echo(f"Política del playbook de {b.slug} actualizada.")

    _guard(run)


@playbook_app.command("guidelines")
def show_guidelines(brand: Annotated[str, typer.Option("--brand")],
                    html: Annotated[bool, typer.Option("--html", help="La página pública en HTML.")] = False) -> None:
    """Print the brand's current community guidelines."""
    from cauce.brands import service as brands
    from cauce.playbook import guidelines

    def run() -> None:
        with _db().read_session() as session:
            b = brands.resolve(session, brand)
            current = guidelines.current(session, brand_id=b.id)
            typer.echo(guidelines.html(current, brand_name=b.name) if html else
                       json.dumps(current.as_dict(), ensure_ascii=False, indent=2))

    _guard(run)


@crisis_app.command("sweep")
def sweep(now: Annotated[str | None, typer.Option(help="Instante ISO 8601 (por defecto, ahora).")] = None,
          no_notify: Annotated[bool, typer.Option("--no-notify", help="No enviar alertas.")] = False) -> None:
    """Look for complaint spikes and coordinated campaigns in every brand, once."""
    from cauce.playbook.crisis import crisis_sweep

    at = None
    if now:
        try:
            at = datetime.fromisoformat(now)
        except ValueError:
            raise typer.BadParameter("use una fecha ISO 8601, p. ej. 2026-03-02T14:00:00+00:00") from None
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
    with _db().session() as session:
        result = crisis_sweep(session, at, notify=not no_notify)
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))


@crisis_app.command("list")
def list_crises(live: Annotated[bool, typer.Option("--live", help="Solo activas o en vigilancia.")] = False) -> None:
    from cauce.playbook.crisis import crises_of, crisis_out

    with _db().read_session() as session:
        _emit([crisis_out(c) for c in crises_of(session, live_only=live)], "json")


@crisis_app.command("report")
def report(crisis_id: int) -> None:
    """The crisis report (timeline, linked cases, post-crisis watch)."""
    from cauce.playbook.crisis import crisis_report

    def run() -> None:
        with _db().read_session() as session:
            _emit(crisis_report(session, crisis_id=crisis_id), "json")

    _guard(run)


def register(app: typer.Typer) -> None:
    app.add_typer(playbook_app, name="playbook")
    app.add_typer(crisis_app, name="crisis")
