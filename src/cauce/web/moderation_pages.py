"""Moderation: warn/hide/block under a published guideline clause, strikes, appeals, and the
supervisor's queue (troll proposals to confirm, appealed actions to decide)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.auth import policy
from cauce.brands.models import Brand
from cauce.cases import service as cases
from cauce.cases.models import ModerationAction
from cauce.errors import NotFound
from cauce.mentions import service as mentions
from cauce.people import service as people
from cauce.web import features
from cauce.web.pages import flash_headers
from cauce.web.rendering import render
from cauce.web.session import Editor, ReadSession, Viewer, WebUser, WriteSession
from cauce.web.views import user_names

router = APIRouter()

Reason = Annotated[str, Form(max_length=2000)]


def _who(user: WebUser) -> Any:
    module = features.moderation()
    assert module is not None
    return module.Principalish(actor=user.principal.actor, user_id=user.principal.user_id,
                               is_supervisor=user.is_supervisor)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _page(request: Request, session: Session, user: WebUser, *, person_id: int | None, case_id: int | None,
          brand_id: int | None, headers: dict[str, str] | None = None) -> Response:
    module = features.moderation()
    guides = features.guidelines()
    context: dict[str, Any] = {"ready": module is not None, "labels": labels, "person": None, "case": None}
    if module is None:
        return render(request, "moderation.html", context, headers=headers)
    case = cases.get(session, case_id=case_id, scope=user.scope) if case_id else None
    if case is not None:
        person_id, brand_id = case.person_id, case.brand_id
    brand_ids = [b.id for b in user.brands]
    if brand_id is None or brand_id not in brand_ids:
        brand_id = brand_ids[0] if brand_ids else None
    person = None
    if person_id and brand_id is not None:
        # Only a person of the selected brand is shown; another brand's person is simply absent.
        try:
            person = policy.person_in_scope(session, person_id=person_id, scope=user.scope, brand_id=brand_id)
        except NotFound:
            person = None
        if person is not None:
            context.update(person=person, handles=people.handles_of(session, person_id=person.id),
                           person_mentions=mentions.mentions_of_person(
                               session, person_id=person.id, brand_ids=frozenset({brand_id}), limit=20))
    history = module.actions_of(session, scope=user.scope, person_id=person.id if person else None, limit=100)
    appealed = [a for a in module.actions_of(session, scope=user.scope, limit=500) if a.status == "appealed"]
    brand = session.get(Brand, brand_id) if brand_id else None
    guide = guides.current(session, brand_id=brand_id) if guides is not None and brand_id else None
    names = user_names(session, [a.actor_user_id for a in history + appealed])
    context.update(
        case=case, brand=brand, guide=guide, history=history, appealed=appealed, actor_names=names,
        proposals=module.troll_proposals(session, scope=user.scope, limit=50) if user.is_supervisor else [],
        action_labels=module.ACTION_LABELS, person_names=_person_names(session, history + appealed),
    )
    return render(request, "moderation.html", context, headers=headers)


def _person_names(session: Session, rows: list[ModerationAction]) -> dict[int, str]:
    """Names only of people who belong to the action's brand (older rows may predate that check)."""
    names: dict[int, str] = {}
    for pid in {r.person_id for r in rows}:
        belongs = policy.brands_of_person(session, person_id=pid)
        shown = all(r.brand_id in belongs for r in rows if r.person_id == pid)
        names[pid] = (people.get(session, person_id=pid).display_name if shown else None) or f"#{pid}"
    return names


@router.get("/moderation")
def moderation_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    q = request.query_params
    return _page(request, session, user, person_id=_int(q.get("person_id")), case_id=_int(q.get("case_id")),
                 brand_id=_int(q.get("brand_id")))


def _require_module() -> Any:
    module = features.moderation()
    if module is None:
        raise features.FeatureMissing("La moderación del protocolo aún no está instalada en este servidor.")
    return module


@router.post("/moderation/actions")
def apply_action(request: Request, session: WriteSession, user: Editor,
                 brand_id: Annotated[int, Form()], person_id: Annotated[int, Form()],
                 action: Annotated[str, Form()], clause_id: Annotated[str, Form()],
                 case_id: Annotated[str, Form()] = "", mention_id: Annotated[str, Form()] = "",
                 reason: Reason = "", override_reason: Reason = "") -> Response:
    module = _require_module()
    request_obj = module.ModerationRequest(
        brand_id=brand_id, person_id=person_id, action=action, clause_id=clause_id, case_id=_int(case_id),
        mention_id=_int(mention_id), reason=reason.strip() or None, override_reason=override_reason.strip() or None)
    row = module.moderate(session, request_obj, who=_who(user), scope=user.scope)
    label = module.ACTION_LABELS.get(row.action, row.action)
    return _page(request, session, user, person_id=person_id, case_id=_int(case_id), brand_id=brand_id,
                 headers=flash_headers(f"{label}: aplicada según la norma «{row.rule}»."))


@router.post("/moderation/actions/{action_id}/appeal")
def appeal(action_id: int, request: Request, session: WriteSession, user: Editor, reason: Reason = "") -> Response:
    module = _require_module()
    row = module.appeal(session, action_id=action_id, reason=reason, who=_who(user), scope=user.scope)
    return _page(request, session, user, person_id=row.person_id, case_id=None, brand_id=row.brand_id,
                 headers=flash_headers("Apelación registrada: la decide un supervisor."))


@router.post("/moderation/actions/{action_id}/reverse")
def reverse(action_id: int, request: Request, session: WriteSession, user: Editor, reason: Reason = "") -> Response:
    module = _require_module()
    row = module.reverse(session, action_id=action_id, reason=reason, who=_who(user), scope=user.scope)
    return _page(request, session, user, person_id=row.person_id, case_id=None, brand_id=row.brand_id,
                 headers=flash_headers("Acción revertida."))


@router.post("/moderation/actions/{action_id}/reject-appeal")
def reject_appeal(action_id: int, request: Request, session: WriteSession, user: Editor,
                  reason: Reason = "") -> Response:
    module = _require_module()
    row = module.reject_appeal(session, action_id=action_id, reason=reason, who=_who(user), scope=user.scope)
    return _page(request, session, user, person_id=row.person_id, case_id=None, brand_id=row.brand_id,
                 headers=flash_headers("Apelación rechazada: la acción se mantiene y el motivo queda registrado."))


@router.post("/moderation/people/{person_id}/role")
def decide_role(person_id: int, request: Request, session: WriteSession, user: Editor,
                brand_id: Annotated[int, Form()], role: Annotated[str, Form()], reason: Reason = "") -> Response:
    module = _require_module()
    module.decide_role(session, person_id=person_id, brand_id=brand_id, role=role, who=_who(user),
                       reason=reason.strip() or None, scope=user.scope)
    message = "Etiqueta de troll confirmada." if role == "troll" else "Propuesta descartada."
    return _page(request, session, user, person_id=None, case_id=None, brand_id=brand_id,
                 headers=flash_headers(message))
