"""Correcting a mention's triage: update the mention (and its case), audit it, keep it as an example.

Authorised by the mention's brand (other brands' and missing mentions answer the same 404). Agents
correct the text fields; the author's role is a supervisor's decision, as in the role proposals of
`playbook.moderation` (a corrected role is the mention's label, not a moderation action).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record
from cauce.auth.service import Principal
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.corrections.fields import FIELDS, FLAG_FIELDS, Access, as_text, implied
from cauce.corrections.models import AdapterRun, TriageExample
from cauce.errors import Forbidden, InvalidInput, NotFound
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention

# Fields of a mention the case takes from its customer's own messages (cases.rederive_from_own).
_CASE_FIELDS = {"pqr_type": "pqr_type", "category": "category", "author_role": "author_role",
                **dict.fromkeys(FLAG_FIELDS, "flags")}


@dataclass(frozen=True)
class Correction:
    mention_id: int
    case_id: int | None
    changed: dict[str, tuple[Any, Any]]  # field -> (old, new), implied changes included
    example_ids: tuple[int, ...]
    case_changes: dict[str, Any]


def mention_in_scope(session: Session, *, mention_id: int, scope: Scope = ALL_BRANDS) -> Mention:
    mention = mentions.get(session, mention_id=mention_id)
    if mention is None or not scope.allows(mention.brand_id):
        raise NotFound(f"No existe la mención {mention_id}.")
    return mention


def current_values(mention: Mention) -> dict[str, Any]:
    return {name: field.current(mention) for name, field in FIELDS.items()}


def _parse(values: Mapping[str, Any], who: Principal) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, raw in values.items():
        field = FIELDS.get(name)
        if field is None:
            raise InvalidInput(f"Campo que no se puede corregir: {name}.")
        if field.access is Access.SUPERVISOR and not who.is_supervisor:
            raise Forbidden(f"Solo un supervisor corrige el campo {field.label.lower()} (PLAYBOOK §7).")
        try:
            parsed[name] = field.parse(raw)
        except ValueError as exc:
            allowed = ", ".join(field.choices)
            raise InvalidInput(f"Valor inválido para {field.label.lower()}: {raw!r} (use {allowed}).") from exc
    if not parsed:
        raise InvalidInput("Indique al menos un campo que corregir.")
    return parsed


def correct(session: Session, *, mention_id: int, values: Mapping[str, Any], who: Principal,
            scope: Scope = ALL_BRANDS, reason: str | None = None) -> Correction:
    """Apply an agent's correction of a mention's triage fields."""
    mention = mention_in_scope(session, mention_id=mention_id, scope=scope)
    explicit = _parse(values, who)
    wanted = dict(explicit)
    for name, value in explicit.items():
        for other, implied_value in implied(name, value, mention).items():
            wanted.setdefault(other, implied_value)
    changed: dict[str, tuple[Any, Any]] = {}
    assessment = dict(mention.assessment or {})
    for name, value in wanted.items():
        field = FIELDS[name]
        old = field.current(mention)
        if old == value:
            continue
        changed[name] = (old, value)
        if field.column is not None:
            setattr(mention, field.column, value)
        assessment[field.key] = value
    if not changed:
        return Correction(mention.id, mention.case_id, {}, (), {})
    assessment["corrected"] = sorted(set(assessment.get("corrected", [])) | set(changed))
    mention.assessment = assessment
    actor = who.actor
    record(session, actor=actor, action="mention.triage_corrected", entity_type="mention", entity_id=mention.id,
           before={k: v[0] for k, v in changed.items()}, after={k: v[1] for k, v in changed.items()},
           reason=reason, case_id=mention.case_id, brand_id=mention.brand_id)
    organisation_id = brands.get(session, brand_id=mention.brand_id).organisation_id
    examples = [TriageExample(organisation_id=organisation_id, brand_id=mention.brand_id, mention_id=mention.id,
                              field=name, old_value=as_text(old), new_value=as_text(new) or "", text=mention.text,
                              actor_type=actor.type, actor_id=actor.id, actor_label=actor.label)
                for name, (old, new) in changed.items()]
    session.add_all(examples)
    session.flush()
    for name, (old, new) in changed.items():
        hook = FIELDS[name].after
        if hook is not None:
            hook(session, mention, old, new, actor)
    case_changes = _rederive_case(session, mention, changed, actor=actor, reason=reason)
    return Correction(mention.id, mention.case_id, changed, tuple(e.id for e in examples), case_changes)


def _rederive_case(session: Session, mention: Mention, changed: Mapping[str, Any], *, actor: Actor,
                   reason: str | None) -> dict[str, Any]:
    """The case follows its customer's own messages: a third party's correction leaves it alone."""
    fields = {_CASE_FIELDS[name] for name in changed if name in _CASE_FIELDS}
    if mention.case_id is None or mention.third_party or not fields:
        return {}
    own = [cases.OwnTriage(pqr_type=m.pqr_type, category=m.category, author_role=m.author_role,
                           flags=tuple(f for f in FLAG_FIELDS if getattr(m, f)))
           for m in mentions.customer_mentions_of_case(session, case_id=mention.case_id)]
    return cases.rederive_from_own(session, case_id=mention.case_id, own=own, fields=fields, actor=actor,
                                   reason=reason or "Corrección del triage de un mensaje del cliente.")


def examples_of(session: Session, *, organisation_id: int, up_to_id: int | None = None) -> list[TriageExample]:
    """The organisation's examples, oldest first (ids ascending: training is deterministic)."""
    query = select(TriageExample).where(TriageExample.organisation_id == organisation_id)
    if up_to_id is not None:
        query = query.where(TriageExample.id <= up_to_id)
    return list(session.scalars(query.order_by(TriageExample.id)))


def example_count(session: Session, *, organisation_id: int, after_id: int = 0) -> int:
    return int(session.scalar(select(func.count(TriageExample.id)).where(
        TriageExample.organisation_id == organisation_id, TriageExample.id > after_id)) or 0)


def runs_of(session: Session, *, organisation_id: int) -> list[AdapterRun]:
    return list(session.scalars(select(AdapterRun).where(AdapterRun.organisation_id == organisation_id)
                                .order_by(AdapterRun.version)))


def organisation_of_brand(session: Session, *, brand_id: int, scope: Scope = ALL_BRANDS) -> int:
    """The organisation of a brand the caller may see (another brand's is 'not found')."""
    if not scope.allows(brand_id):
        raise NotFound(f"No existe la marca {brand_id}.")
    try:
        return brands.get(session, brand_id=brand_id).organisation_id
    except NotFound as exc:
        raise NotFound(f"No existe la marca {brand_id}.") from exc
