"""HTTP routes for replies: queue one (tone-guarded), list them, draft one, check one, retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Header
from pydantic import BaseModel, Field

from cauce.apimodel import StrictOut
from cauce.app_deps.deps import CurrentPrincipal, DbSession, scope_of
from cauce.app_deps.openapi import PathId
from cauce.auth.service import Principal
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.errors import InvalidInput
from cauce.replies import service as replies

router = APIRouter(tags=["replies"])


class ReplyIn(BaseModel):
    text: str = Field(max_length=replies.MAX_TEXT_CHARS)
    visibility: str = "public"
    channel: str | None = Field(default=None, max_length=40)
    intent: str | None = Field(default=None, max_length=40)
    override_reason: str | None = Field(default=None, max_length=2000)


class ExternalReplyIn(BaseModel):
    text: str = Field(max_length=replies.MAX_TEXT_CHARS)
    visibility: str = "public"
    channel: str | None = Field(default=None, max_length=40)
    external_url: str | None = Field(default=None, max_length=2000)
    at: datetime | None = None


class DraftIn(BaseModel):
    intent: str = Field(max_length=40)
    variant: int | None = Field(default=None, ge=0, le=1_000_000)


class CheckIn(BaseModel):
    text: str = Field(max_length=replies.MAX_TEXT_CHARS)
    visibility: str = "public"
    channel: str | None = Field(default=None, max_length=40)


class ReplyOut(StrictOut):
    id: int
    case_id: int
    channel: str | None
    visibility: str
    channel_account_id: int | None
    text: str
    intent: str | None
    state: str
    external_id: str | None
    external_url: str | None
    error: str | None
    attempts: int
    guard: dict[str, Any] | None
    override_reason: str | None
    author_user_id: int | None
    created_at: str | None
    sent_at: str | None


class FindingOut(StrictOut):
    rule: str
    severity: str = Field(description="warn | block")
    message: str
    suggestion: str


class GuardOut(StrictOut):
    """The tone guard's verdict on a text: ok, warn (may send) or block (needs an override reason)."""

    verdict: str = Field(description="ok | warn | block")
    findings: list[FindingOut]


class DraftOut(StrictOut):
    text: str
    intent: str
    visibility: str
    template_id: str
    warnings: list[str]
    guard: GuardOut


def _case(session: Any, case_id: int, principal: Principal) -> Case:
    return cases.get(session, case_id=case_id, scope=scope_of(principal))


@router.post("/cases/{case_id}/replies", status_code=201, response_model=ReplyOut)
def create_reply(case_id: PathId, body: ReplyIn, session: DbSession, principal: CurrentPrincipal,
                 idempotency_key: str | None = Header(default=None, max_length=100)) -> dict[str, Any]:
    reply = replies.create_reply(session, case_id=case_id, text=body.text, visibility=body.visibility,
                                 channel=body.channel, intent=body.intent, principal=principal,
                                 override_reason=body.override_reason, idempotency_key=idempotency_key)
    return replies.reply_out(reply)


@router.get("/cases/{case_id}/replies", response_model=list[ReplyOut])
def list_replies(case_id: PathId, session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return [replies.reply_out(r) for r in replies.replies_of_case(session, case_id=case_id, principal=principal)]


@router.post("/cases/{case_id}/replies/external", status_code=201, response_model=ReplyOut)
def record_external(case_id: PathId, body: ExternalReplyIn, session: DbSession,
                    principal: CurrentPrincipal) -> dict[str, Any]:
    reply = replies.record_external_reply(session, case_id=case_id, text=body.text, visibility=body.visibility,
                                          channel=body.channel, external_url=body.external_url, at=body.at,
                                          principal=principal)
    return replies.reply_out(reply)


@router.post("/replies/{reply_id}/retry", response_model=ReplyOut)
def retry(reply_id: PathId, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    return replies.reply_out(replies.retry(session, reply_id=reply_id, principal=principal))


@router.post("/cases/{case_id}/check-reply", response_model=GuardOut)
def check_reply(case_id: PathId, body: CheckIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    case = _case(session, case_id, principal)
    if not body.text.strip():
        raise InvalidInput("La respuesta está vacía.")
    visibility = replies.effective_visibility(session, case, replies.parse_visibility(body.visibility))
    return replies.check(session, case, text=body.text, visibility=visibility, channel=body.channel,
                         agent_first_name=principal.first_name)


@router.post("/cases/{case_id}/draft", response_model=DraftOut)
def draft(case_id: PathId, body: DraftIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    result = replies.draft_for_case(session, case_id=case_id, intent=body.intent, principal=principal,
                                    variant=body.variant)
    case = _case(session, case_id, principal)
    out: dict[str, Any] = result.model_dump()
    out["guard"] = replies.check(session, case, text=result.text, visibility=result.visibility,
                                 agent_first_name=principal.first_name)
    return out


def install(app: FastAPI) -> None:
    app.include_router(router, prefix="/api/v1")
