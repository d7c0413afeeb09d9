"""A person's data rights: access (export), erasure (forget), and retention of closed cases.

Colombia's Ley 1581 de 2012 (habeas data) and, for Spain, the GDPR give a person the right to
know what an organisation holds about them and to have it deleted when there is no duty to keep
it; both require data not to be kept longer than needed. Here:

* `export_person` gathers everything about a person — the person, handles, mentions, cases with
  their notes, replies, follow-ups, satisfaction, moderation actions, preserved evidence and the
  audit events about them — through each feature's service functions;
* `forget_person` erases the personal data and keeps tombstones: rows keep their ids, dates and
  labels (the statistics and the legal terms still add up) but lose names, handles, texts and
  links; the audit events about them are redacted (`audit.service.redact`), and the chain keeps
  verifying;
* `retention_sweep` anonymises closed cases older than their brand's `retention_days`.

All erasure goes through `erase`, the one function that knows what to erase; features that keep
copies elsewhere (a search index) register a hook in `ERASURE_HOOKS`.

Only admins, or supervisors of every brand the person appears in, may export or forget; both are
audited (without the personal data).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from cauce.apimodel import StrictOut
from cauce.audit import service as audit
from cauce.audit.service import Actor
from cauce.auth.service import Principal
from cauce.brands import service as brands
from cauce.brands.policy import load_policy
from cauce.cases import service as cases
from cauce.db import utcnow
from cauce.errors import Forbidden, NotFound
from cauce.mentions import service as mentions
from cauce.people import service as people

_ALL = 1_000_000  # "no limit" for the list functions that take one


def _optional(name: str) -> ModuleType | None:
    """Playbook and replies are optional features: an installation without them has nothing there."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


# --- who may ------------------------------------------------------------------------------------

def brands_of_person(session: Session, *, person_id: int) -> set[int]:
    found = {m.brand_id for m in mentions.mentions_of_person(session, person_id=person_id, brand_ids=None,
                                                             limit=_ALL)}
    found |= {c.brand_id for c in cases.cases_of_person(session, person_id=person_id, limit=None)}
    moderation = _optional("cauce.playbook.moderation")
    if moderation is not None:
        found |= {a.brand_id for a in moderation.actions_of(session, person_id=person_id, limit=_ALL)}
    return found


def authorise(session: Session, *, principal: Principal, person_id: int) -> None:
    """Admins; or a supervisor whose brands include every brand the person appears in.

    The role is checked before the id is looked up, and a person outside all of the supervisor's
    brands is answered exactly like a missing id: neither reveals that the id exists.
    """
    if principal.role not in ("admin", "supervisor"):
        raise Forbidden("Solo un administrador, o un supervisor de todas las marcas de la persona, puede "
                        "exportar o borrar sus datos.")
    people.get(session, person_id=person_id)
    if principal.role == "admin" or principal.brand_ids is None:
        return
    found = brands_of_person(session, person_id=person_id)
    if not found & principal.brand_ids:
        raise NotFound(f"No existe la persona {person_id}.")
    if found - principal.brand_ids:
        raise Forbidden(f"La persona {person_id} aparece también en marcas que usted no supervisa; pida a un "
                        f"administrador que exporte o borre sus datos.")


# --- export -------------------------------------------------------------------------------------

class HandleOut(StrictOut):
    channel: str
    handle: str
    display_name: str | None
    followers: int
    created_at: datetime


class PersonOut(StrictOut):
    id: int
    display_name: str | None
    labels: list[Any]
    confirmed_role: str | None
    strikes: int
    blocked: bool
    notes: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    anonymised_at: datetime | None


class MentionOut(StrictOut):
    id: int
    brand_id: int
    channel: str
    external_id: str
    url: str | None
    text: str
    author_handle: str
    author_name: str | None
    created_at: datetime
    private: bool
    language: str | None
    pqr_type: str | None
    category: str | None
    author_role: str | None
    case_id: int | None


class NoteOut(StrictOut):
    id: int
    text: str
    created_at: datetime


class SatisfactionOut(StrictOut):
    score: int
    comment: str | None
    channel: str | None
    created_at: datetime


class FollowUpOut(StrictOut):
    kind: str
    due_at: datetime
    text: str | None
    done_at: datetime | None


class ReplyOut(StrictOut):
    id: int
    channel: str
    visibility: str
    text: str
    state: str
    created_at: datetime
    sent_at: datetime | None


class CaseOut(StrictOut):
    id: int
    brand_id: int
    channel: str
    title: str
    pqr_type: str
    category: str | None
    status: str
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    customer_confirmed: bool
    anonymised_at: datetime | None
    notes: list[NoteOut]
    satisfaction: list[SatisfactionOut]
    follow_ups: list[FollowUpOut]
    replies: list[ReplyOut]


class ModerationOut(StrictOut):
    id: int
    brand_id: int
    case_id: int | None
    mention_id: int | None
    action: str
    rule: str
    reason: str | None
    status: str
    created_at: datetime


class EvidenceOut(StrictOut):
    id: int
    case_id: int
    mention_id: int
    text: str
    author_handle: str
    url: str | None
    captured_at: datetime


class AuditOut(StrictOut):
    id: int
    created_at: datetime
    actor: str | None
    action: str
    entity_type: str
    entity_id: str
    case_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    redacted: bool


class PersonExport(StrictOut):
    generated_at: datetime
    legal_basis: str = Field(default="Ley 1581 de 2012 (habeas data), art. 8; RGPD art. 15 y 20")
    person: PersonOut
    handles: list[HandleOut]
    mentions: list[MentionOut]
    cases: list[CaseOut]
    moderation_actions: list[ModerationOut]
    evidence: list[EvidenceOut]
    audit_events: list[AuditOut]


@dataclass
class _Scope:
    """What belongs to a person: their cases, their mentions (in any case), their moderation actions."""

    case_ids: list[int]
    mention_ids: list[int]
    action_ids: list[int] = field(default_factory=list)


def _scope_of(session: Session, person_id: int) -> _Scope:
    moderation = _optional("cauce.playbook.moderation")
    actions = moderation.actions_of(session, person_id=person_id, limit=_ALL) if moderation else []
    return _Scope(case_ids=[c.id for c in cases.cases_of_person(session, person_id=person_id, limit=None)],
                  mention_ids=mentions.mention_ids_of(session, person_id=person_id),
                  action_ids=[a.id for a in actions])


def _case_out(session: Session, case: Any, replies: list[Any]) -> CaseOut:
    return CaseOut.model_validate({
        **{name: getattr(case, name) for name in ("id", "brand_id", "channel", "title", "pqr_type", "category",
                                                    "status", "outcome", "opened_at", "closed_at",
                                                    "customer_confirmed", "anonymised_at")},
        "notes": [NoteOut.model_validate(n, from_attributes=True) for n in cases.notes_of(session, case_id=case.id)],
        "satisfaction": [SatisfactionOut.model_validate(s, from_attributes=True)
                         for s in cases.satisfaction_of(session, case_id=case.id)],
        "follow_ups": [FollowUpOut.model_validate(f, from_attributes=True)
                       for f in cases.follow_ups_of(session, case_id=case.id)],
        "replies": [ReplyOut.model_validate(r, from_attributes=True) for r in replies if r.case_id == case.id],
    })


def export_person(session: Session, *, person_id: int, actor: Actor) -> PersonExport:
    """Everything held about a person, as one document (the right of access / portability)."""
    person = people.get(session, person_id=person_id)
    scope = _scope_of(session, person_id)
    replies_service = _optional("cauce.replies.service")
    replies = replies_service.replies_for_cases(session, case_ids=scope.case_ids) if replies_service else []
    moderation = _optional("cauce.playbook.moderation")
    evidence = _optional("cauce.playbook.evidence")
    events = _events(session, scope, person_id)
    document = PersonExport(
        generated_at=utcnow(),
        person=PersonOut.model_validate(person, from_attributes=True),
        handles=[HandleOut.model_validate(h, from_attributes=True)
                 for h in people.handles_of(session, person_id=person_id)],
        mentions=[MentionOut.model_validate(m, from_attributes=True)
                  for m in sorted(mentions.mentions_of_person(session, person_id=person_id, brand_ids=None,
                                                              limit=_ALL), key=lambda m: m.id)],
        cases=[_case_out(session, c, replies) for c in cases.cases_of_person(session, person_id=person_id, limit=None)],
        moderation_actions=[ModerationOut.model_validate(a, from_attributes=True)
                            for a in (moderation.actions_of(session, person_id=person_id, limit=_ALL)
                                      if moderation else [])],
        evidence=[EvidenceOut.model_validate(e, from_attributes=True)
                  for e in (evidence.evidence_of_mentions(session, mention_ids=scope.mention_ids)
                            if evidence else [])],
        audit_events=[AuditOut(id=e.id, created_at=e.created_at, actor=e.actor_label, action=e.action,
                               entity_type=e.entity_type, entity_id=e.entity_id, case_id=e.case_id, before=e.before,
                               after=e.after, reason=e.reason, redacted=e.redacted_at is not None)
                      for e in events],
    )
    audit.record(session, actor=actor, action="person.exported", entity_type="person", entity_id=person_id,
                 after={"mentions": len(document.mentions), "cases": len(document.cases),
                        "audit_events": len(document.audit_events)})
    return document


def _events(session: Session, scope: _Scope, person_id: int) -> list[Any]:
    ids = _event_ids(session, scope, [person_id])
    found = []
    for start in range(0, len(ids), 500):
        found.extend(audit.events_by_ids(session, ids[start:start + 500]))
    return found


def _event_ids(session: Session, scope: _Scope, person_ids: list[int]) -> list[int]:
    entities: dict[str, list[Any]] = {"mention": scope.mention_ids, "moderation_action": scope.action_ids}
    if person_ids:
        entities["person"] = person_ids
    return audit.event_ids_about(session, case_ids=scope.case_ids, entities=entities)


# --- erasure ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Erasure:
    """What one erasure covers: whole people (forget) and/or cases and the mentions in them."""

    person_ids: tuple[int, ...] = ()
    case_ids: tuple[int, ...] = ()
    mention_ids: tuple[int, ...] = ()
    action_ids: tuple[int, ...] = ()


# Called inside the erasing transaction, after the database rows were anonymised: features that
# keep copies elsewhere (a search index) drop them here.
ERASURE_HOOKS: list[Callable[[Session, Erasure], None]] = []


class ErasureResult(StrictOut):
    people: int = 0
    cases: int = 0
    mentions: int = 0
    replies: int = 0
    moderation_actions: int = 0
    evidence: int = 0
    audit_events_redacted: int = 0


def erase(session: Session, erasure: Erasure) -> ErasureResult:
    """The one place that erases personal data: every feature's copy, then the audit payloads."""
    now = utcnow()
    result = ErasureResult()
    result.cases = cases.anonymise_cases(session, case_ids=list(erasure.case_ids), at=now)
    result.mentions = mentions.anonymise_mentions(session, mention_ids=list(erasure.mention_ids))
    replies_service = _optional("cauce.replies.service")
    if replies_service is not None:
        result.replies = replies_service.anonymise_replies(session, case_ids=list(erasure.case_ids))
    evidence = _optional("cauce.playbook.evidence")
    if evidence is not None:
        result.evidence = evidence.anonymise_evidence(session, mention_ids=list(erasure.mention_ids))
    moderation = _optional("cauce.playbook.moderation")
    for person_id in erasure.person_ids:
        if moderation is not None:
            result.moderation_actions += moderation.anonymise_actions(session, person_id=person_id)
        people.anonymise(session, person_id=person_id, at=now)
        result.people += 1
    scope = _Scope(list(erasure.case_ids), list(erasure.mention_ids), list(erasure.action_ids))
    session.flush()
    result.audit_events_redacted = audit.redact(session, _event_ids(session, scope, list(erasure.person_ids)))
    for hook in ERASURE_HOOKS:
        hook(session, erasure)
    return result


def forget_person(session: Session, *, person_id: int, actor: Actor, reason: str) -> ErasureResult:
    """Erase a person on their request; the audit keeps a tombstone (who asked, who did it, counts)."""
    people.get(session, person_id=person_id)
    scope = _scope_of(session, person_id)
    result = erase(session, Erasure(person_ids=(person_id,), case_ids=tuple(scope.case_ids),
                                    mention_ids=tuple(scope.mention_ids), action_ids=tuple(scope.action_ids)))
    # After the redaction: this event is the tombstone and must outlive it (no personal data in it).
    audit.record(session, actor=actor, action="person.forgotten", entity_type="person_erasure",
                 entity_id=person_id, reason=reason, after=result.model_dump())
    return result


# --- retention ----------------------------------------------------------------------------------

class RetentionResult(StrictOut):
    brands: dict[str, int] = Field(default_factory=dict)  # brand slug → cases anonymised
    cases: int = 0


def retention_sweep(session: Session, *, now: datetime | None = None, batch: int = 500) -> RetentionResult:
    """Anonymise closed cases older than their brand's `retention_days` (one batch per brand)."""
    now = now or utcnow()
    result = RetentionResult()
    for brand in brands.list_brands(session):
        days = load_policy(brand.policy).retention_days
        if not days:
            continue
        case_ids = cases.closed_before(session, brand_id=brand.id, before=now - timedelta(days=days), limit=batch)
        if not case_ids:
            continue
        mention_ids = mentions.mention_ids_of(session, case_ids=case_ids)
        erased = erase(session, Erasure(case_ids=tuple(case_ids), mention_ids=tuple(mention_ids)))
        audit.record(session, actor=audit.SYSTEM, action="privacy.retention_applied", entity_type="brand",
                     entity_id=brand.id, brand_id=brand.id,
                     after={"retention_days": days, "cases": case_ids, **erased.model_dump()})
        result.brands[brand.slug] = len(case_ids)
        result.cases += len(case_ids)
    return result
