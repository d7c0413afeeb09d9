"""The person page: the contact history across networks and brands, and identity resolution
(merge proposals with their evidence to confirm or reject, and splitting a handle off)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.cases import lifecycle
from cauce.people import identity
from cauce.people import service as people
from cauce.web.pages import flash_headers
from cauce.web.rendering import render
from cauce.web.session import Editor, ReadSession, Viewer, WebUser, WriteSession

router = APIRouter()

Reason = Annotated[str, Form(max_length=2000)]

EVIDENCE_LABELS = {
    identity.EvidenceKind.SAME_HANDLE.value: "Mismo usuario en varias redes",
    identity.EvidenceKind.CROSS_LINK.value: "Mismo nombre y un enlace a la otra cuenta",
    identity.EvidenceKind.SAME_EMAIL.value: "Mismo correo en mensajes privados",
    identity.EvidenceKind.SAME_PHONE.value: "Mismo teléfono en mensajes privados",
}


def render_person(request: Request, session: Session, user: WebUser, person_id: int, *,
                  headers: dict[str, str] | None = None) -> Response:
    found = identity.history(session, person_id=person_id, scope=user.scope)
    context: dict[str, Any] = {
        "h": found, "labels": labels, "lifecycle": lifecycle, "evidence_labels": EVIDENCE_LABELS,
        "proposals": identity.proposals_for(session, person_id=found.person.id, scope=user.scope),
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
