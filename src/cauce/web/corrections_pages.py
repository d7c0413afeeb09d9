"""Correcting triage from the case view and the inbox (`c` opens the dialog), and the learning curve."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from cauce import vocabulary as labels
from cauce.app_deps.openapi import PathId
from cauce.cases import service as cases
from cauce.corrections import service as corrections
from cauce.corrections.api import learning_curve
from cauce.corrections.fields import FIELDS, Access, Kind
from cauce.errors import Forbidden, NotFound
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.web.pages import flash_headers
from cauce.web.rendering import gettext_for, render
from cauce.web.session import Editor, ReadSession, Viewer, WebUser, WriteSession

router = APIRouter()

SENTIMENTS = {"negativo": "Negativo", "neutro": "Neutro", "positivo": "Positivo"}
CHOICE_LABELS: dict[str, dict[str, str]] = {"pqr_type": labels.PQR_TYPES, "category": labels.CATEGORIES,
                                            "sentiment": SENTIMENTS, "author_role": labels.ROLES}
NO_CATEGORY = ""


def _rows(mention: Mention, user: WebUser) -> list[dict[str, Any]]:
    """The dialog's fields: name, label, current value, options (value, label)."""
    out = []
    for name, field in FIELDS.items():
        if field.access is Access.SUPERVISOR and not user.is_supervisor:
            continue
        current = field.current(mention)
        if field.kind is Kind.FLAG:
            options = [("true", "Sí"), ("false", "No")]
            value = "true" if current else "false"
        else:
            names = CHOICE_LABELS.get(name, {})
            options = [(c, names.get(c, c)) for c in field.choices]
            value = current if current is not None else NO_CATEGORY
            if current is None:
                options = [(NO_CATEGORY, "—"), *options]
        out.append({"name": name, "label": field.label, "value": value, "options": options})
    return out


def _dialog(request: Request, mention: Mention, user: WebUser) -> Response:
    return render(request, "corrections/_dialog.html", {"mention": mention, "rows": _rows(mention, user)})


@router.get("/mentions/{mention_id}/correction")
def correction_dialog(mention_id: PathId, request: Request, session: ReadSession, user: Viewer) -> Response:
    mention = corrections.mention_in_scope(session, mention_id=mention_id, scope=user.scope)
    return _dialog(request, mention, user)


@router.get("/cases/{case_id}/correction")
def case_correction_dialog(case_id: PathId, request: Request, session: ReadSession, user: Viewer) -> Response:
    """From the inbox: the case's newest message of its own customer."""
    case = cases.get(session, case_id=case_id, scope=user.scope)
    own = mentions.customer_mentions_of_case(session, case_id=case.id)
    if not own:
        raise NotFound(f"El caso {case_id} no tiene mensajes del cliente.")
    return _dialog(request, own[-1], user)


@router.post("/mentions/{mention_id}/correction")
async def correct_from_dialog(mention_id: PathId, request: Request, session: WriteSession, user: Editor,
                              reason: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    form = await request.form()
    values: dict[str, Any] = {}
    mention = corrections.mention_in_scope(session, mention_id=mention_id, scope=user.scope)
    for name, field in FIELDS.items():
        raw = form.get(name)
        if not isinstance(raw, str) or raw == NO_CATEGORY:
            continue
        if field.access is Access.SUPERVISOR and not user.is_supervisor:
            continue
        current = field.current(mention)
        shown = ("true" if current else "false") if field.kind is Kind.FLAG else current
        if raw != shown:  # only what the agent changed
            values[name] = raw
    _ = gettext_for(request)
    if not values:
        return Response(status_code=204, headers=flash_headers(_("Sin cambios.")))
    result = corrections.correct(session, mention_id=mention_id, values=values, who=user.principal,
                                 scope=user.scope, reason=reason or None)
    message = _("Corrección guardada: el triage aprenderá de ella.") if result.changed else _("Sin cambios.")
    return Response(status_code=204, headers=flash_headers(message) | {"HX-Refresh": "true"})


def _require_supervisor(user: WebUser) -> None:
    if not user.is_supervisor:
        raise Forbidden("La curva de aprendizaje es solo para supervisión y administración.")


@router.get("/reports/learning")
def learning_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_supervisor(user)
    brand_id = _int(request.query_params.get("brand"))
    brands = list(user.brands)
    brand = next((b for b in brands if b.id == brand_id), None) if brand_id is not None else \
        (brands[0] if brands else None)
    if brand is None:
        raise NotFound(f"No existe la marca {brand_id}.")
    organisation_id = corrections.organisation_of_brand(session, brand_id=brand.id, scope=user.scope)
    curve = learning_curve(session, organisation_id=organisation_id)
    return render(request, "corrections/learning.html", {"brand": brand, "brands": brands, "curve": curve})


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


