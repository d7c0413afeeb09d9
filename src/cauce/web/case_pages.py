"""The case page and what an agent does on it: claim, assign, move state, notes, the §5 checklist.

Every action re-renders the page; htmx swaps the panels it names (`hx-select`/`hx-select-oob`)
and leaves the reply composer alone.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.auth import policy
from cauce.cases import lifecycle
from cauce.cases import service as cases
from cauce.db import utcnow
from cauce.errors import InvalidInput
from cauce.macros import service as macros
from cauce.web import features
from cauce.web.pages import flash_headers
from cauce.web.presence import PresenceBoard
from cauce.web.rendering import render
from cauce.web.session import Asker, Editor, ReadSession, Viewer, WebUser, WriteSession
from cauce.web.views import case_view, inbox_rows

router = APIRouter()

Text = Annotated[str, Form(max_length=20_000)]


def _board(request: Request) -> PresenceBoard:
    board: PresenceBoard = request.app.state.presence
    return board


def render_case(request: Request, session: Session, user: WebUser, case_id: int, *,
                message: str | None = None, level: str = "ok") -> Response:
    now = utcnow()
    case = cases.get(session, case_id=case_id, scope=user.scope)
    view = case_view(session, case, now=now, viewer_id=user.principal.user_id, board=_board(request),
                     scope=user.scope)
    context: dict[str, Any] = {
        "v": view, "labels": labels, "lifecycle": lifecycle,
        "actions": features.next_actions(session, case, now=now),
        "checklist": features.checklist(session, case),
        "moderation_ready": features.moderation() is not None,
        "composer_ready": features.optional_module("cauce.replies.service") is not None
        and features.optional_module("cauce.replies.tone") is not None,
        "drafts_ready": features.optional_module("cauce.replies.drafts") is not None
        and hasattr(features.optional_module("cauce.replies.drafts"), "draft"),
        "intents": labels.INTENTS, "idempotency_key": uuid.uuid4().hex,
        "survey": _survey_panel(request, session, case.id, now=now),
        "legal_ready": features.optional_module("cauce.playbook.evidence") is not None,
        "message_clauses": _message_clauses(session, case.brand_id),
        "macros": macros.list_macros(session, brand_ids=user.principal.brand_ids, brand_id=case.brand_id),
    }
    headers = flash_headers(message, level) if message else None
    return render(request, "case.html", context, headers=headers)


MESSAGE_ACTIONS = ("hide", "warn")  # what one message in the thread can get (the person: /moderation)


def _message_clauses(session: Session, brand_id: int) -> list[Any]:
    """The brand's published clauses that justify hiding or warning about a single message."""
    guides = features.guidelines()
    if guides is None or features.moderation() is None:
        return []
    return [c for c in guides.current(session, brand_id=brand_id).clauses
            if any(a in c.actions for a in MESSAGE_ACTIONS)]


def _survey_panel(request: Request, session: Session, case_id: int, *, now: Any) -> dict[str, Any] | None:
    """The case's open survey link (what the agent sends the customer), or None when there is none."""
    module = features.optional_module("cauce.playbook.survey")
    if module is None:
        return None
    row = module.open_survey(session, case_id=case_id, now=now)
    base_url = request.app.state.settings.base_url
    return {"url": module.url_of(base_url, row) if row else None, "expires_at": row.expires_at if row else None}


@router.get("/cases/{case_id}")
def case_page(case_id: int, request: Request, session: ReadSession, user: Viewer) -> Response:
    cases.get(session, case_id=case_id, scope=user.scope)  # 404 before any presence is recorded
    _board(request).touch(case_id, user_id=user.principal.user_id, name=user.principal.name, mode="viewing")
    return render_case(request, session, user, case_id)


@router.get("/cases/{case_id}/presence")
def presence_fragment(case_id: int, request: Request, session: ReadSession, user: Viewer) -> Response:
    cases.get(session, case_id=case_id, scope=user.scope)
    board = _board(request)
    board.touch(case_id, user_id=user.principal.user_id, name=user.principal.name, mode="viewing")
    return render(request, "_presence.html", {"others": board.others(case_id, user_id=user.principal.user_id),
                                              "case_id": case_id})


@router.post("/cases/{case_id}/presence")
def presence_touch(case_id: int, request: Request, session: ReadSession, user: Asker,
                   mode: Annotated[str, Form()] = "replying") -> Response:
    cases.get(session, case_id=case_id, scope=user.scope)
    board = _board(request)
    board.touch(case_id, user_id=user.principal.user_id, name=user.principal.name,
                mode="replying" if mode == "replying" else "viewing")
    return render(request, "_presence.html", {"others": board.others(case_id, user_id=user.principal.user_id),
                                              "case_id": case_id})


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    """'Tomar caso': assign it to me, so everyone sees who is on it."""
    cases.assign(session, case_id=case_id, actor=user.principal.actor, scope=user.scope,
                 user_id=user.principal.user_id, reason="Tomó el caso desde la bandeja.")
    message = "Caso tomado: ahora figura a su nombre."
    if request.query_params.get("from") == "inbox":
        case = cases.get(session, case_id=case_id, scope=user.scope)
        rows = inbox_rows(session, [case], now=utcnow(), viewer_id=user.principal.user_id, board=_board(request),
                          brands={b.id: b for b in user.brands})
        return render(request, "_inbox_rows.html", {"rows": rows, "labels": labels, "show_brand": len(user.brands) > 1,
                                                    "lifecycle_states": lifecycle.STATES},
                      headers=flash_headers(message))
    return render_case(request, session, user, case_id, message=message)


def _optional_int(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("Valor inválido en el formulario.") from None


@router.post("/cases/{case_id}/assign")
def assign(case_id: int, request: Request, session: WriteSession, user: Editor,
           user_id: Annotated[str, Form()] = "", area_id: Annotated[str, Form()] = "",
           reason: Text = "") -> Response:
    uid, aid = _optional_int(user_id), _optional_int(area_id)
    if uid is None and aid is None:
        raise InvalidInput("Elija un agente o un área.")
    cases.assign(session, case_id=case_id, actor=user.principal.actor, scope=user.scope, user_id=uid, area_id=aid,
                 reason=reason.strip() or None)
    return render_case(request, session, user, case_id, message="Asignación guardada.")


@router.post("/cases/{case_id}/transition")
def transition(case_id: int, request: Request, session: WriteSession, user: Editor,
               to: Annotated[str, Form()], outcome: Annotated[str, Form()] = "", reason: Text = "") -> Response:
    reason_text = reason.strip() or None
    case = cases.get(session, case_id=case_id, scope=user.scope)
    resolution = features.optional_module("cauce.playbook.resolution")
    if to == "cerrado" and resolution is not None:
        resolution.close_case(session, case_id=case.id, actor=user.principal.actor, scope=user.scope,
                              outcome=outcome or None, reason=reason_text)
    elif to == "respondido" and resolution is not None and outcome:
        resolution.resolve_case(session, case_id=case.id, outcome=outcome, actor=user.principal.actor,
                                scope=user.scope, reason=reason_text)
    else:
        cases.transition(session, case_id=case.id, to=to, actor=user.principal.actor, scope=user.scope,
                         reason=reason_text, outcome=outcome or None)
    label = lifecycle.STATES.get(to, to)
    return render_case(request, session, user, case_id, message=f"Estado: {label}.")


@router.post("/cases/{case_id}/notes")
def add_note(case_id: int, request: Request, session: WriteSession, user: Editor, text: Text = "") -> Response:
    cases.add_note(session, case_id=case_id, text=text, actor=user.principal.actor,
                   author_user_id=user.principal.user_id, scope=user.scope)
    return render_case(request, session, user, case_id, message="Nota interna guardada.")


@router.post("/cases/{case_id}/outcome")
def set_outcome(case_id: int, request: Request, session: WriteSession, user: Editor,
                outcome: Annotated[str, Form()], reason: Text = "") -> Response:
    features.resolution().set_outcome(session, case_id=case_id, outcome=outcome, actor=user.principal.actor,
                                      scope=user.scope, reason=reason.strip() or None)
    return render_case(request, session, user, case_id, message="Resultado de la investigación registrado.")


@router.post("/cases/{case_id}/checklist")
def tick(case_id: int, request: Request, session: WriteSession, user: Editor, item: Annotated[str, Form()],
         state: Annotated[str, Form()] = "done", note: Text = "") -> Response:
    features.resolution().tick(session, case_id=case_id, item=item, state=state, note=note.strip() or None,
                               actor=user.principal.actor, scope=user.scope)
    return render_case(request, session, user, case_id, message="Lista de verificación actualizada.")


@router.post("/cases/{case_id}/confirmation")
def confirmation(case_id: int, request: Request, session: WriteSession, user: Editor,
                 kind: Annotated[str, Form()], note: Text = "") -> Response:
    features.resolution().record_confirmation(session, case_id=case_id, kind=kind, note=note.strip() or None,
                                              actor=user.principal.actor, scope=user.scope)
    return render_case(request, session, user, case_id, message="Cierre del ciclo registrado.")


@router.post("/cases/{case_id}/satisfaction")
def satisfaction(case_id: int, request: Request, session: WriteSession, user: Editor,
                 score: Annotated[int, Form(ge=1, le=5)], comment: Text = "") -> Response:
    resolution = features.optional_module("cauce.playbook.resolution")
    if resolution is not None:
        resolution.record_csat(session, case_id=case_id, score=score, comment=comment.strip() or None,
                               actor=user.principal.actor, scope=user.scope)
    else:
        cases.record_satisfaction(session, case_id=case_id, score=score, comment=comment.strip() or None,
                                  channel=None, actor=user.principal.actor, scope=user.scope)
    return render_case(request, session, user, case_id, message="Satisfacción registrada.")


@router.post("/cases/{case_id}/survey")
def create_survey(case_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    """A survey link the customer answers without logging in (§9); the open one if it exists."""
    module = features.optional_module("cauce.playbook.survey")
    if module is None:
        raise features.FeatureMissing("La encuesta de satisfacción aún no está instalada en este servidor.")
    module.create_survey(session, case_id=case_id, actor=user.principal.actor, user_id=user.principal.user_id,
                         scope=user.scope)
    return render_case(request, session, user, case_id,
                       message="Enlace de encuesta listo: cópielo en la respuesta o use el borrador de seguimiento.")


@router.post("/cases/{case_id}/legal")
def legal_handover(case_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    """«Preservar evidencia y pasar a legal» (§8): one click preserves the flagged messages and routes the case."""
    module = features.optional_module("cauce.playbook.evidence")
    if module is None:
        raise features.FeatureMissing("La preservación de evidencia aún no está instalada en este servidor.")
    done = module.preserve_and_hand_to_legal(session, case_id=case_id, actor=user.principal.actor,
                                             user_id=user.principal.user_id, scope=user.scope)
    if done.area is None:
        return render_case(request, session, user, case_id, level="error",
                           message="Evidencia preservada, pero la marca no tiene un área legal: "
                                   "créela para entregar el caso.")
    return render_case(request, session, user, case_id,
                       message=f"Evidencia preservada ({len(done.snapshots)}) y caso entregado a {done.area.name}.")


@router.post("/cases/{case_id}/mentions/{mention_id}/moderate")
def moderate_message(case_id: int, mention_id: int, request: Request, session: WriteSession, user: Editor,
                     action: Annotated[str, Form()], clause_id: Annotated[str, Form(max_length=100)],
                     reason: Annotated[str, Form(max_length=2000)] = "",
                     override_reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Hide (or warn about) one message of the thread under a published clause, from the case page."""
    module = features.moderation()
    if module is None:
        raise features.FeatureMissing("La moderación del protocolo aún no está instalada en este servidor.")
    if action not in MESSAGE_ACTIONS:
        raise InvalidInput("Para un mensaje elija «Ocultar mensaje» o «Advertencia».")
    case = cases.get(session, case_id=case_id, scope=user.scope)
    mention = policy.mention_in_scope(session, mention_id=mention_id, scope=user.scope, case_id=case.id)
    row = module.moderate(session, module.ModerationRequest(
        brand_id=case.brand_id, person_id=mention.person_id, action=action, clause_id=clause_id,
        case_id=case.id if mention.person_id == case.person_id else None, mention_id=mention.id,
        reason=reason.strip() or None, override_reason=override_reason.strip() or None),
        who=module.Principalish(actor=user.principal.actor, user_id=user.principal.user_id,
                                is_supervisor=user.is_supervisor), scope=user.scope)
    label = module.ACTION_LABELS.get(row.action, row.action)
    return render_case(request, session, user, case_id, message=f"{label}: aplicada según la norma «{row.rule}».")
