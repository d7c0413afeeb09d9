"""HTTP routes for channel accounts (admins; credentials masked) and the webhooks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import Admin, DbSession
from cauce.app_deps.openapi import PathId, QueryId
from cauce.audit.service import Actor
from cauce.brands import channels
from cauce.brands import service as brands
from cauce.brands.channels import ChannelView
from cauce.brands.models import Brand, ChannelAccount
from cauce.connectors import construction
from cauce.connectors.base import AuthExpired, ConnectorError, PayloadError, SignatureError
from cauce.connectors.runtime import batches
from cauce.connectors.runtime.polling import PollResult, ingest_items
from cauce.db import Database, utcnow
from cauce.errors import CauceError, NotFound

log = logging.getLogger(__name__)

router = APIRouter(prefix="/channels", tags=["channels"])
# `app.state.job_submit` when a broker is configured: enqueue a task (set by the composition root).
Submit = Callable[[str, dict[str, Any]], None]


class ChannelIn(BaseModel):
    brand: str = Field(min_length=1, max_length=200, description="Brand slug or name")
    kind: str = Field(min_length=1, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    base_url: str | None = Field(default=None, max_length=500)
    credentials: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)


class ChannelPatch(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    base_url: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None
    credentials: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None


class ChannelTestOut(StrictOut):
    ok: bool
    account: str | None = Field(default=None, description="The account the credentials belong to")
    error: str | None = None


@router.get("", response_model=list[ChannelView])
def list_channels(session: DbSession, principal: Admin, brand_id: QueryId = None) -> list[ChannelView]:
    return [channels.view(c) for c in channels.list_channels(session, brand_id=brand_id)]


@router.post("", status_code=201, response_model=ChannelView)
def add_channel(body: ChannelIn, session: DbSession, principal: Admin) -> ChannelView:
    brand = brands.resolve(session, body.brand)
    channel = construction.add_channel(
        session,
        brand=brand,
        kind=body.kind,
        name=body.name,
        base_url=body.base_url,
        credentials=body.credentials,
        settings=body.settings,
        actor=principal.actor,
    )
    return channels.view(channel)


@router.get("/{channel_id}", response_model=ChannelView)
def get_channel(channel_id: PathId, session: DbSession, principal: Admin) -> ChannelView:
    return channels.view(channels.get_channel(session, channel_id))


@router.patch("/{channel_id}", response_model=ChannelView)
def update_channel(channel_id: PathId, body: ChannelPatch, session: DbSession, principal: Admin) -> ChannelView:
    channel = construction.update_channel(
        session,
        channel_id=channel_id,
        actor=principal.actor,
        name=body.name,
        base_url=body.base_url,
        enabled=body.enabled,
        settings=body.settings,
        credentials=body.credentials,
    )
    return channels.view(channel)


@router.delete("/{channel_id}", response_model=ChannelView)
def disable_channel(channel_id: PathId, session: DbSession, principal: Admin) -> ChannelView:
    """Channels are disabled, not deleted: replies and mentions keep pointing at them."""
    channel = construction.update_channel(session, channel_id=channel_id, actor=principal.actor, enabled=False)
    return channels.view(channel)


@router.post("/{channel_id}/test", response_model=ChannelTestOut, response_model_exclude_none=True)
def test_channel(channel_id: PathId, session: DbSession, principal: Admin) -> ChannelTestOut:
    channel = channels.get_channel(session, channel_id)
    try:
        with construction.build_connector(channel.kind, construction.connector_config(session, channel)) as connector:
            account = connector.test_connection()
    except AuthExpired as exc:
        reason = f"Credenciales vencidas o revocadas: {exc.reason}"
        channels.mark_unhealthy(session, channel, error=reason, actor=principal.actor)
        return ChannelTestOut(ok=False, error=reason)
    except ConnectorError as exc:
        return ChannelTestOut(ok=False, error=exc.reason)
    channels.mark_healthy(session, channel, actor=principal.actor)
    return ChannelTestOut(ok=True, account=account)


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
    app.include_router(webhooks)


# --- webhooks ---------------------------------------------------------------------------------

webhooks = APIRouter(prefix="/webhooks", tags=["webhooks"])
# URL segment → channel kind.
WEBHOOK_KINDS = {"meta": "meta", "x": "x", "telegram": "telegram", "generic": "webhook"}
MAX_WEBHOOK_BYTES = 5_000_000


def _webhook_error(status: int, code: str, message: str) -> JSONResponse:
    log.warning("webhook refused (%s): %s", code, message)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _webhook_connector(db: Database, segment: str, channel_id: int) -> tuple[Any, str, int]:
    """The channel's connector, brand slug and organisation; NotFound unless it is an enabled channel of that kind."""
    kind = WEBHOOK_KINDS.get(segment)
    with db.read_session() as session:
        channel = session.get(ChannelAccount, channel_id)
        if kind is None or channel is None or channel.kind != kind or not channel.enabled:
            raise NotFound("No existe ese webhook.")
        brand = session.get(Brand, channel.brand_id)
        assert brand is not None
        connector = construction.build_connector(kind, construction.connector_config(session, channel))
        return connector, brand.slug, brand.organisation_id


def _handle_post(db: Database, segment: str, channel_id: int, headers: dict[str, str], raw: bytes,
                 submit: Submit | None = None) -> JSONResponse:
    """Verify and parse; then ingest here, or, with `submit` (multi-node: a broker is configured),
    enqueue the batch for a worker and answer 202 as soon as the broker has it."""
    try:
        connector, slug, organisation_id = _webhook_connector(db, segment, channel_id)
        parse = getattr(connector, "parse_webhook", None)
        if parse is None:
            return _webhook_error(404, "not_found", "Este canal no recibe webhooks.")
        parsed = parse(headers, raw)
    except SignatureError as exc:
        return _webhook_error(401, "bad_signature", exc.reason)
    except (PayloadError, ConnectorError) as exc:
        return _webhook_error(400, "bad_payload", exc.reason)
    except CauceError as exc:
        return _webhook_error(exc.status_code if exc.status_code < 500 else 400, exc.code, exc.message)
    items = list(getattr(parsed, "mentions", parsed))
    result = PollResult(channel_id)
    result.error_details.extend(getattr(parsed, "errors", []))
    result.errors += len(result.error_details)
    actor = f"{WEBHOOK_KINDS[segment]}:{channel_id}"
    if submit is not None:
        if items:
            submit(batches.TASK, batches.payload(items, channel_id=channel_id, brand_slug=slug,
                                                 organisation_id=organisation_id, actor=actor))
        return JSONResponse({"queued": len(items), **result.as_dict()}, status_code=202)
    with db.session() as session:
        ingest_items(
            session,
            items,
            channel_id=channel_id,
            brand_slug=slug,
            actor=Actor.connector(actor),
            now=utcnow(),
            into=result,
        )
    return JSONResponse(result.as_dict(), status_code=200)


@webhooks.post("/{segment}/{channel_id}")
async def receive(segment: str, channel_id: PathId, request: Request) -> JSONResponse:
    """Verify the signature on the raw body, then ingest; bad requests get a 4xx with a reason."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        return _webhook_error(413, "too_large", "El cuerpo supera el máximo permitido.")
    raw = await request.body()
    if len(raw) > MAX_WEBHOOK_BYTES:
        return _webhook_error(413, "too_large", "El cuerpo supera el máximo permitido.")
    try:
        return await run_in_threadpool(
            _handle_post, request.app.state.db, segment, channel_id, dict(request.headers), raw,
            getattr(request.app.state, "job_submit", None),
        )
    except Exception:  # never a 500 to a sender (it would retry forever); the log has the trace
        log.exception("webhook %s/%s failed", segment, channel_id)
        return _webhook_error(400, "webhook_failed", "No se pudo procesar el webhook.")


def _handle_get(db: Database, segment: str, channel_id: int, params: dict[str, str]) -> Response:
    try:
        connector, _, _ = _webhook_connector(db, segment, channel_id)
        if segment == "meta":
            return PlainTextResponse(connector.verify_subscription(params))
        if segment == "x":
            return JSONResponse(connector.crc_response(params.get("crc_token", "")))
    except SignatureError as exc:
        return _webhook_error(403, "bad_verification", exc.reason)
    except ConnectorError as exc:
        return _webhook_error(400, "bad_request", exc.reason)
    except CauceError as exc:
        return _webhook_error(exc.status_code if exc.status_code < 500 else 400, exc.code, exc.message)
    return _webhook_error(405, "method_not_allowed", "Este webhook solo acepta POST.")


@webhooks.get("/{segment}/{channel_id}")
async def verify(segment: str, channel_id: PathId, request: Request) -> Response:
    """Meta's subscription handshake (hub.challenge) and X's CRC check."""
    try:
        return await run_in_threadpool(
            _handle_get, request.app.state.db, segment, channel_id, dict(request.query_params)
        )
    except Exception:
        log.exception("webhook verification %s/%s failed", segment, channel_id)
        return _webhook_error(400, "webhook_failed", "No se pudo verificar el webhook.")
