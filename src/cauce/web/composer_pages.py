"""The reply composer: insert a draft, check the tone as the agent types, send through the outbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.cases import service as cases
from cauce.errors import InvalidInput
from cauce.web import features
from cauce.web.case_pages import render_case
from cauce.web.rendering import render
from cauce.web.session import Asker, Editor, ReadSession, WriteSession

router = APIRouter()

ReplyText = Annotated[str, Form(max_length=10_000)]
Visibility = Annotated[str, Form(pattern="^(public|private)$")]
MIN_CHECK_CHARS = 3


SURVEY_INTENTS = frozenset({"follow_up", "satisfaction_request"})


def _survey_url(request: Request, session: Session, case_id: int, intent: str) -> str | None:
    """The case's open survey link, offered in the follow-up and satisfaction drafts (§9)."""
    module = features.optional_module("cauce.playbook.survey")
    if intent not in SURVEY_INTENTS or module is None:
        return None
    row = module.open_survey(session, case_id=case_id)
    return module.url_of(request.app.state.settings.base_url, row) if row is not None else None


@router.post("/cases/{case_id}/composer/draft")
def insert_draft(case_id: int, request: Request, session: ReadSession, user: Asker,
                 draft_intent: Annotated[str, Form()], visibility: Visibility = "public",
                 channel: Annotated[str, Form()] = "") -> Response:
    intent = draft_intent
    if intent not in labels.INTENTS:
        raise InvalidInput("Elija para qué es el borrador.")
    case = cases.get(session, case_id=case_id, scope=user.scope)
    result = features.draft(session, case, intent=intent, visibility=visibility, channel=channel or None,
                            principal=user.principal, survey_url=_survey_url(request, session, case.id, intent))
    text = getattr(result, "text", None) or (result.get("text") if isinstance(result, dict) else str(result))
    draft_visibility = getattr(result, "visibility", None) or visibility
    return render(request, "_reply_textarea.html", {
        "case_id": case_id, "text": text, "intent": intent, "draft_visibility": draft_visibility,
        "labels_visibility": labels.VISIBILITY, "warnings": list(getattr(result, "warnings", []) or []),
    })


@router.post("/cases/{case_id}/composer/check")
def check(case_id: int, request: Request, session: ReadSession, user: Asker, text: ReplyText = "",
          visibility: Visibility = "public", channel: Annotated[str, Form()] = "") -> Response:
    case = cases.get(session, case_id=case_id, scope=user.scope)
    verdict: dict[str, Any] | None = None
    if len(text.strip()) >= MIN_CHECK_CHARS:
        verdict = features.check_reply(session, case, text=text, visibility=visibility, channel=channel or None,
                                       principal=user.principal)
    return render(request, "_findings.html", {"verdict": verdict, "case_id": case_id})


@router.post("/cases/{case_id}/composer/send")
def send(case_id: int, request: Request, session: WriteSession, user: Editor, text: ReplyText = "",
         visibility: Visibility = "public", channel: Annotated[str, Form()] = "",
         intent: Annotated[str, Form()] = "", override_reason: Annotated[str, Form(max_length=2000)] = "",
         idempotency_key: Annotated[str, Form(max_length=100)] = "",
         sent_elsewhere: Annotated[str, Form()] = "") -> Response:
    service = features.replies_service()
    if sent_elsewhere:
        service.record_external_reply(session, case_id=case_id, text=text, visibility=visibility,
                                      principal=user.principal, channel=channel or None, intent=intent or None)
        message = "Respuesta registrada (enviada fuera de Cauce)."
    else:
        reply = service.create_reply(session, case_id=case_id, text=text, visibility=visibility,
                                     principal=user.principal, channel=channel or None, intent=intent or None,
                                     override_reason=override_reason.strip() or None,
                                     idempotency_key=idempotency_key or None)
        shown = labels.VISIBILITY.get(reply.visibility, reply.visibility).lower()
        message = f"Respuesta {shown} en cola de envío."
    board = request.app.state.presence
    board.leave(case_id, user_id=user.principal.user_id)
    return render_case(request, session, user, case_id, message=message)
