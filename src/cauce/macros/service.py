"""Macros: the team's saved replies per brand, filled in for one case.

A macro's text may use the placeholders {nombre} (the customer's first name or @handle), {marca},
{agente} (the agent's first name) and {caso} (the case number), and "[tú form|usted form]"
alternations that resolve to the brand's voice. Supervisors and admins write them; every agent of the
brand uses them. The filled text is only a draft: the composer runs it through the tone guard like
any other draft before it can be sent.
"""

from __future__ import annotations

import re
import string
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.brands.models import Brand
from cauce.cases.models import Case
from cauce.db import utcnow
from cauce.errors import Conflict, Forbidden, InvalidInput, NotFound
from cauce.macros.models import Macro

PLACEHOLDERS: dict[str, str] = {
    "nombre": "el nombre del cliente",
    "marca": "el nombre de la marca",
    "agente": "su nombre (quien responde)",
    "caso": "el número del caso",
}
MAX_TITLE = 120
MAX_TEXT = 5000
_ALTERNATION = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")


def _allowed_brands(brand_ids: frozenset[int] | None, brand_id: int) -> bool:
    return brand_ids is None or brand_id in brand_ids


def validate(title: str, text: str) -> tuple[str, str]:
    """Clean a macro's title and text, or InvalidInput with a sentence naming the problem."""
    title = " ".join(title.split())
    text = text.strip()
    if not 2 <= len(title) <= MAX_TITLE:
        raise InvalidInput(f"El título va de 2 a {MAX_TITLE} caracteres.")
    if not 2 <= len(text) <= MAX_TEXT:
        raise InvalidInput(f"El texto va de 2 a {MAX_TEXT} caracteres.")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise InvalidInput("Hay una llave { o } sin cerrar; los marcadores se escriben así: {nombre}.") from None
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise InvalidInput("Marcador desconocido: " + ", ".join("{" + n + "}" for n in unknown)
                           + ". Use " + ", ".join("{" + n + "}" for n in PLACEHOLDERS) + ".")
    return title, text


def list_macros(session: Session, *, brand_ids: frozenset[int] | None, brand_id: int | None = None) -> list[Macro]:
    query = select(Macro).order_by(Macro.brand_id, Macro.title)
    if brand_ids is not None:
        query = query.where(Macro.brand_id.in_(brand_ids))
    if brand_id is not None:
        query = query.where(Macro.brand_id == brand_id)
    return list(session.scalars(query))


def get(session: Session, *, macro_id: int, brand_ids: frozenset[int] | None) -> Macro:
    macro = session.get(Macro, macro_id)
    if macro is None or not _allowed_brands(brand_ids, macro.brand_id):
        raise NotFound(f"No existe la respuesta guardada {macro_id}.")
    return macro


def _need_writer(is_supervisor: bool) -> None:
    if not is_supervisor:
        raise Forbidden("Solo supervisores y administradores editan las respuestas guardadas.")


def _unique(session: Session, brand_id: int, title: str, exclude: int | None = None) -> None:
    query = select(Macro.id).where(Macro.brand_id == brand_id, Macro.title == title)
    if exclude is not None:
        query = query.where(Macro.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(f"Ya hay una respuesta guardada llamada «{title}» en esta marca.")


def create(session: Session, *, brand_id: int, title: str, text: str, actor: Actor, user_id: int | None,
           brand_ids: frozenset[int] | None, is_supervisor: bool) -> Macro:
    if session.get(Brand, brand_id) is None or not _allowed_brands(brand_ids, brand_id):
        raise NotFound(f"No existe la marca {brand_id}.")
    _need_writer(is_supervisor)
    title, text = validate(title, text)
    _unique(session, brand_id, title)
    macro = Macro(brand_id=brand_id, title=title, text=text, created_by_user_id=user_id)
    session.add(macro)
    session.flush()
    record(session, actor=actor, action="macro.created", entity_type="macro", entity_id=macro.id, brand_id=brand_id,
           after={"title": title, "text": text})
    return macro


def update(session: Session, *, macro_id: int, title: str, text: str, actor: Actor,
           brand_ids: frozenset[int] | None, is_supervisor: bool) -> Macro:
    macro = get(session, macro_id=macro_id, brand_ids=brand_ids)
    _need_writer(is_supervisor)
    title, text = validate(title, text)
    _unique(session, macro.brand_id, title, exclude=macro.id)
    record_changes(session, macro, {"title": title, "text": text, "updated_at": utcnow()}, actor=actor,
                   action="macro.updated", entity_type="macro", brand_id=macro.brand_id)
    return macro


def delete(session: Session, *, macro_id: int, actor: Actor, brand_ids: frozenset[int] | None,
           is_supervisor: bool) -> None:
    macro = get(session, macro_id=macro_id, brand_ids=brand_ids)
    _need_writer(is_supervisor)
    record(session, actor=actor, action="macro.deleted", entity_type="macro", entity_id=macro.id,
           brand_id=macro.brand_id, before={"title": macro.title, "text": macro.text})
    session.delete(macro)
    session.flush()


def _first_name(name: str | None, handle: str | None) -> str:
    if name and name.strip():
        return name.strip().split()[0]
    if handle and handle.strip():
        return handle.strip() if handle.strip().startswith("@") else "@" + handle.strip()
    return ""


def fill(macro: Macro, *, case: Case, brand: Brand, customer_name: str | None, customer_handle: str | None,
         agent_name: str | None) -> str:
    """The macro's text for this case: the brand's voice, then the placeholders."""
    if macro.brand_id != case.brand_id:
        raise InvalidInput("Esa respuesta guardada es de otra marca.")
    text = _ALTERNATION.sub(lambda m: m.group(1) if brand.voice != "usted" else m.group(2), macro.text)
    values: dict[str, Any] = {
        "nombre": _first_name(customer_name, customer_handle),
        "marca": brand.name,
        "agente": (agent_name or "").strip().split()[0] if (agent_name or "").strip() else "",
        "caso": f"#{case.id}",
    }
    return text.format_map(values)


def fill_for_case(session: Session, *, macro_id: int, case: Case, brand_ids: frozenset[int] | None,
                  agent_name: str | None) -> str:
    macro = get(session, macro_id=macro_id, brand_ids=brand_ids)
    from cauce.replies import context as reply_context

    brand = session.get(Brand, case.brand_id)
    assert brand is not None
    facts = reply_context.facts_for(session, case)
    return fill(macro, case=case, brand=brand, customer_name=facts.recipient_name,
                customer_handle=facts.recipient_handle, agent_name=agent_name)
