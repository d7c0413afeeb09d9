"""Admin forms that keep what the admin typed: a new brand, the community guidelines and the playbook
policy as fields, and their YAML import/export.

A refused value (InvalidInput, Conflict) re-renders the same page with the message next to the form
and the typed values in place (422), never the full-page error; the write session is rolled back
first so nothing half-saved stays. YAML stays as an export (GET …/guidelines.yaml, …/playbook.yaml)
and an import (POST the same path with a file), for copying a setup between brands or servers.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from cauce.brands import service as brands
from cauce.errors import Conflict, InvalidInput
from cauce.web.session import Editor, ReadSession, Viewer, WebUser, WriteSession
from cauce.web.settings_pages import _done, _form, _page, _require_admin, refused_on_brand

router = APIRouter()

MAX_UPLOAD = 200_000
REFUSED = (InvalidInput, Conflict)
# The playbook policy keys shown as fields: (section, key) -> (label, kind).
PLAYBOOK_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("times", "ask_data_private_minutes"): ("Pedir los datos por privado (minutos)", "int"),
    ("times", "investigation_open_minutes"): ("Abrir la investigación (minutos)", "int"),
    ("times", "hostile_answer_minutes"): ("Responder a un cliente hostil (minutos)", "int"),
    ("times", "hostile_offline_contact_hours"): ("Contactar fuera de redes a un cliente hostil (horas)", "int"),
    ("times", "evidence_minutes"): ("Preservar la evidencia de una amenaza (minutos)", "int"),
    ("times", "follow_up_days"): ("Seguimiento después de resolver (días)", "int"),
    ("times", "satisfaction_survey_hours"): ("Encuesta de satisfacción después de resolver (horas)", "int"),
    ("times", "low_score_threshold"): ("Calificación baja: hasta (1 a 4)", "int"),
    ("moderation", "troll_proposal_min_confidence"): ("Confianza mínima para proponer «troll» (0 a 1)", "float"),
    ("moderation", "heated_anger"): ("Enojo desde el que una conversación está caliente (0 a 1)", "float"),
    ("moderation", "heated_messages"): ("Mensajes seguidos para considerarla caliente", "int"),
}


def _refused(request: Request, session: Any, user: WebUser, brand_id: int, form: str, exc: InvalidInput | Conflict,
             values: dict[str, Any]) -> Response:
    return refused_on_brand(request, session, user, brand_id, form, exc, values)


# --- a new brand ------------------------------------------------------------------------------

@router.post("/settings/brands")
async def add_brand(request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    form = await _form(request)
    try:
        name = " ".join(form.get("name", "").split())
        if not 2 <= len(name) <= 200:
            raise InvalidInput("Escriba el nombre de la marca (2 a 200 caracteres).")
        timezone = form.get("timezone", "").strip() or None
        if timezone:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidInput(f"Zona horaria desconocida «{timezone[:64]}»: use p. ej. America/Bogota.") from None
        brand = brands.create_brand(
            session, name=name, actor=user.principal.actor, country=form.get("country", "").strip() or "CO",
            timezone=timezone, voice=form.get("voice", "tu"),
            handles=brands.clean_list(form.get("handles", ""), "Cuentas"),
            search_terms=brands.clean_list(form.get("search_terms", ""), "Términos de búsqueda") or None)
    except REFUSED as exc:
        session.rollback()
        return _page(request, user, "settings/brands.html", "brands",
                     {"brands": brands.list_brands(session), "errors": {"new_brand": exc.message},
                      "values": {"new_brand": {k: v for k, v in form.items() if k != "csrf_token"}}},
                     status_code=422)
    return _done(f"/settings/brands/{brand.id}")


# --- community guidelines ---------------------------------------------------------------------

def _clauses_from(form_items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The clause rows of the form, in order; a row left blank (no id, title nor text) is dropped."""
    indexes: list[str] = []
    fields: dict[str, dict[str, Any]] = {}
    for key, value in form_items:
        if not isinstance(value, str):
            continue
        if key == "clause_index":
            indexes.append(value)
            continue
        head, _, part = key.rpartition("_")
        if not head.startswith("clause_") or part not in ("id", "title", "text", "actions"):
            continue
        row = fields.setdefault(head.removeprefix("clause_"), {"actions": []})
        if part == "actions":
            row["actions"].append(value)
        else:
            row[part] = value.strip()
    rows = [fields.get(i, {"actions": []}) for i in indexes]
    return [{"id": r.get("id", ""), "title": r.get("title", ""), "text": r.get("text", ""), "actions": r["actions"]}
            for r in rows if r.get("id") or r.get("title") or r.get("text")]


@router.post("/settings/brands/{brand_id}/guidelines")
async def save_guidelines(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    from cauce.playbook import guidelines

    brands.get(session, brand_id=brand_id)
    form = await _form(request)
    clauses = _clauses_from(list((await request.form()).multi_items()))
    try:
        guidelines.publish(session, brand_id=brand_id, clauses=clauses, actor=user.principal.actor,
                           title=form.get("title") or None, user_id=user.principal.user_id)
    except REFUSED as exc:
        return _refused(request, session, user, brand_id, "guidelines", exc,
                        {"title": form.get("title", ""), "clauses": clauses})
    return _done(f"/settings/brands/{brand_id}")


def _yaml_file(text: str, what: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (línea {mark.line + 1})" if mark is not None else ""
        raise InvalidInput(f"{what}: el archivo no es YAML válido{where}.") from None


async def _upload(request: Request) -> str:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("Elija un archivo YAML para importar.")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("El archivo es demasiado grande (máximo 200 kB).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("El archivo debe estar en UTF-8.") from None


def _yaml_response(data: Any, name: str) -> Response:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return Response(body, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/settings/brands/{brand_id}/guidelines.yaml")
def export_guidelines(brand_id: int, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    from cauce.playbook import guidelines

    brand = brands.get(session, brand_id=brand_id)
    current = guidelines.current(session, brand_id=brand_id)
    return _yaml_response({"title": current.title, "clauses": current.as_dict()["clauses"]},
                          f"normas-{brand.slug}.yaml")


@router.post("/settings/brands/{brand_id}/guidelines.yaml")
async def import_guidelines(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    from cauce.playbook import guidelines

    brands.get(session, brand_id=brand_id)
    try:
        data = _yaml_file(await _upload(request), "Normas")
        clauses = data.get("clauses") if isinstance(data, dict) else data
        title = data.get("title") if isinstance(data, dict) else None
        if not isinstance(clauses, list):
            raise InvalidInput("El archivo de normas debe tener una lista «clauses» (id, title, text, actions).")
        guidelines.publish(session, brand_id=brand_id, clauses=clauses, actor=user.principal.actor,
                           title=str(title) if title else None, user_id=user.principal.user_id)
    except REFUSED as exc:
        return _refused(request, session, user, brand_id, "guidelines_import", exc, {})
    return _done(f"/settings/brands/{brand_id}")


# --- playbook policy --------------------------------------------------------------------------

def _number(raw: str, label: str, kind: str) -> int | float:
    text = raw.strip().replace(",", ".") if kind == "float" else raw.strip()
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise InvalidInput(f"«{label}»: escriba un número{' entero' if kind == 'int' else ''}.") from None


@router.post("/settings/brands/{brand_id}/playbook")
async def save_playbook(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    from cauce.playbook import policy as playbook_policy

    brands.get(session, brand_id=brand_id)
    form = await _form(request)
    typed = {f"{section}.{key}": form.get(f"{section}.{key}", "") for section, key in PLAYBOOK_FIELDS}
    try:
        current = playbook_policy.effective_policy(session, brand_id=brand_id).model_dump()
        changes: dict[str, dict[str, Any]] = {}
        for (section, key), (label, kind) in PLAYBOOK_FIELDS.items():
            value = _number(typed[f"{section}.{key}"], label, kind)
            if value != current[section][key]:  # only what changed becomes an override
                changes.setdefault(section, {})[key] = value
        if changes:
            playbook_policy.update_overrides(session, brand_id=brand_id, changes=changes,
                                             actor=user.principal.actor)
    except REFUSED as exc:
        return _refused(request, session, user, brand_id, "playbook", exc, typed)
    return _done(f"/settings/brands/{brand_id}")


@router.get("/settings/brands/{brand_id}/playbook.yaml")
def export_playbook(brand_id: int, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    from cauce.playbook import policy as playbook_policy

    brand = brands.get(session, brand_id=brand_id)
    return _yaml_response(playbook_policy.overrides_of(session, brand_id=brand_id), f"protocolo-{brand.slug}.yaml")


@router.post("/settings/brands/{brand_id}/playbook.yaml")
async def import_playbook(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    from cauce.playbook import policy as playbook_policy

    brands.get(session, brand_id=brand_id)
    try:
        overrides = _yaml_file(await _upload(request), "Política del protocolo")
        if not isinstance(overrides, dict):
            raise InvalidInput("La política del protocolo debe ser un objeto (clave: valor).")
        playbook_policy.update_overrides(session, brand_id=brand_id, changes=overrides, actor=user.principal.actor,
                                         replace=True)
    except REFUSED as exc:
        return _refused(request, session, user, brand_id, "playbook_import", exc, {})
    return _done(f"/settings/brands/{brand_id}")
