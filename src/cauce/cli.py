"""The `cauce` command line. Every command honours CAUCE_DATABASE_URL."""

from __future__ import annotations

import gc
import importlib
import json
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from cauce.clitools import fail, open_database
from cauce.config import get_settings

app = typer.Typer(help="Cauce: atención social y reputación en línea, en español primero.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Base de datos: migraciones.", no_args_is_help=True)
users_app = typer.Typer(help="Usuarios y roles.", no_args_is_help=True)
brands_app = typer.Typer(help="Marcas.", no_args_is_help=True)
cases_app = typer.Typer(help="Casos PQR.", no_args_is_help=True)
audit_app = typer.Typer(help="Bitácora de auditoría.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(brands_app, name="brands")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")
jobs_app = typer.Typer(help="Trabajos en segundo plano: colas, cartas muertas y turnos.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


def _run(func: Any) -> Any:
    """Run a command body, turning Cauce's typed errors into a clear message and exit code 1."""
    from cauce.errors import CauceError

    try:
        return func()
    except CauceError as exc:
        fail(exc.message)


def _emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the database to the latest schema."""
    from cauce.db import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    typer.echo(f"Base de datos al día ({revision}).")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the web app."""
    import uvicorn

    from cauce.observability import logs
    from cauce.runtime import multinode
    from cauce.web.app import create_app
    from cauce.web.security import UVICORN_OPTIONS

    logs.configure()  # CAUCE_LOG_FORMAT=json: one JSON object per line, with the request id
    url = multinode.broker_url()
    # With a broker this is a web node of a cluster: it runs no jobs and hands webhook batches to the workers.
    application = _run(lambda: create_app(run_scheduler=url is None))
    if url is not None:
        multinode.attach_web(application, application.state.db, url)
    uvicorn.run(application, host=host, port=port, log_level="info", log_config=logs.uvicorn_log_config(),
                **UVICORN_OPTIONS)


@app.command()
def demo(port: int = 8000, host: str = "127.0.0.1",
         rate: Annotated[float, typer.Option(help="Menciones simuladas por minuto")] = 12.0,
         data_dir: Annotated[Path | None, typer.Option(help="Carpeta de la base de demo")] = None) -> None:
    """Fresh demo database, brands, users and a live simulated Spanish mention stream."""
    from cauce.demo.runner import run_demo

    run_demo(host=host, port=port, rate_per_min=rate, data_dir=data_dir)


@app.command()
def worker(once: bool = False,
           threads: Annotated[int | None, typer.Option(help="Hilos del motor (CAUCE_WORKER_THREADS, 4)")] = None,
           ) -> None:
    """Background jobs of the roles in CAUCE_JOBS (outbox, polling, streams, metrics, sweeps, retraining).

    With CAUCE_BROKER_URL set: an engine worker of the cluster (queues of its CAUCE_JOBS roles)."""
    from cauce.clitools import log_to_stderr
    from cauce.runtime import multinode
    from cauce.worker import run_worker

    if not once:
        log_to_stderr()
    url = multinode.broker_url()
    if url is not None and not once:
        multinode.serve_worker(open_database(wait=True), url, multinode.roles_from_env(), threads=threads)
        return
    run_worker(open_database(wait=not once), get_settings(), once=once)


@jobs_app.command("status")
def jobs_status() -> None:
    """Queue depth (ready, delayed for a retry, dead letters) of each role's queue, and the leases."""
    from cauce.runtime import multinode

    url = multinode.broker_url()
    if url is None:
        typer.echo("CAUCE_BROKER_URL no está definido: los trabajos corren en el proceso (sin colas).", err=True)
        raise typer.Exit(1)
    _emit_json(_run(lambda: multinode.jobs_status(open_database(), url)))


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option()], name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="agent | supervisor | admin")] = "agent",
    password: Annotated[str | None, typer.Option(help="Si falta, se pide")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="Marca (slug o nombre); repetible")] = None,
) -> None:
    from cauce.audit.service import SYSTEM
    from cauce.auth import service as auth
    from cauce.brands import service as brands

    secret = password or typer.prompt("Contraseña", hide_input=True, confirmation_prompt=True)
    db = open_database()

    def body() -> None:
        with db.session() as session:
            ids = [brands.resolve(session, b).id for b in brand or []]
            user = auth.create_user(session, email=email, name=name, role=role, password=secret, brand_ids=ids,
                                    actor=SYSTEM)
            typer.echo(f"Usuario {user.email} creado (id {user.id}, rol {user.role}).")

    _run(body)


@users_app.command("list")
def users_list(format: Annotated[str, typer.Option("--format")] = "table") -> None:
    from cauce.auth import service as auth

    db = open_database()
    with db.session() as session:
        rows = [{"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
                 "brand_ids": sorted(auth.brand_ids_of(session, u) or [])} for u in auth.list_users(session)]
    if format == "json":
        _emit_json(rows)
    else:
        for r in rows:
            typer.echo(f"{r['id']:>4}  {r['email']:<32} {r['role']:<10} {r['name']}")


@users_app.command("token")
def users_token(
    email: str, name: str = "script",
    scope: Annotated[list[str] | None, typer.Option(help="read | write; repetible (por omisión, ambos)")] = None,
    days: Annotated[int | None, typer.Option(help="Vigencia en días (por omisión CAUCE_API_TOKEN_DAYS, 90); "
                                                  "0: no vence")] = None,
) -> None:
    """Create an API token for a user (shown once)."""
    from cauce.audit.service import SYSTEM
    from cauce.auth import service as auth

    db = open_database()
    valid_days = get_settings().api_token_days if days is None else (days or None)

    def body() -> None:
        with db.session() as session:
            user = _user_by_email(session, email)
            typer.echo(auth.create_api_token(session, user_id=user.id, name=name, actor=SYSTEM,
                                             scopes=scope or ("read", "write"), days=valid_days))

    _run(body)


def _user_by_email(session: Any, email: str) -> Any:
    from sqlalchemy import select

    from cauce.auth.models import User

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        fail(f"No existe el usuario {email}.")
    return user


@users_app.command("password")
def users_password(
    email: str,
    password: Annotated[str | None, typer.Option(help="Si falta, se pide")] = None,
) -> None:
    """Set a user's password (same policy as everywhere) and end their browser sessions."""
    from cauce.audit.service import SYSTEM
    from cauce.auth import service as auth

    db = open_database()
    with db.read_session() as session:
        _user_by_email(session, email)
    secret = password or typer.prompt("Contraseña nueva", hide_input=True, confirmation_prompt=True)

    def body() -> None:
        with db.session() as session:
            user = _user_by_email(session, email)
            auth.change_password(session, user_id=user.id, new_password=secret, actor=SYSTEM)
            typer.echo(f"Contraseña de {user.email} cambiada; sus sesiones abiertas se cerraron.")

    _run(body)


tokens_app = typer.Typer(help="Tokens de API: listar y revocar.", no_args_is_help=True)
users_app.add_typer(tokens_app, name="tokens")


@tokens_app.command("list")
def tokens_list(
    email: Annotated[str | None, typer.Argument(help="Solo los de este usuario")] = None,
    format: Annotated[str, typer.Option("--format")] = "table",
) -> None:
    """API tokens (never their secret): prefix, scopes, expiry, last use, status."""
    from cauce.auth import service as auth
    from cauce.auth.models import User

    db = open_database()
    with db.read_session() as session:
        owner = _user_by_email(session, email).id if email else None
        emails = {u.id: u.email for u in session.query(User)}
        rows: list[dict[str, Any]] = [{"id": t.id, "user": emails.get(t.user_id), "name": t.name, "prefix": t.prefix,
                 "scopes": list(t.scopes or []), "created_at": t.created_at, "expires_at": t.expires_at,
                 "last_used_at": t.last_used_at, "revoked_at": t.revoked_at, "status": auth.token_status(t)}
                for t in auth.list_api_tokens(session, user_id=owner)]
    if format == "json":
        _emit_json(rows)
        return

    def day(value: Any) -> str:
        return value.strftime("%Y-%m-%d") if value else "—"

    for r in rows:
        typer.echo(f"{r['id']:>4}  {r['prefix']}…  {r['user']:<28} {','.join(r['scopes']):<10} "
                   f"vence {day(r['expires_at'])}  último uso {day(r['last_used_at'])}  {r['status']}  {r['name']}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token at once (by the id `cauce users tokens list` shows)."""
    from cauce.audit.service import SYSTEM
    from cauce.auth import service as auth

    db = open_database()

    def body() -> None:
        with db.session() as session:
            row = auth.revoke_api_token(session, token_id=token_id, actor=SYSTEM)
            typer.echo(f"Token {row.id} ({row.prefix}…) revocado.")

    _run(body)


@brands_app.command("add")
def brands_add(
    name: str,
    country: Annotated[str, typer.Option(help="Código ISO del país (CO, MX, ES, AR, CL, PE…)")] = "CO",
    handle: Annotated[list[str] | None, typer.Option(help="Cuenta de la marca; repetible")] = None,
    term: Annotated[list[str] | None, typer.Option(help="Término de búsqueda; repetible")] = None,
    voice: Annotated[str, typer.Option(help="tu | usted")] = "tu",
    organisation: Annotated[str | None, typer.Option()] = None,
    timezone: Annotated[str | None, typer.Option()] = None,
    legal_pqrs: Annotated[bool, typer.Option(help="Términos de Ley 1755 de 2015 (Colombia)")] = False,
) -> None:
    from cauce.audit.service import SYSTEM
    from cauce.brands import service as brands

    db = open_database()

    def body() -> None:
        with db.session() as session:
            brand = brands.create_brand(session, name=name, actor=SYSTEM, organisation=organisation, country=country,
                                        timezone=timezone, voice=voice, handles=handle or [],
                                        search_terms=term or [name, *(handle or [])],
                                        policy={"legal_pqrs": legal_pqrs})
            typer.echo(f"Marca «{brand.name}» creada (id {brand.id}, slug {brand.slug}).")

    _run(body)


@brands_app.command("list")
def brands_list(format: Annotated[str, typer.Option("--format")] = "table") -> None:
    from cauce.brands import service as brands

    db = open_database()
    with db.session() as session:
        rows = [{"id": b.id, "name": b.name, "slug": b.slug, "country": b.country, "timezone": b.timezone,
                 "voice": b.voice, "handles": b.handles, "search_terms": b.search_terms}
                for b in brands.list_brands(session)]
    if format == "json":
        _emit_json(rows)
    else:
        for r in rows:
            typer.echo(f"{r['id']:>4}  {r['slug']:<28} {r['country']}  {r['name']}")


# Mentions per transaction of a file import: each batch pays a few fixed queries (≈ 40 ms on
# PostgreSQL), so 500 ingests ~12 % faster than 200; a killed import redoes at most one batch.
INGEST_BATCH = 500


@app.command()
def ingest(path: Annotated[str, typer.Argument(help="Archivo JSONL o CSV de menciones; - lee la entrada estándar")],
           batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Menciones por transacción")] = INGEST_BATCH,
           quiet: bool = False) -> None:
    """Ingest mentions from a file; bad lines are reported and the rest still ingests."""
    from cauce.audit.service import Actor
    from cauce.mentions import fileio
    from cauce.mentions.service import ingest_batch

    settings = get_settings()
    db = open_database()
    counts: Counter[str] = Counter()
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8-sig", errors="replace")  # noqa: SIM115
    actor = Actor("connector", "file", f"import:{Path(path).name if path != '-' else 'stdin'}")

    def good_items() -> Any:
        for entry in fileio.read_mentions(handle, name=path):
            if isinstance(entry, fileio.LineError):
                counts["error"] += 1
                if not quiet:
                    typer.echo(f"línea {entry.line}: {entry.error}", err=True)
                continue
            yield entry

    try:
        for result in ingest_batch(db.session, good_items(), batch_size=batch_size, actor=actor, source="file",
                                   thread_window=timedelta(hours=settings.thread_window_hours)):
            counts[result.status] += 1
            if result.status == "error" and not quiet:
                typer.echo(f"{result.external_id}: {result.error}", err=True)
    finally:
        if handle is not sys.stdin:
            handle.close()
    summary = {"created": counts["created"], "duplicate": counts["duplicate"], "errors": counts["error"]}
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if summary["created"] + summary["duplicate"] == 0 and summary["errors"]:
        raise typer.Exit(1)


@cases_app.command("list")
def cases_list(
    format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    brand: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option()] = None,
    limit: int = 50, include_closed: bool = False,
) -> None:
    """Cases in priority order."""
    from cauce.brands import service as brands
    from cauce.cases import service as cases
    from cauce.cases.schemas import CaseOut
    from cauce.db import utcnow

    db = open_database()

    def body() -> None:
        with db.session() as session:
            brand_id = brands.resolve(session, brand).id if brand else None
            now = utcnow()
            rows = cases.list_cases(session, filters=cases.CaseFilters(brand_id=brand_id, status=status,
                                                                       open_only=not include_closed),
                                    limit=limit, now=now)
            out = [CaseOut.of(c, now=now) for c in rows]
        if format == "json":
            _emit_json([o.model_dump(mode="json") for o in out])
            return
        typer.echo(f"{'#':>6} {'prio':>4}  {'estado':<18} {'tipo':<12} {'SLA':<9} título")
        for o in out:
            typer.echo(f"{o.id:>6} {o.priority:>4}  {o.status_label:<18} {o.pqr_type:<12} {o.sla_state:<9} "
                       f"{o.title[:70]}")

    _run(body)


@cases_app.command("show")
def cases_show(case_id: int, format: Annotated[str, typer.Option("--format", help="json | html")] = "json") -> None:
    from cauce.cases import export
    from cauce.cases import service as cases

    db = open_database()

    def body() -> None:
        with db.session() as session:
            document = export.case_document(session, cases.get(session, case_id=case_id))
        if format == "html":
            typer.echo(export.case_html(document))
        else:
            _emit_json(document)

    _run(body)


@cases_app.command("check-sla")
def cases_check_sla() -> None:
    """One SLA sweep: record breaches and escalate cases about to breach."""
    from cauce.cases import service as cases

    db = open_database()
    with db.session() as session:
        sweep = cases.check_sla(session)
    typer.echo(json.dumps(sweep.__dict__))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain (keyed hashes) and the signed checkpoints; exit 1 on any tampering."""
    from cauce.audit import anchor

    db = open_database()
    with db.read_session() as session:
        report = anchor.verify(session)
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    for problem in report.problems:
        typer.echo(f"ERROR: {problem}", err=True)
    for warning in report.warnings:
        typer.echo(f"aviso: {warning}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(force: bool = False) -> None:
    """Sign the chain's head into a checkpoint outside the database (the worker does it periodically)."""
    from cauce.audit import anchor

    db = open_database()
    with db.session() as session:
        point = anchor.write_checkpoint(session, force=force)
    typer.echo(json.dumps(point.__dict__ if point else None, ensure_ascii=False))


def _reply_context_from_db(case_id: int | None, brand: str | None) -> Any:
    """`cauce reply check --case/--brand`: the guard's context read from the database."""
    from cauce.replies.context import guard_context_from_db

    with open_database().read_session() as session:
        return guard_context_from_db(session, case_id=case_id, brand_ref=brand)


# The top-level commands each feature adds. A feature's CLI module, and all it imports, is loaded
# only when one of its commands, the overall help or an unknown command is asked for, so that
# `cauce cases list` does not pay for the triage models' or the connectors' imports.
FEATURE_COMMANDS = {
    "cauce.triage.cli": frozenset({"triage", "train"}),
    "cauce.replies.cli": frozenset({"reply"}),
    "cauce.connectors.cli": frozenset({"channels", "outbox"}),
    "cauce.playbook.cli": frozenset({"playbook", "crisis"}),
    "cauce.people.cli": frozenset({"people"}),
    "cauce.backup.cli": frozenset({"backup", "restore"}),
    # After cauce.triage.cli: its `train` gains --organisation (an organisation's adapter).
    "cauce.corrections.cli": frozenset({"train"}),
}


def _own_commands() -> set[str]:
    names = {group.name for group in app.registered_groups if group.name}
    for command in app.registered_commands:
        if command.name:
            names.add(command.name)
        elif command.callback is not None:
            names.add(command.callback.__name__.replace("_", "-"))
    return names


def _register_feature_commands(argv: list[str]) -> None:
    """Add the commands of the features that `argv` (the command line after the program) may need."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command in _own_commands():
        return
    wanted = [m for m, commands in FEATURE_COMMANDS.items() if command in commands] or list(FEATURE_COMMANDS)
    for module_name in wanted:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        if module_name == "cauce.replies.cli":
            module.register(app, context_loader=_reply_context_from_db)
        else:
            module.register(app)


_register_feature_commands(sys.argv[1:])


def main() -> None:
    try:
        app()
    finally:
        # The process ends here: keep the garbage collector from walking every object at exit
        # (about 0.15 s of a short command's run time).
        gc.freeze()


if __name__ == "__main__":
    main()
