"""Bulk actions on several cases at once: assign, tag, close, move to an area.

Each case is handled on its own, through the same service calls as the case page, so each one gets
its own audited event and obeys the lifecycle; a case that cannot take the action is reported with
the reason (never silently skipped). Cases of brands the caller may not act on, and ids that do not
exist, are refused per case with the same "not found" answer: the request never learns whether
another brand's case exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record_changes
from cauce.cases import lifecycle
from cauce.cases import service as cases
from cauce.db import utcnow
from cauce.errors import CauceError, InvalidInput
from cauce.vocabulary import BULK_ACTIONS

ACTIONS = tuple(BULK_ACTIONS)
MAX_CASES = 200
TAG_RE = re.compile(r"^[\w][\w-]{0,39}$")
MAX_TAGS = 20


@dataclass
class BulkResult:
    action: str
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # case id -> why


def clean_tag(value: str) -> str:
    tag = "-".join(value.strip().lower().split())
    if not TAG_RE.match(tag):
        raise InvalidInput("Una etiqueta es una palabra de 1 a 40 letras, números o guiones.")
    return tag


def add_tag(session: Session, *, case_id: int, tag: str, actor: Actor, scope: cases.Scope) -> bool:
    """Tag one case (one audited event); False when it already had the tag."""
    case = cases.get(session, case_id=case_id, scope=scope)
    tag = clean_tag(tag)
    if tag in (case.tags or []):
        return False
    if len(case.tags or []) >= MAX_TAGS:
        raise InvalidInput(f"El caso ya tiene {MAX_TAGS} etiquetas.")
    record_changes(session, case, {"tags": sorted({*(case.tags or []), tag}), "updated_at": utcnow()},
                   actor=actor, action="case.tagged", entity_type="case", case_id=case.id, brand_id=case.brand_id)
    return True


def _close(session: Session, *, case_id: int, outcome: str, reason: str, actor: Actor, scope: cases.Scope) -> None:
    cases.transition(session, case_id=case_id, to="cerrado", actor=actor, scope=scope, reason=reason,
                     outcome=outcome)


def apply(session: Session, *, action: str, case_ids: Sequence[int], actor: Actor, scope: cases.Scope,
          user_id: int | None = None, area_id: int | None = None, tag: str | None = None,
          outcome: str | None = None, reason: str | None = None) -> BulkResult:
    """Apply one action to each case; the request's own mistakes (no user, no outcome…) raise
    InvalidInput before any case changes, a case's own refusal is reported in `refused`."""
    if action not in ACTIONS:
        raise InvalidInput("Acción desconocida: asignar, etiquetar, cerrar o mover a un área.")
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise InvalidInput("Seleccione al menos un caso.")
    if len(ids) > MAX_CASES:
        raise InvalidInput(f"Como máximo {MAX_CASES} casos a la vez.")
    reason = (reason or "").strip() or None
    if action == "assign" and user_id is None:
        raise InvalidInput("Elija a quién asignar los casos.")
    if action == "area" and area_id is None:
        raise InvalidInput("Elija el área.")
    if action == "tag":
        tag = clean_tag(tag or "")
    if action == "close":
        if outcome not in lifecycle.OUTCOMES:
            raise InvalidInput("Para cerrar hay que registrar el resultado: la empresa falló, no falló o no aplica.")
        if not reason:
            raise InvalidInput("Indique el motivo del cierre.")
    result = BulkResult(action)
    for case_id in ids:
        try:
            with session.begin_nested():  # a refused case leaves nothing half-changed
                if action == "assign":
                    cases.assign(session, case_id=case_id, actor=actor, scope=scope, user_id=user_id, reason=reason)
                elif action == "area":
                    cases.assign(session, case_id=case_id, actor=actor, scope=scope, area_id=area_id, reason=reason)
                elif action == "tag":
                    assert tag is not None
                    add_tag(session, case_id=case_id, tag=tag, actor=actor, scope=scope)
                else:
                    assert outcome is not None and reason is not None
                    _close(session, case_id=case_id, outcome=outcome, reason=reason, actor=actor, scope=scope)
        except CauceError as exc:
            result.refused[case_id] = exc.message
        else:
            result.done.append(case_id)
    return result
