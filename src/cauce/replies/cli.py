"""`cauce reply …`: check a reply with the tone guard, or draft one, without a running server.

Exit codes: 0 whatever the verdict (ok, warn or block — read it from the output); 2 for usage
errors (bad option, empty or unreadable text); 1 when --case/--brand need a database that
is not wired or the case cannot be loaded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from cauce.errors import CauceError

if TYPE_CHECKING:
    from cauce.replies.tone import GuardContext, GuardVerdict

# The guard and the drafts load on first use: every `cauce` command registers these, and most
# commands never draft or check a reply (start-up time matters for scripts).
ContextLoader = Callable[[int | None, str | None], "GuardContext"]
INTENT_NAMES = ("first_reply, request_data_private, redirect_channel, investigation_update, resolution_at_fault, "
                "resolution_not_at_fault, rejection_with_explanation, follow_up, satisfaction_request, "
                "firm_warning, troll_first_reply, move_to_private")
MAX_INPUT_CHARS = 200_000


class NeedsDatabase(CauceError):
    code = "needs_database"


def _no_database(case_id: int | None, brand: str | None) -> GuardContext:
    raise NeedsDatabase("--case y --brand necesitan la base de datos (needs the database); "
                        "este comando no tiene un cargador de contexto conectado.")


def _read_text(value: str) -> str:
    text = sys.stdin.read(MAX_INPUT_CHARS + 1) if value == "-" else value
    if len(text) > MAX_INPUT_CHARS:
        raise typer.BadParameter(f"el texto supera {MAX_INPUT_CHARS} caracteres", param_hint="--text")
    return text


def _print_verdict(verdict: GuardVerdict, fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(verdict.as_json(), ensure_ascii=False))
        return
    labels = {"ok": "OK: se puede enviar", "warn": "AVISO: revisa antes de enviar",
              "block": "BLOQUEADA: necesita corrección o la aprobación de un supervisor"}
    typer.echo(labels[verdict.verdict])
    for f in verdict.findings:
        typer.echo(f"- [{f.severity}] {f.rule}: {f.message}\n  Sugerencia: {f.suggestion}")


def register(app: typer.Typer, context_loader: ContextLoader | None = None) -> None:
    """Add the `reply` command group; the lead passes a DB-backed loader for --case/--brand."""
    loader = context_loader or _no_database
    reply_app = typer.Typer(help="Respuestas: guardián de tono y borradores.", no_args_is_help=True)
    app.add_typer(reply_app, name="reply")

    @reply_app.command("check")
    def check(
        text: Annotated[str, typer.Option("--text", help="Texto de la respuesta («-» lee de stdin).")],
        visibility: Annotated[str | None, typer.Option(help="public | private")] = None,
        case: Annotated[int | None, typer.Option("--case", help="ID del caso (usa la base de datos).")] = None,
        brand: Annotated[str | None, typer.Option("--brand", help="Marca (usa la base de datos).")] = None,
        channel: Annotated[str | None, typer.Option(help="twitter, bluesky, mastodon, instagram…")] = None,
        voice: Annotated[str | None, typer.Option(help="tu | usted")] = None,
        name: Annotated[str | None, typer.Option(help="Nombre de la persona.")] = None,
        handle: Annotated[str | None, typer.Option(help="@usuario de la persona.")] = None,
        agent: Annotated[str | None, typer.Option(help="Nombre de pila de quien responde.")] = None,
        at_fault: Annotated[bool | None, typer.Option("--at-fault/--not-at-fault",
                                                      help="El caso es error de la empresa.")] = None,
        mention: Annotated[str | None, typer.Option(help="Texto del mensaje de la persona.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="json | text")] = "text",
    ) -> None:
        """Run the tone guard on a reply and print its verdict (exit 0 for any verdict)."""
        if fmt not in ("json", "text"):
            raise typer.BadParameter("usa json o text", param_hint="--format")
        if visibility not in (None, "public", "private"):
            raise typer.BadParameter("usa public o private", param_hint="--visibility")
        if voice not in (None, "tu", "usted"):
            raise typer.BadParameter("usa tu o usted", param_hint="--voice")
        body = _read_text(text)
        if case is not None or brand is not None:
            try:
                context = loader(case, brand)
            except CauceError as exc:
                typer.echo(f"error: {exc.message}", err=True)
                raise typer.Exit(1) from exc
        else:
            from cauce.replies.tone import GuardContext

            context = GuardContext()
        overrides = {k: v for k, v in {
            "visibility": visibility, "channel": channel, "voice": voice, "recipient_name": name,
            "recipient_handle": handle, "agent_name": agent, "at_fault": at_fault, "mention_text": mention,
        }.items() if v is not None}
        context = context.model_copy(update=overrides)
        from cauce.replies.tone import check_reply

        _print_verdict(check_reply(body, context), fmt)

    @reply_app.command("draft")
    def draft_command(
        intent: Annotated[str, typer.Option(help=f"Una de: {INTENT_NAMES}")],
        text: Annotated[str, typer.Option("--text", help="Texto del mensaje de la persona.")],
        name: Annotated[str | None, typer.Option(help="Nombre de la persona.")] = None,
        handle: Annotated[str | None, typer.Option(help="@usuario de la persona.")] = None,
        agent: Annotated[str, typer.Option(help="Nombre de pila de quien firma.")] = "",
        brand: Annotated[str, typer.Option(help="Nombre de la marca.")] = "nuestra marca",
        voice: Annotated[str, typer.Option(help="tu | usted")] = "tu",
        country: Annotated[str, typer.Option(help="País de la marca (CO, MX, ES, AR…).")] = "CO",
        channel: Annotated[str, typer.Option(help="twitter, bluesky, mastodon, email…")] = "twitter",
        language: Annotated[str, typer.Option(help="es | en")] = "es",
        category: Annotated[str | None, typer.Option(help="Categoría PQR (cobro, entrega…).")] = None,
        seed: Annotated[int | None, typer.Option(help="Semilla para elegir la variante.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="json | text")] = "text",
    ) -> None:
        """Draft a reply for an intent from the mention text (templates; LLM if configured)."""
        if fmt not in ("json", "text"):
            raise typer.BadParameter("usa json o text", param_hint="--format")
        from cauce.replies.drafts import INTENTS, CaseFacts, DraftContext, draft

        if intent not in INTENTS:
            raise typer.BadParameter(f"intención desconocida; usa una de: {', '.join(INTENTS)}",
                                     param_hint="--intent")
        if not agent.strip():
            raise typer.BadParameter("indica el nombre de quien firma", param_hint="--agent")
        try:
            context = DraftContext.model_validate({
                "brand_name": brand, "voice": voice, "country": country, "channel": channel,
                "language": language, "recipient_name": name, "recipient_handle": handle,
                "agent_name": agent, "mention_text": _read_text(text), "facts": CaseFacts(category=category)})
        except ValidationError as exc:
            raise typer.BadParameter(exc.errors()[0]["msg"]) from exc
        result = draft(context, intent, variant_seed=seed)
        if fmt == "json":
            typer.echo(json.dumps(result.model_dump(), ensure_ascii=False))
        else:
            typer.echo(result.text)
            for warning in result.warnings:
                typer.echo(f"  aviso: {warning}", err=True)
