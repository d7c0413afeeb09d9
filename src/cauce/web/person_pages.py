"""The person page: the contact history across networks and brands, and identity resolution
(merge proposals with their evidence to confirm or reject, and splitting a handle off)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.cases import lifecycle
from cauce.errors import InvalidInput
from cauce.people import identity, privacy
from cauce.people import service as people
from cauce.web.pages import flash_headers
from cauce.web.rendering import render
from cauce.web.session import Editor, ReadSession, Viewer, WebUser, WriteSession

router = APIRouter()

Reason = Annotated[str, Form(max_length=2000)]
# Habeas data requests (export, erase): supervisors of every brand the person appears in, and admins
# (people.privacy.authorise decides; the page only hides the buttons from agents).
PRIVACY_ROLES = ("admin", "supervisor")

EVIDENCE_LABELS = {
    identity.EvidenceKind.SAME_HANDLE.value: "Mismo usuario en varias redes",
    identity.EvidenceKind.CROSS_LINK.value: "Mismo nombre y un enlace a la otra cuenta",
    identity.EvidenceKind.SAME_EMAIL.value: "Mismo correo en mensajes privados",
    identity.EvidenceKind.SAME_PHONE.value: "Mismo teléfono en mensajes privados",
}


def render_person(request: Request, session: Session, user: WebUser, person_id: int, *,
                  headers: dict[str, str] | None = None, notice: str | None = None) -> Response:
    found = identity.history(session, person_id=person_id, scope=user.scope)
    context: dict[str, Any] = {
        "h": found, "labels": labels, "lifecycle": lifecycle, "evidence_labels": EVIDENCE_LABELS,
        "proposals": identity.proposals_for(session, person_id=found.person.id, scope=user.scope),
        "may_handle_privacy": user.principal.role in PRIVACY_ROLES, "notice": notice,
    }
    return render(request, "person.html", context, headers=headers)


@router.get("/people/{person_id}")
def person_page(person_id: int, request: Request, session: ReadSession, user: Viewer) -> Response:
    person = people.current(session, person_id=person_id)
    if person.id != person_id:  # merged into someone else: their page is the one to read
        identity.get_visible(session, person_id=person.id, scope=user.scope)
        return RedirectResponse(f"/people/{person.id}", status_code=303)
    return render_person(request, session, user, person_id)


@router.post("/people/{person_id}/proposals/{proposal_id}/confirm")
def confirm(person_id: int, proposal_id: int, request: Request, session: WriteSession, user: Editor,
            reason: Reason = "") -> Response:
    merge = identity.confirm(session, proposal_id=proposal_id, actor=user.principal.actor,
                             user_id=user.principal.user_id, scope=user.scope, reason=reason.strip() or None)
    return render_person(request, session, user, merge.survivor_id,
                         headers=flash_headers("Personas unidas: sus cuentas comparten ahora un solo historial."))


@router.post("/people/{person_id}/proposals/{proposal_id}/reject")
def reject(person_id: int, proposal_id: int, request: Request, session: WriteSession, user: Editor,
           reason: Reason = "") -> Response:
    identity.reject(session, proposal_id=proposal_id, actor=user.principal.actor, user_id=user.principal.user_id,
                    scope=user.scope, reason=reason.strip() or None)
    return render_person(request, session, user, person_id,
                         headers=flash_headers("Propuesta rechazada: no se volverá a proponer."))


@router.post("/people/{person_id}/handles/{handle_id}/split")
def split(person_id: int, handle_id: int, request: Request, session: WriteSession, user: Editor,
          reason: Reason = "") -> Response:
    target = identity.split(session, handle_id=handle_id, actor=user.principal.actor,
                            user_id=user.principal.user_id, scope=user.scope, reason=reason.strip() or None)
    return render_person(request, session, user, person_id,
                         headers=flash_headers(f"Cuenta separada: ahora es la persona #{target.id}."))


# --- habeas data (Ley 1581 de 2012) / GDPR: export and erase, through people.privacy ---------------

@router.post("/people/{person_id}/export")
def export_person(person_id: int, session: WriteSession, user: Editor) -> Response:
    """Everything held about the person, as a JSON file to hand over (right of access / portability)."""
    privacy.authorise(session, principal=user.principal, person_id=person_id)
    document = privacy.export_person(session, person_id=person_id, actor=user.principal.actor)
    return Response(document.model_dump_json(indent=2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="cauce-persona-{person_id}.json"',
                             "Cache-Control": "no-store"})


@router.get("/people/{person_id}/forget")
def forget_page(person_id: int, request: Request, session: ReadSession, user: Viewer) -> Response:
    """The confirmation step: what will be erased, and the request being honoured (required)."""
    privacy.authorise(session, principal=user.principal, person_id=person_id)
    found = identity.history(session, person_id=person_id, scope=user.scope)
    return render(request, "person_forget.html", {"h": found, "labels": labels})


@router.post("/people/{person_id}/forget")
def forget(person_id: int, request: Request, session: WriteSession, user: Editor,
           reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    privacy.authorise(session, principal=user.principal, person_id=person_id)
    if len(reason.strip()) < 3:
        raise InvalidInput("Escriba la solicitud que atiende (por ejemplo, el número del radicado).")
    result = privacy.forget_person(session, person_id=person_id, actor=user.principal.actor,
                                   reason=reason.strip())
    notice = (f"Datos personales eliminados: {result.mentions} mensajes, {result.cases} casos y "
              f"{result.replies} respuestas anonimizados. El registro de auditoría sigue verificable.")
    return render_person(request, session, user, person_id, notice=notice)
