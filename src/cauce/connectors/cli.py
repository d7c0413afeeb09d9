"""`cauce channels …` (add, list, test, poll) and `cauce outbox run`. Keep these outputs stable."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from cauce.clitools import fail, log_to_stderr, open_database

channels_app = typer.Typer(
    help="Canales: cuentas y fuentes que escucha y por las que responde cada marca.", no_args_is_help=True
)
outbox_app = typer.Typer(
    help="Bandeja de salida: respuestas y acciones de moderación por enviar.", no_args_is_help=True
)

FormatOpt = Annotated[str, typer.Option("--format", help="table | json")]




def _guarded(func: Any) -> Any:
    from cauce.connectors.base import ConnectorError
    from cauce.errors import CauceError

    try:
        return func()
    except CauceError as exc:
        fail(exc.message)
    except ConnectorError as exc:
        fail(exc.reason)


def _emit(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _check_format(format: str) -> None:
    if format not in ("table", "json", "text"):
        fail("--format debe ser table o json.")


@channels_app.command("add")
def channels_add(
    kind: Annotated[str, typer.Argument(help="mastodon, bluesky, rss, telegram, x, meta, webhook, demo…")],
    brand: Annotated[str, typer.Option(help="Marca (slug o nombre)")],
    name: Annotated[str | None, typer.Option(help="Nombre del canal")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="URL del servidor o API")] = None,
    token: Annotated[str | None, typer.Option(help="Token de acceso (se guarda cifrado)")] = None,
    handle: Annotated[str | None, typer.Option(help="Cuenta o identificador (p. ej. marca.bsky.social)")] = None,
    secret: Annotated[str | None, typer.Option(help="Contraseña de aplicación o secreto (se guarda cifrado)")] = None,
    feed_url: Annotated[str | None, typer.Option("--feed-url", help="URL del feed RSS/Atom")] = None,
    term: Annotated[list[str] | None, typer.Option("--term", help="Término a buscar; repetible")] = None,
    setting: Annotated[list[str] | None, typer.Option("--setting", help="clave=valor extra; repetible")] = None,
    format: FormatOpt = "text",
) -> None:
    """Add a channel account and print its id."""
    from cauce.audit.service import SYSTEM
    from cauce.brands import channels
    from cauce.brands import service as brands
    from cauce.connectors import construction

    _check_format(format)
    db = open_database()
    extra: dict[str, Any] = {}
    for pair in setting or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--setting espera clave=valor (recibí {pair!r}).")
        extra[key.strip()] = value

    def body() -> dict[str, Any]:
        with db.session() as session:
            target = brands.resolve(session, brand)
            options = {
                "token": token,
                "handle": handle,
                "secret": secret,
                "feed_url": feed_url,
                "term": term or [],
                **extra,
            }
            credentials, settings = construction.split_options(kind.strip().lower(), options)
            channel = construction.add_channel(
                session,
                brand=target,
                kind=kind,
                name=name,
                base_url=base_url,
                credentials=credentials,
                settings=settings,
                actor=SYSTEM,
            )
            return channels.view(channel).as_dict()

    created = _guarded(body)
    if format == "json":
        _emit(created)
    else:
        typer.echo(
            f"Canal {created['id']} creado: {created['kind']} «{created['name']}» de la marca "
            f"{created['brand_id']}. Pruébelo con `cauce channels test {created['id']}`."
        )
        typer.echo(f"id: {created['id']}")


@channels_app.command("list")
def channels_list(
    brand: Annotated[str | None, typer.Option(help="Solo esta marca")] = None, format: FormatOpt = "table"
) -> None:
    """List channel accounts (credentials masked)."""
    from cauce.brands import channels
    from cauce.brands import service as brands

    _check_format(format)
    db = open_database()

    def body() -> list[dict[str, Any]]:
        with db.read_session() as session:
            brand_id = brands.resolve(session, brand).id if brand else None
            return [channels.view(c).as_dict() for c in channels.list_channels(session, brand_id=brand_id)]

    rows = _guarded(body)
    if format == "json":
        _emit(rows)
        return
    if not rows:
        typer.echo("No hay canales. Añada uno con `cauce channels add KIND --brand MARCA …`.")
    for r in rows:
        state = "activo" if r["enabled"] and r["healthy"] else "desactivado" if not r["enabled"] else "con error"
        typer.echo(
            f"{r['id']:>4}  {r['kind']:<10} {r['name'][:40]:<40} marca {r['brand_id']:<4} {state}"
            + (f"  ({r['last_error'][:80]})" if r["last_error"] else "")
        )


@channels_app.command("test")
def channels_test(channel_id: int) -> None:
    """Check a channel's credentials; prints the account name (exit 1 on failure)."""
    from cauce.audit.service import SYSTEM
    from cauce.brands import channels
    from cauce.connectors import construction
    from cauce.connectors.base import AuthExpired, ConnectorError

    db = open_database()

    def body() -> str:
        with db.read_session() as session:
            channel = channels.get_channel(session, channel_id)
            kind, config = channel.kind, construction.connector_config(session, channel)
        try:
            with construction.build_connector(kind, config) as connector:
                account: str = connector.test_connection()
        except AuthExpired as exc:
            with db.session() as session:
                channels.mark_unhealthy(
                    session,
                    channels.get_channel(session, channel_id),
                    error=f"Credenciales vencidas o revocadas: {exc.reason}",
                    actor=SYSTEM,
                )
            raise
        except ConnectorError:
            raise
        with db.session() as session:
            channels.mark_healthy(session, channels.get_channel(session, channel_id), actor=SYSTEM)
        return account

    account = _guarded(body)
    typer.echo(f"Conexión correcta: {account}")


@channels_app.command("poll")
def channels_poll(channel_id: int, format: FormatOpt = "text") -> None:
    """Run one fetch cycle in the foreground and print how many mentions it ingested."""
    from cauce.connectors.runtime.polling import poll_channel

    _check_format(format)
    db = open_database()
    result = _guarded(lambda: poll_channel(db, channel_id))
    if format == "json":
        _emit(result.as_dict())
    else:
        typer.echo(f"{result.ingested} menciones ingresadas, {result.duplicates} repetidas, {result.errors} con error.")
        for detail in result.error_details[:10]:
            typer.echo(f"  - {detail}", err=True)
    if result.error:
        fail(result.error)


@outbox_app.command("run")
def outbox_run(
    once: Annotated[bool, typer.Option(help="Una sola pasada y salir")] = False,
    every: Annotated[float, typer.Option(help="Segundos entre pasadas")] = 2.0,
    format: FormatOpt = "text",
) -> None:
    """Deliver queued replies and moderation actions (exactly once)."""
    from cauce.db import Outage, utcnow
    from cauce.replies import outbox

    _check_format(format)
    if not once:
        log_to_stderr()  # before waiting for the database, so the wait is logged
    db = open_database(wait=not once)
    paused: dict[Any, Any] = {}
    if once:
        run = outbox.deliver_due(db.session, now=utcnow(), paused=paused)
        if format == "json":
            _emit(run.as_dict())
        else:
            typer.echo(
                f"Bandeja de salida: {run.sent} enviadas, {run.recovered} recuperadas, {run.failed} "
                f"fallidas, {run.retried} por reintentar, {run.moderated} acciones de moderación."
            )
        return
    # Running for good: a database outage (or any failed pass) is waited out with backoff, never
    # the end of the process; delivery is exactly-once by the outbox's own claim/recover protocol.
    log_to_stderr()
    outage = Outage("outbox run")
    while True:
        outage.run(lambda: outbox.deliver_due(db.session, now=utcnow(), paused=paused))
        time.sleep(outage.wait_s(max(0.2, every)))


def register(app: typer.Typer) -> None:
    app.add_typer(channels_app, name="channels")
    app.add_typer(outbox_app, name="outbox")
