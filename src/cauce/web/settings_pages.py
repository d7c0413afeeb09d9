"""Admin settings: brands (profile, SLA and legal terms, business hours and holidays, areas, playbook
policy, community guidelines), channel accounts and users.

Plain HTML forms (CSRF token in the form) that post, change through an audited service and
redirect back (303) with a confirmation. A refused value (InvalidInput, Conflict) re-renders the
same page with the message next to its form and what was typed in place; anything else is the
Spanish error page.
"""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from cauce import vocabulary as labels
from cauce.app_deps.deps import SESSION_COOKIE
from cauce.app_deps.openapi import PathId
from cauce.audit.service import record_changes
from cauce.auth import service as auth
from cauce.brands import channels, triage_settings
from cauce.brands import service as brands
from cauce.brands.models import ChannelAccount
from cauce.brands.policy import DEFAULT_RESOLUTION_BUSINESS_HOURS, WEEKDAYS, load_policy
from cauce.cases import calendar
from cauce.cases import service as cases
from cauce.cases.models import Area
from cauce.connectors import construction
from cauce.db import utcnow
from cauce.errors import Conflict, Forbidden, InvalidInput, NotFound
from cauce.web.rendering import render
from cauce.web.session import Editor, ReadSession, Viewer, WebUser, WriteSession

router = APIRouter()

MAX_TEXT = 100_000
WEEKDAY_LABELS = {"mon": "Lunes", "tue": "Martes", "wed": "Miércoles", "thu": "Jueves", "fri": "Viernes",
                  "sat": "Sábado", "sun": "Domingo"}
SECTIONS = {"brands": "Marcas", "channels": "Canales", "users": "Usuarios"}
CHANNEL_KINDS = ("mastodon", "bluesky", "rss", "telegram", "x", "meta", "email", "webhook", "demo")


def _require_admin(user: WebUser) -> None:
    if user.principal.role != "admin":
        raise Forbidden("La configuración es solo para administración.")


def _done(target: str) -> RedirectResponse:
    return RedirectResponse(f"{target}?ok=1", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise InvalidInput("El texto enviado es demasiado largo (máximo 100 000 caracteres).")
            out[key] = value
    return out


def _int(value: str | None, what: str, *, low: int, high: int) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{what}: escriba un número entero.") from None
    if not low <= number <= high:
        raise InvalidInput(f"{what}: debe estar entre {low} y {high}.")
    return number


def _yaml(text: str, what: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (línea {mark.line + 1})" if mark is not None else ""
        raise InvalidInput(f"{what}: el texto no es YAML válido{where}.") from None


def _policy_error(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ()))
    return InvalidInput(f"Política inválida en {field or 'el formulario'}: {first.get('msg', '')}.")


def _page(request: Request, user: WebUser, template: str, section: str, context: dict[str, Any], *,
          status_code: int = 200) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.update(section=section, sections=SECTIONS, saved=request.query_params.get("ok") == "1",
                   labels=labels)
    return render(request, template, context, status_code=status_code)


def refused_on_brand(request: Request, session: Any, user: WebUser, brand_id: int, form: str,
                     exc: InvalidInput | Conflict, values: dict[str, Any], *, status_code: int = 422) -> Response:
    """The brand page again, with `exc` next to the form `form` and `values` (what was typed) in its
    fields; the write session is rolled back first so nothing half-saved stays."""
    session.rollback()
    context = brand_context(session, brand_id)
    context.update(errors={form: exc.message}, values={form: values})
    return _page(request, user, "settings/brand.html", "brands", context, status_code=status_code)


def _typed(form: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: form.get(k, "") for k in keys}


# --- brands -----------------------------------------------------------------------------------

@router.get("/settings")
def settings_home(user: Viewer) -> Response:
    _require_admin(user)
    return RedirectResponse("/settings/brands", status_code=303)


@router.get("/settings/brands")
def brand_list(request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    return _page(request, user, "settings/brands.html", "brands", {"brands": brands.list_brands(session)})


@router.get("/settings/brands/{brand_id}")
def brand_page(brand_id: int, request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    return _page(request, user, "settings/brand.html", "brands", brand_context(session, brand_id))


def _triage_form(raw: dict[str, Any]) -> dict[str, str]:
    """The stored triage settings as the form shows them (one term per line, categories in YAML)."""
    settings = triage_settings.load(raw)
    categories = {c.name: list(c.examples) for c in settings.categories}
    return {"terms": "\n".join(settings.terms), "exclusion_terms": "\n".join(settings.exclusion_terms),
            "homonyms": "\n".join(settings.homonyms),
            "categories": yaml.safe_dump(categories, allow_unicode=True, sort_keys=False, width=100)
            if categories else ""}


def brand_context(session: Any, brand_id: int, *, triage_form: dict[str, str] | None = None,
                  triage_error: str | None = None) -> dict[str, Any]:
    """Everything the brand page shows (also re-rendered with inline errors by settings_forms and the
    triage form)."""
    brand = brands.get(session, brand_id=brand_id)
    policy = load_policy(brand.policy)
    context: dict[str, Any] = {
        "brand": brand, "policy": policy, "weekdays": WEEKDAYS, "weekday_labels": WEEKDAY_LABELS,
        "pqr_types": list(DEFAULT_RESOLUTION_BUSINESS_HOURS), "areas": cases.areas_of(session, brand_id=brand.id),
        "holidays": calendar.next_holidays(brand.country, today=utcnow().date()),
        "guidelines": None, "guidelines_yaml": "", "playbook_yaml": None,
        "triage_form": triage_form or _triage_form(brand.triage_settings), "triage_error": triage_error,
    }
    try:
        from cauce.playbook import guidelines
        from cauce.playbook import policy as playbook_policy
    except ImportError:
        pass
    else:
        current = guidelines.current(session, brand_id=brand.id)
        context["guidelines"] = current
        context["guidelines_yaml"] = yaml.safe_dump([dict(c.__dict__, actions=list(c.actions))
                                                     for c in current.clauses],
                                                    allow_unicode=True, sort_keys=False, width=100)
        context["playbook_yaml"] = yaml.safe_dump(playbook_policy.overrides_of(session, brand_id=brand.id),
                                                  allow_unicode=True, sort_keys=False, width=100)
        context["playbook"] = playbook_policy.effective_policy(session, brand_id=brand.id).model_dump()
        from cauce.web.settings_forms import PLAYBOOK_FIELDS

        context["playbook_fields"] = PLAYBOOK_FIELDS
    return context


@router.post("/settings/brands/{brand_id}/triage")
async def save_triage(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    """Relevance terms, exclusion terms, homonyms and the brand's own categories; on an error the
    page comes back with what was typed and the reason (nothing is saved)."""
    _require_admin(user)
    brands.get(session, brand_id=brand_id)  # 404 before reading anything else
    form = await _form(request)
    typed = {k: form.get(k, "") for k in ("terms", "exclusion_terms", "homonyms", "categories")}
    try:
        settings = {
            "terms": brands.clean_list(typed["terms"], "Términos de la marca"),
            "exclusion_terms": brands.clean_list(typed["exclusion_terms"], "Términos de exclusión"),
            "homonyms": brands.clean_list(typed["homonyms"], "Homónimos"),
            "categories": triage_settings.categories_from_mapping(_yaml(typed["categories"], "Categorías")),
        }
        brands.update_triage_settings(session, brand_id=brand_id, settings=settings, actor=user.principal.actor)
    except InvalidInput as exc:
        return _page(request, user, "settings/brand.html", "brands",
                     brand_context(session, brand_id, triage_form=typed, triage_error=exc.message), status_code=422)
    return _done(f"/settings/brands/{brand_id}")


@router.post("/settings/brands/{brand_id}/profile")
async def save_profile(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    brands.get(session, brand_id=brand_id)  # 404 before reading anything else
    form = await _form(request)
    try:
        brands.update_brand_profile(
            session, brand_id=brand_id, actor=user.principal.actor, name=form.get("name"), voice=form.get("voice"),
            country=form.get("country"), timezone=form.get("timezone"),
            handles=brands.clean_list(form.get("handles", ""), "Cuentas"),
            search_terms=brands.clean_list(form.get("search_terms", ""), "Términos de búsqueda"))
    except (InvalidInput, Conflict) as exc:
        return refused_on_brand(request, session, user, brand_id, "profile", exc,
                                _typed(form, "name", "voice", "country", "timezone", "handles", "search_terms"))
    return _done(f"/settings/brands/{brand_id}")


@router.post("/settings/brands/{brand_id}/policy")
async def save_policy(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    brands.get(session, brand_id=brand_id)
    form = await _form(request)
    try:
        changes: dict[str, Any] = {
            "first_response_minutes": _int(form.get("first_response_minutes"), "Primera respuesta", low=1,
                                           high=1440),
            "next_response_minutes": _int(form.get("next_response_minutes"), "Siguiente respuesta", low=1,
                                          high=10080),
            "resolution_business_hours": {
                t: _int(form.get(f"resolution_{t}"), f"Resolución ({labels.label(labels.PQR_TYPES, t)})", low=1,
                        high=2000) for t in DEFAULT_RESOLUTION_BUSINESS_HOURS},
            "legal_pqrs": form.get("legal_pqrs") == "on",
            # Habeas data: days a closed case keeps personal data before the retention sweep (empty: no limit).
            "retention_days": _int(form.get("retention_days"), "Conservación de datos", low=1, high=36_500)
            if (form.get("retention_days") or "").strip() else None,
        }
        try:
            brands.update_policy(session, brand_id=brand_id, changes=changes, actor=user.principal.actor)
        except ValidationError as exc:
            raise _policy_error(exc) from None
    except (InvalidInput, Conflict) as exc:
        typed = _typed(form, "first_response_minutes", "next_response_minutes", "retention_days",
                       *(f"resolution_{t}" for t in DEFAULT_RESOLUTION_BUSINESS_HOURS))
        typed["legal_pqrs"] = "on" if form.get("legal_pqrs") == "on" else ""
        return refused_on_brand(request, session, user, brand_id, "policy", exc, typed)
    return _done(f"/settings/brands/{brand_id}")


@router.post("/settings/brands/{brand_id}/hours")
async def save_hours(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    brands.get(session, brand_id=brand_id)
    form = await _form(request)
    try:
        hours: dict[str, str] = {}
        for day in WEEKDAYS:
            if form.get(f"open_{day}") == "on":
                start, end = form.get(f"start_{day}", "").strip(), form.get(f"end_{day}", "").strip()
                if not start or not end:
                    raise InvalidInput(f"{WEEKDAY_LABELS[day]}: indique la hora de apertura y la de cierre.")
                hours[day] = f"{start}-{end}"
        if not hours:
            raise InvalidInput("Marque al menos un día hábil.")
        try:
            brands.update_policy(session, brand_id=brand_id, changes={"business_hours": hours},
                                 actor=user.principal.actor)
        except ValidationError as exc:
            raise _policy_error(exc) from None
        if form.get("country"):
            brands.update_brand_profile(session, brand_id=brand_id, actor=user.principal.actor,
                                        country=form["country"])
    except (InvalidInput, Conflict) as exc:
        typed = {k: v for k, v in form.items() if k != "csrf_token"}
        typed["typed"] = "1"  # the template shows unticked days as typed, not as stored
        return refused_on_brand(request, session, user, brand_id, "hours", exc, typed)
    return _done(f"/settings/brands/{brand_id}")


@router.post("/settings/brands/{brand_id}/areas")
async def add_area(brand_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    brands.get(session, brand_id=brand_id)
    form = await _form(request)
    try:
        name = form.get("name", "").strip()
        if not name:
            raise InvalidInput("Indique el nombre del área.")
        slug = brands.slugify(name)
        if any(a.slug == slug for a in cases.areas_of(session, brand_id=brand_id)):
            raise InvalidInput(f"La marca ya tiene un área «{name[:80]}».")
        cases.create_area(session, brand_id=brand_id, name=name[:200], slug=slug,
                          investigation_hours=_int(form.get("investigation_hours"), "Horas", low=1, high=1440),
                          categories=[c for c in brands.clean_list(form.get("categories", ""), "Categorías")
                                      if c in labels.CATEGORIES], actor=user.principal.actor)
    except (InvalidInput, Conflict) as exc:
        return refused_on_brand(request, session, user, brand_id, "new_area", exc,
                                _typed(form, "name", "investigation_hours", "categories"))
    return _done(f"/settings/brands/{brand_id}")


@router.post("/settings/areas/{area_id}")
async def save_area(area_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"No existe el área {area_id}.")
    brand_id = area.brand_id
    form = await _form(request)
    try:
        cases.update_area(session, area_id=area_id, actor=user.principal.actor, name=form.get("name"),
                          investigation_hours=_int(form.get("investigation_hours"), "Horas", low=1, high=1440))
    except (InvalidInput, Conflict) as exc:
        return refused_on_brand(request, session, user, brand_id, f"area_{area_id}", exc,
                                _typed(form, "name", "investigation_hours"))
    return _done(f"/settings/brands/{brand_id}")


# --- channel accounts ---------------------------------------------------------------------------

def _pairs(text: str, what: str) -> dict[str, str]:
    """'clave = valor' lines (credentials and settings typed by a person)."""
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{what}, línea {n}: use «clave = valor».")
        out[key.strip()] = value.strip()
    return out


def _channel_status(view: channels.ChannelView) -> str:
    """What the list says: "Funciona" only for an enabled, healthy channel with no error to show."""
    if not view.enabled:
        return "paused"
    if not view.healthy:
        return "failing"
    return "warning" if view.last_error else "ok"


def _lines(values: dict[str, Any]) -> str:
    return "\n".join(f"{k} = {'true' if v is True else 'false' if v is False else v}" for k, v in values.items()
                     if k != channels.DELETED_KEY)


def _channel_page(request: Request, session: Session, user: WebUser, *, form: dict[str, str] | None = None,
                  error: str | None = None, editing: ChannelAccount | None = None) -> Response:
    brand_names = {b.id: b.name for b in brands.list_brands(session)}
    views = [channels.view(c) for c in channels.list_channels(session)]
    kinds = {k: construction.needs(k) for k in CHANNEL_KINDS}
    context: dict[str, Any] = {"channels": views, "brand_names": brand_names, "kinds": kinds, "form": form or {},
                               "error": error, "statuses": {v.id: _channel_status(v) for v in views},
                               "editing": channels.view(editing) if editing is not None else None}
    template = "settings/channel_edit.html" if editing is not None else "settings/channels.html"
    return _page(request, user, template, "channels", context) if error is None else \
        _error_page(request, user, template, context)


def _error_page(request: Request, user: WebUser, template: str, context: dict[str, Any]) -> Response:
    context.update(section="channels", sections=SECTIONS, saved=False, labels=labels)
    return render(request, template, context, status_code=422)


@router.get("/settings/channels")
def channel_list(request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    return _channel_page(request, session, user)


def _typed_settings(kind: str, text: str) -> dict[str, Any]:
    """«clave = valor» lines stored with their field's type (`read_dms = false` is the boolean false)."""
    pairs = _pairs(text, "Configuración")
    if not pairs or kind in construction.STREAM_ONLY_KINDS:
        return dict(pairs)
    credentials, settings = construction.split_options(kind, pairs)
    return {**settings, **credentials}


@router.post("/settings/channels")
async def add_channel(request: Request, session: WriteSession, user: Editor) -> Response:
    """Add a channel after a real connection test; a failing test keeps what was typed and saves
    nothing, unless «guardar aunque falle» is ticked (then the channel is stored as failing)."""
    _require_admin(user)
    form = await _form(request)
    try:
        brand = brands.get(session, brand_id=_int(form.get("brand_id"), "Marca", low=1, high=2**31))
        kind = form.get("kind", "").strip().lower()
        credentials = _pairs(form.get("credentials", ""), "Credenciales")
        settings = _typed_settings(kind, form.get("settings", ""))
        base_url = form.get("base_url", "").strip() or None
        if kind not in CHANNEL_KINDS:
            raise InvalidInput("Elija el tipo de canal.")
        construction.validate(brand, kind, base_url, settings, credentials)
        problem = construction.connection_problem(brand, kind, base_url=base_url, settings=settings,
                                                  credentials=credentials)
        if problem is not None and form.get("save_anyway") != "1":
            return _channel_page(request, session, user, form=form,
                                 error=f"La prueba de conexión falló: {problem}. No se guardó el canal.")
        channel = construction.add_channel(session, brand=brand, kind=kind, name=form.get("name"), base_url=base_url,
                                           credentials=credentials, settings=settings, actor=user.principal.actor)
    except (InvalidInput, Conflict, NotFound) as exc:
        return _channel_page(request, session, user, form=form, error=exc.message)
    if problem is not None:
        channels.mark_unhealthy(session, channel, error=problem, actor=user.principal.actor, alert=False)
    return _done("/settings/channels")


@router.get("/settings/channels/{channel_id}/edit")
def channel_edit(channel_id: PathId, request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    channel = _live_channel(session, channel_id)
    form = {"name": channel.name, "base_url": channel.base_url or "", "settings": _lines(channel.settings or {})}
    return _channel_page(request, session, user, form=form, editing=channel)


def _live_channel(session: Session, channel_id: int) -> ChannelAccount:
    channel = channels.get_channel(session, channel_id)
    if channels.is_deleted(channel):
        raise NotFound(f"No existe el canal {channel_id}.")
    return channel


@router.post("/settings/channels/{channel_id}")
async def channel_save(channel_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    """Save an edited channel: settings typed here replace the stored ones; credentials left blank
    are kept. The new configuration is tested first; a failure keeps the typed input."""
    _require_admin(user)
    channel = _live_channel(session, channel_id)
    form = await _form(request)
    try:
        brand = brands.get(session, brand_id=channel.brand_id)
        typed = _pairs(form.get("credentials", ""), "Credenciales")
        credentials = {**channels.decrypt_credentials(channel.credentials_encrypted), **typed}
        settings = _typed_settings(channel.kind, form.get("settings", ""))
        base_url = form.get("base_url", "").strip() or None
        construction.validate(brand, channel.kind, base_url, settings, credentials)
        problem = construction.connection_problem(brand, channel.kind, base_url=base_url, settings=settings,
                                                  credentials=credentials)
        if problem is not None and form.get("save_anyway") != "1":
            return _channel_page(request, session, user, form=form, editing=channel,
                                 error=f"La prueba de conexión falló: {problem}. No se guardaron los cambios.")
        name = form.get("name", "").strip()
        if name != channel.name and name:
            construction.update_channel(session, channel_id=channel.id, actor=user.principal.actor, name=name)
        record_changes(session, channel, {"base_url": base_url, "settings": settings}, actor=user.principal.actor,
                       action="channel.updated", entity_type="channel", brand_id=channel.brand_id)
        if typed:
            construction.update_channel(session, channel_id=channel.id, actor=user.principal.actor,
                                        credentials=typed)
    except (InvalidInput, Conflict, NotFound) as exc:
        return _channel_page(request, session, user, form=form, editing=channel, error=exc.message)
    if problem is None:
        channels.mark_healthy(session, channel, actor=user.principal.actor)
    else:
        channels.mark_unhealthy(session, channel, error=problem, actor=user.principal.actor, alert=False)
    return _done("/settings/channels")


@router.post("/settings/channels/{channel_id}/enabled")
async def toggle_channel(channel_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    """Pause (stop polling and answering through it) or resume a channel."""
    _require_admin(user)
    _live_channel(session, channel_id)
    form = await _form(request)
    construction.update_channel(session, channel_id=channel_id, actor=user.principal.actor,
                                enabled=form.get("enabled") == "1")
    return _done("/settings/channels")


@router.post("/settings/channels/{channel_id}/delete")
async def delete_channel(channel_id: PathId, request: Request, session: WriteSession, user: Editor) -> Response:
    """Soft delete: mentions, replies, cursor and audit trail stay; the channel is never polled again."""
    _require_admin(user)
    _live_channel(session, channel_id)
    await _form(request)
    channels.delete_channel(session, channel_id=channel_id, actor=user.principal.actor, now=utcnow())
    return _done("/settings/channels")


# --- users ------------------------------------------------------------------------------------

def _brand_ids(form_items: list[tuple[str, Any]]) -> list[int]:
    out = []
    for key, value in form_items:
        if key == "brand_ids" and isinstance(value, str) and value.isdigit():
            out.append(int(value))
    return out


def _users_context(session: Any) -> dict[str, Any]:
    users = auth.list_users(session)
    return {"users": users, "memberships": auth.brands_of_users(session),
            "brands": brands.list_brands(session), "roles": auth.ROLES,
            "tokens": auth.list_api_tokens(session), "token_status": auth.token_status,
            "emails": {u.id: u.email for u in users}}


@router.get("/settings/users")
def user_list(request: Request, session: ReadSession, user: Viewer) -> Response:
    _require_admin(user)
    return _page(request, user, "settings/users.html", "users", _users_context(session))


@router.post("/settings/users")
async def create_user(request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    form = await _form(request)
    raw = await request.form()
    brand_ids = _brand_ids(list(raw.multi_items()))
    try:
        if form.get("role", "") in ("agent", "supervisor") and not brand_ids:
            raise InvalidInput("Marque al menos una marca: sin marca, un agente o supervisor no ve ningún caso.")
        auth.create_user(session, email=form.get("email", ""), name=form.get("name", ""), role=form.get("role", ""),
                         password=form.get("password", ""), brand_ids=brand_ids, actor=user.principal.actor)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        kept = {k: v for k, v in form.items() if k not in ("password", "csrf_token")}
        kept["brand_ids"] = brand_ids  # type: ignore[assignment]
        return _page(request, user, "settings/users.html", "users",
                     {**_users_context(session), "errors": {"new_user": exc.message}, "values": {"new_user": kept}},
                     status_code=422)
    return _done("/settings/users")


@router.post("/settings/tokens/{token_id}/revoke")
async def revoke_any_token(token_id: int, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    auth.revoke_api_token(session, token_id=token_id, actor=user.principal.actor)
    return _done("/settings/users")


@router.post("/settings/users/{user_id}")
async def save_user(user_id: int, request: Request, session: WriteSession, user: Editor) -> Response:
    _require_admin(user)
    form = await _form(request)
    raw = await request.form()
    brand_ids = _brand_ids(list(raw.multi_items()))
    try:
        auth.update_user(session, user_id=user_id, actor=user.principal.actor,
                         acting_user_id=user.principal.user_id, role=form.get("role"),
                         active=form.get("active") == "on")
        auth.set_user_brands(session, user_id=user_id, brand_ids=brand_ids, actor=user.principal.actor)
    except (InvalidInput, Conflict) as exc:
        # The row comes back as the admin left it, with the reason above the table.
        session.rollback()
        kept = {"role": form.get("role", ""), "active": form.get("active") == "on", "brand_ids": brand_ids}
        return _page(request, user, "settings/users.html", "users",
                     {**_users_context(session), "errors": {"users": exc.message, f"user_{user_id}": exc.message},
                      "values": {f"user_{user_id}": kept}}, status_code=exc.status_code)
    return _done("/settings/users")



# --- my account (every signed-in user): password and API tokens ---------------------------------

def _account(request: Request, session: Any, user: WebUser, *, new_token: str | None = None,
             status_code: int = 200, errors: dict[str, str] | None = None,
             values: dict[str, Any] | None = None) -> Response:
    return render(request, "settings/account.html", {
        "tokens": auth.list_api_tokens(session, user_id=user.principal.user_id), "token_status": auth.token_status,
        "new_token": new_token, "default_days": request.app.state.settings.api_token_days,
        "saved": request.query_params.get("ok") == "1", "errors": errors or {}, "values": values or {}},
        status_code=status_code)


@router.get("/settings/account")
def account_page(request: Request, session: ReadSession, user: Viewer) -> Response:
    return _account(request, session, user)


@router.post("/settings/account/password")
async def change_password(request: Request, session: WriteSession, user: Editor) -> Response:
    form = await _form(request)
    try:
        auth.change_password(session, user_id=user.principal.user_id, new_password=form.get("new_password", ""),
                             current_password=form.get("current_password", ""), actor=user.principal.actor,
                             keep_session=request.cookies.get(SESSION_COOKIE))
    except (InvalidInput, Conflict) as exc:
        session.rollback()  # passwords are never sent back into the page
        return _account(request, session, user, status_code=exc.status_code, errors={"password": exc.message})
    return _done("/settings/account")


@router.post("/settings/account/tokens")
async def create_token(request: Request, session: WriteSession, user: Editor) -> Response:
    form = await _form(request)
    scopes = ["read", "write"] if form.get("scope") == "write" else ["read"]
    try:
        days = _int(form.get("days"), "Vigencia", low=1, high=auth.MAX_TOKEN_DAYS)
        secret = auth.create_api_token(session, user_id=user.principal.user_id, name=form.get("name", ""),
                                       actor=user.principal.actor, scopes=scopes, days=days)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _account(request, session, user, status_code=exc.status_code, errors={"token": exc.message},
                        values={"token": _typed(form, "name", "scope", "days")})
    session.flush()
    # Shown once, in this response only (never in a URL or a redirect).
    return _account(request, session, user, new_token=secret, status_code=201)


@router.post("/settings/account/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, session: WriteSession, user: Editor) -> Response:
    auth.revoke_api_token(session, token_id=token_id, actor=user.principal.actor, owner_id=user.principal.user_id)
    return _done("/settings/account")
