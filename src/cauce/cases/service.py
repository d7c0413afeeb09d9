"""PQR cases: routing mentions into cases, lifecycle, assignment, notes and SLA checks.

Every state change goes through `audit.record_changes`, so the case timeline is the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from cauce.audit.service import SYSTEM, Actor, IdOf, record, record_changes
from cauce.brands.models import Brand
from cauce.cases import lifecycle, sla
from cauce.cases.models import Area, Case, FollowUp, Note, Satisfaction
from cauce.db import utcnow
from cauce.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from cauce.observability import metrics
from cauce.triage.schemas import Assessment

# Stronger PQR types win when a case collects several mentions.
PQR_RANK = {"otro": 0, "felicitacion": 1, "sugerencia": 2, "peticion": 3, "queja": 4, "reclamo": 5}
FLAG_NAMES = ("abusive", "threat", "legal_risk")
ESCALATION_BUMP = 15
MAX_REASONS = 8


@dataclass(frozen=True)
class Scope:
    """Which brands the caller may see; None means every brand (admin, system)."""

    brand_ids: frozenset[int] | None = None

    def allows(self, brand_id: int) -> bool:
        return self.brand_ids is None or brand_id in self.brand_ids

    def apply(self, query: Select[Any], column: Any) -> Select[Any]:
        return query if self.brand_ids is None else query.where(column.in_(self.brand_ids))


ALL_BRANDS = Scope()


def warrants_case(assessment: Assessment, *, private: bool) -> bool:
    """Chatter that is neither a PQR nor risky stays a plain mention (no case, no SLA)."""
    flagged = assessment.abusive or assessment.threat or assessment.legal_risk
    return private or flagged or assessment.is_complaint or assessment.pqr_type != "otro"


def _flags(assessment: Assessment) -> list[str]:
    return [name for name in FLAG_NAMES if getattr(assessment, name)]


def _merge_reasons(old: Sequence[str], new: Sequence[str]) -> list[str]:
    merged = list(dict.fromkeys([*new, *old]))
    return merged[:MAX_REASONS]


def _is_linked(case: Case, to: Case | None = None) -> bool:
    """A third party's own case in someone else's thread (to `to`, when given); the link to a case
    opened in the same batch has no id yet, only the object."""
    linked = case.__dict__.get("related_case")
    if to is None:
        return case.related_case_id is not None or linked is not None
    return linked is to or (to.id is not None and case.related_case_id == to.id)


def find_case_for_conversation(session: Session, *, brand_id: int, conversation_key: str,
                               known: dict[tuple[int, str], list[Case]] | None = None) -> Case | None:
    """The conversation's customer case (open first, then newest); `known` holds every case of the keys asked.

    Third parties' own cases in the thread share its key but never stand for the conversation.
    """
    if known is not None:
        # A case opened in this batch may have no id yet: it is the newest.
        return max((c for c in known.get((brand_id, conversation_key), ()) if not _is_linked(c)),
                   key=lambda c: (c.is_open, c.id or 2**62), default=None)
    return session.scalar(
        select(Case).where(Case.brand_id == brand_id, Case.conversation_key == conversation_key,
                           Case.related_case_id.is_(None))
        .order_by(Case.is_open.desc(), Case.id.desc()).limit(1)
    )


def find_linked_case(session: Session, *, thread: Case, person_id: int,
                     known: dict[tuple[int, str], list[Case]] | None = None) -> Case | None:
    """The open case a third party already has in this customer's thread."""
    if known is not None:
        return max((c for c in known.get((thread.brand_id, thread.conversation_key), ())
                    if c.person_id == person_id and c.is_open and _is_linked(c, to=thread)),
                   key=lambda c: c.id or 2**62, default=None)
    if thread.id is None:
        return None
    return session.scalar(
        select(Case).where(Case.related_case_id == thread.id, Case.person_id == person_id, Case.is_open.is_(True))
        .order_by(Case.id.desc()).limit(1)
    )


def find_open_case_of_person(session: Session, *, brand_id: int, person_id: int, since: datetime,
                             known: dict[tuple[int, int], list[Case]] | None = None) -> Case | None:
    """The person's most recently active open case; `known` holds every open case of the persons asked."""
    if known is not None:
        recent = [c for c in known.get((brand_id, person_id), ()) if c.is_open and c.last_inbound_at >= since]
        return max(recent, key=lambda c: c.last_inbound_at, default=None)
    return session.scalar(
        select(Case).where(Case.brand_id == brand_id, Case.person_id == person_id, Case.is_open.is_(True),
                           Case.last_inbound_at >= since)
        .order_by(Case.last_inbound_at.desc()).limit(1)
    )


def needs_own_case(assessment: Assessment, *, private: bool) -> bool:
    """A third party in a customer's thread who needs attention of their own: another customer with
    their own complaint, a troll, a hostile user, an abusive or threatening message."""
    return assessment.author_role in ("troll", "hostil") or warrants_case(assessment, private=private)


@dataclass
class RouteResult:
    case: Case | None
    created: bool = False
    reopened: bool = False
    notes: list[str] = field(default_factory=list)
    # The mention sits in `case`'s thread but is not from its customer (a bystander, the brand itself).
    third_party: bool = False


def route(
    session: Session,
    *,
    brand: Brand,
    person_id: int,
    channel: str,
    conversation_key: str,
    mention_created_at: datetime,
    mention_text: str,
    private: bool,
    assessment: Assessment,
    thread_window: timedelta,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
    by_conversation: dict[tuple[int, str], list[Case]] | None = None,
    by_person: dict[tuple[int, int], list[Case]] | None = None,
    from_brand: bool = False,
    force_case: bool = False,
) -> RouteResult:
    """Thread a new mention into a case: its conversation's case, the person's open case, or a new one.

    A case belongs to its customer: a message from anyone else in the conversation stays in the
    customer's thread as a third-party message and never changes the case; a third party who needs
    attention of their own gets their own case, linked to the customer's. `from_brand`: the brand's
    own account wrote it — kept in the thread, never a case of its own.

    `by_conversation` / `by_person` (read once per batch by the caller) answer the lookups
    without a query; a case opened here is added to them. `force_case`: a person decided the mention
    belongs in the queue (it was noise): it gets a case even when triage saw no PQR in it.
    """
    now = now or utcnow()
    case = find_case_for_conversation(session, brand_id=brand.id, conversation_key=conversation_key,
                                      known=by_conversation)
    if case is not None and case.person_id != person_id:
        return _route_third_party(
            session, case, brand=brand, person_id=person_id, channel=channel, mention_created_at=mention_created_at,
            mention_text=mention_text, private=private, assessment=assessment, actor=actor, now=now,
            by_conversation=by_conversation, by_person=by_person, from_brand=from_brand, force_case=force_case)
    if from_brand:
        return RouteResult(case, third_party=case is not None)
    reopened = False
    if case is not None and not case.is_open:
        recent = (case.closed_at or case.updated_at) >= mention_created_at - thread_window
        if assessment.is_complaint and recent and lifecycle.allowed(case.status, "reabierto"):
            _set_status(session, case, "reabierto", actor=actor,
                        reason="El cliente volvió a quejarse en la misma conversación.")
            reopened = True
        elif not (force_case or assessment.is_complaint or warrants_case(assessment, private=private)):
            return RouteResult(None)
        else:
            case = None
    if case is None:
        case = find_open_case_of_person(session, brand_id=brand.id, person_id=person_id,
                                        since=mention_created_at - thread_window, known=by_person)
    if case is None:
        if not (force_case or warrants_case(assessment, private=private)):
            return RouteResult(None)
        case = _open_case(session, brand=brand, person_id=person_id, channel=channel,
                          conversation_key=conversation_key, opened_at=mention_created_at,
                          text=mention_text, assessment=assessment, actor=actor, now=now)
        _remember_case(case, by_conversation, by_person)
        return RouteResult(case, created=True)
    _add_mention(session, case, brand=brand, assessment=assessment, at=mention_created_at, actor=actor, now=now)
    return RouteResult(case, reopened=reopened)


def _remember_case(case: Case, by_conversation: dict[tuple[int, str], list[Case]] | None,
                   by_person: dict[tuple[int, int], list[Case]] | None) -> None:
    if by_conversation is not None:
        by_conversation.setdefault((case.brand_id, case.conversation_key), []).append(case)
    if by_person is not None:
        by_person.setdefault((case.brand_id, case.person_id), []).append(case)


def _route_third_party(session: Session, thread: Case, *, brand: Brand, person_id: int, channel: str,
                       mention_created_at: datetime, mention_text: str, private: bool, assessment: Assessment,
                       actor: Actor, now: datetime, by_conversation: dict[tuple[int, str], list[Case]] | None,
                       by_person: dict[tuple[int, int], list[Case]] | None, from_brand: bool,
                       force_case: bool = False) -> RouteResult:
    """Someone other than the customer wrote in the customer's thread."""
    if from_brand:
        return RouteResult(thread, third_party=True)
    own = find_linked_case(session, thread=thread, person_id=person_id, known=by_conversation)
    if own is not None:
        _add_mention(session, own, brand=brand, assessment=assessment, at=mention_created_at, actor=actor, now=now)
        return RouteResult(own)
    if not (force_case or needs_own_case(assessment, private=private)):
        return RouteResult(thread, third_party=True)
    case = _open_case(session, brand=brand, person_id=person_id, channel=channel,
                      conversation_key=thread.conversation_key, opened_at=mention_created_at, text=mention_text,
                      assessment=assessment, actor=actor, now=now, related=thread)
    _remember_case(case, by_conversation, by_person)
    return RouteResult(case, created=True)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line[:117] + "…" if len(line) > 120 else line or "(sin texto)"


def _open_case(session: Session, *, brand: Brand, person_id: int, channel: str, conversation_key: str,
               opened_at: datetime, text: str, assessment: Assessment, actor: Actor, now: datetime,
               related: Case | None = None) -> Case:
    case = Case(
        brand_id=brand.id,
        person_id=person_id,
        channel=channel,
        conversation_key=conversation_key,
        title=_title(text),
        pqr_type=assessment.pqr_type,
        category=assessment.category,
        status="nuevo",
        is_open=True,
        priority=assessment.priority,
        priority_reasons=list(assessment.reasons)[:MAX_REASONS],
        author_role=assessment.author_role,
        role_confidence=assessment.role_confidence,
        flags=_flags(assessment),
        opened_at=opened_at,
        last_inbound_at=opened_at,
        unanswered_count=1,
        mention_count=1,
        updated_at=now,
    )
    if related is not None:
        case.related_case = related  # its id may come with this batch's flush
    sla.apply_targets(case, brand, now=now)
    session.add(case)
    record(session, actor=actor, action="case.opened", entity_type="case", entity_id=IdOf(case),
           case_id=IdOf(case),
           brand_id=brand.id, after={
               "status": case.status, "pqr_type": case.pqr_type, "category": case.category,
               "priority": case.priority, "reasons": case.priority_reasons, "author_role": case.author_role,
               "first_response_due": case.first_response_due, "resolution_due": case.resolution_due,
               "legal_due": case.legal_due,
           })
    if related is not None:  # the customer's timeline shows who got a case of their own in the thread
        record(session, actor=actor, action="case.linked", entity_type="case", entity_id=IdOf(case),
               case_id=IdOf(related), brand_id=brand.id,
               after={"person_id": person_id, "author_role": assessment.author_role})
    return case


def _add_mention(session: Session, case: Case, *, brand: Brand, assessment: Assessment, at: datetime,
                 actor: Actor, now: datetime) -> None:
    changes: dict[str, Any] = {
        "mention_count": case.mention_count + 1,
        "unanswered_count": case.unanswered_count + 1,
        "last_inbound_at": max(case.last_inbound_at, at),
        "priority": max(case.priority, assessment.priority),
        "priority_reasons": _merge_reasons(case.priority_reasons, assessment.reasons),
        "flags": sorted(set(case.flags) | set(_flags(assessment))),
        "updated_at": now,
    }
    if PQR_RANK.get(assessment.pqr_type, 0) > PQR_RANK.get(case.pqr_type, 0):
        changes["pqr_type"] = assessment.pqr_type
    if case.category is None and assessment.category:
        changes["category"] = assessment.category
    if assessment.author_role != case.author_role:
        changes["author_role"] = assessment.author_role
        changes["role_confidence"] = assessment.role_confidence
    quiet = {"mention_count", "unanswered_count", "last_inbound_at", "updated_at"}
    # Counters move with every message; audit them only together with a real change.
    if not any(case.__dict__.get(k) != v for k, v in changes.items() if k not in quiet):
        for k in quiet:
            setattr(case, k, changes[k])
        record(session, actor=actor, action="case.mention_added", entity_type="case", entity_id=IdOf(case),
               case_id=IdOf(case), brand_id=case.brand_id, after={"mention_count": case.mention_count})
    else:
        record_changes(session, case, changes, actor=actor, action="case.mention_added", entity_type="case",
                       case_id=IdOf(case), brand_id=case.brand_id)
    sla.apply_targets(case, brand, now=now)


@dataclass(frozen=True)
class OwnTriage:
    """What triage (or a correction) says of one of the case's own messages, oldest first."""

    pqr_type: str | None
    category: str | None
    author_role: str | None
    flags: tuple[str, ...] = ()


def rederive_from_own(session: Session, *, case_id: int, own: Sequence[OwnTriage], fields: Iterable[str],
                      actor: Actor, reason: str | None = None) -> dict[str, Any]:
    """Recompute, after a correction, the fields a case takes from its customer's own messages.

    The same rules as routing: the highest-ranked PQR type, the first category, the union of the
    flags, the newest message's role. Only `fields` (of pqr_type, category, flags, author_role) move.
    """
    case = session.get(Case, case_id)
    if case is None or not own:
        return {}
    wanted = set(fields)
    changes: dict[str, Any] = {}
    if "pqr_type" in wanted:
        changes["pqr_type"] = max((o.pqr_type or "otro" for o in own), key=lambda t: PQR_RANK.get(t, 0))
    if "category" in wanted:
        changes["category"] = next((o.category for o in own if o.category), None)
    if "flags" in wanted:
        kept = set(case.flags or ()) - set(FLAG_NAMES)
        changes["flags"] = sorted(kept | {f for o in own for f in o.flags})
    if "author_role" in wanted and own[-1].author_role:
        changes["author_role"] = own[-1].author_role
    return record_changes(session, case, changes, actor=actor, action="case.triage_corrected", entity_type="case",
                          case_id=case.id, brand_id=case.brand_id, reason=reason)


def get(session: Session, *, case_id: int, scope: Scope = ALL_BRANDS) -> Case:
    """A case the caller may see; other brands' cases are 'not found', never 'forbidden'."""
    case = session.get(Case, case_id)
    if case is None or not scope.allows(case.brand_id):
        raise NotFound(f"No existe el caso {case_id}.")
    return case


@dataclass(frozen=True)
class CaseFilters:
    brand_id: int | None = None
    status: str | None = None
    open_only: bool = True
    pqr_type: str | None = None
    category: str | None = None
    brand_category: str | None = None
    channel: str | None = None
    author_role: str | None = None
    assigned_user_id: int | None = None
    area_id: int | None = None
    sla_state: str | None = None  # breached | warning
    text: str | None = None


def waiting_on_us_first() -> ColumnElement[int]:
    """0 for cases the team owes the next move (lifecycle.waiting_on_us), 1 for those waiting on the customer."""
    ours = or_(Case.unanswered_count > 0, Case.status.not_in(sorted(lifecycle.WAITING_ON_CUSTOMER_STATES)))
    return sql_case((ours, 0), else_=1)


def _filtered(query: Select[Any], scope: Scope, f: CaseFilters) -> Select[Any]:
    query = scope.apply(query, Case.brand_id)
    if f.status:
        query = query.where(Case.status == f.status)
    elif f.open_only:
        query = query.where(Case.is_open.is_(True))
    for column, value in ((Case.brand_id, f.brand_id), (Case.pqr_type, f.pqr_type), (Case.category, f.category),
                          (Case.brand_category, f.brand_category), (Case.channel, f.channel),
                          (Case.author_role, f.author_role),
                          (Case.assigned_user_id, f.assigned_user_id), (Case.area_id, f.area_id)):
        if value is not None:
            query = query.where(column == value)
    if f.text:
        query = query.where(Case.title.ilike(f"%{f.text}%"))
    return query


def _sla_narrowed(query: Select[Any], f: CaseFilters, now: datetime) -> Select[Any]:
    query = query.where(Case.is_open.is_(True))
    if f.sla_state == "breached":
        query = query.where(or_(*[c < now for c in (Case.first_response_due, Case.next_response_due,
                                                    Case.resolution_due, Case.area_due, Case.legal_due)]))
    return query


def list_cases(session: Session, *, scope: Scope = ALL_BRANDS, filters: CaseFilters = CaseFilters(),
               limit: int = 50, offset: int = 0, now: datetime | None = None) -> list[Case]:
    """Cases in queue order: those waiting for us first, then highest priority, then oldest."""
    f = filters
    query = _filtered(select(Case), scope, f)
    order = (waiting_on_us_first(), Case.priority.desc(), Case.opened_at.asc(), Case.id.asc())
    if not f.sla_state:
        return list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))
    # SLA state depends on clocks computed in Python; narrow in SQL where possible, then filter.
    now = now or utcnow()
    query = _sla_narrowed(query, f, now)
    matching = [c for c in session.scalars(query.order_by(*order)) if sla.sla_state(c, now=now) == f.sla_state]
    return matching[offset:offset + limit]


def iter_cases(session: Session, *, scope: Scope = ALL_BRANDS, filters: CaseFilters = CaseFilters(),
               now: datetime | None = None, batch: int = 1000) -> Iterator[Case]:
    """Every case `list_cases` would list with these filters, in the same order, read `batch` rows at a
    time (a server-side cursor on PostgreSQL): exports of the whole queue without holding it in memory."""
    f = filters
    query = _filtered(select(Case), scope, f)
    if f.sla_state:
        now = now or utcnow()
        query = _sla_narrowed(query, f, now)
    order = (waiting_on_us_first(), Case.priority.desc(), Case.opened_at.asc(), Case.id.asc())
    for case in session.scalars(query.order_by(*order).execution_options(yield_per=batch)):
        if not f.sla_state or sla.sla_state(case, now=now or utcnow()) == f.sla_state:
            yield case


def count_cases(session: Session, *, scope: Scope = ALL_BRANDS, open_only: bool = True,
                filters: CaseFilters | None = None, now: datetime | None = None) -> int:
    """How many cases `list_cases` would list with these filters (open ones when none are given)."""
    f = filters or CaseFilters(open_only=open_only)
    if not f.sla_state:
        return session.scalar(_filtered(select(func.count()).select_from(Case), scope, f)) or 0
    now = now or utcnow()
    query = _sla_narrowed(_filtered(select(Case), scope, f), f, now)
    return sum(1 for c in session.scalars(query) if sla.sla_state(c, now=now) == f.sla_state)


def _set_status(session: Session, case: Case, target: str, *, actor: Actor, reason: str | None,
                extra: dict[str, Any] | None = None) -> None:
    now = utcnow()
    changes: dict[str, Any] = {"status": target, "is_open": target in lifecycle.OPEN_STATES, "updated_at": now}
    if target == "cerrado":
        changes["closed_at"] = now
        changes["resolved_at"] = case.resolved_at or now
    if target == "respondido":
        changes["resolved_at"] = now
    if target == "descartado":
        changes["closed_at"] = now
    if target == "reabierto":
        changes.update(closed_at=None, resolved_at=None, outcome=None, customer_confirmed=False)
    changes.update(extra or {})
    record_changes(session, case, changes, actor=actor, action=f"case.{target}", entity_type="case",
                   reason=reason, case_id=IdOf(case), brand_id=case.brand_id)


def transition(session: Session, *, case_id: int, to: str, actor: Actor, scope: Scope = ALL_BRANDS,
               reason: str | None = None, outcome: str | None = None) -> Case:
    case = get(session, case_id=case_id, scope=scope)
    if not lifecycle.allowed(case.status, to):
        raise InvalidTransition(lifecycle.why_not(case.status, to))
    extra: dict[str, Any] = {}
    if to == "primera_respuesta" and case.first_response_at is None:
        raise InvalidTransition("No hay una respuesta pública registrada en este caso; envíe o registre la "
                                "primera respuesta (PLAYBOOK §3).")
    if to == "cerrado":
        outcome = outcome or case.outcome
        if outcome not in lifecycle.OUTCOMES:
            raise InvalidTransition("Para cerrar hay que registrar el resultado: at_fault (la empresa falló), "
                                    "not_at_fault (no falló) o not_applicable (no aplica).")
        extra["outcome"] = outcome
    if to == "descartado" and not reason:
        raise InvalidInput("Indique por qué se descarta el caso (spam, no es para nosotros…).")
    _set_status(session, case, to, actor=actor, reason=reason, extra=extra)
    return case


def record_response(session: Session, *, case: Case, at: datetime, public: bool, actor: Actor) -> None:
    """The brand answered (sent or recorded a reply): stop the response clocks."""
    changes: dict[str, Any] = {"last_response_at": at, "unanswered_count": 0, "next_response_due": None,
                               "updated_at": utcnow()}
    if public and case.first_response_at is None:
        changes["first_response_at"] = at
    record_changes(session, case, changes, actor=actor, action="case.responded", entity_type="case",
                   case_id=case.id, brand_id=case.brand_id)
    if case.status == "nuevo" and case.first_response_at is not None:
        _set_status(session, case, "primera_respuesta", actor=actor, reason="Primera respuesta pública enviada.")


def assign(session: Session, *, case_id: int, actor: Actor, scope: Scope = ALL_BRANDS,
           user_id: int | None = None, area_id: int | None = None, unassign: bool = False,
           reason: str | None = None) -> Case:
    from cauce.auth import service as auth_service

    case = get(session, case_id=case_id, scope=scope)
    changes: dict[str, Any] = {"updated_at": utcnow()}
    if unassign:
        changes["assigned_user_id"] = None
    elif user_id is not None:
        if not auth_service.can_access_brand(session, user_id=user_id, brand_id=case.brand_id):
            raise InvalidInput("Ese usuario no pertenece a la marca del caso.")
        changes["assigned_user_id"] = user_id
    if area_id is not None:
        area = session.get(Area, area_id)
        if area is None or area.brand_id != case.brand_id:
            raise InvalidInput("Esa área no existe en la marca del caso.")
        now = utcnow()
        brand = session.get(Brand, case.brand_id)
        assert brand is not None
        changes.update(area_id=area.id, area_assigned_at=now,
                       area_due=sla.area_due(now, area.investigation_hours, brand))
    previous_user = case.assigned_user_id
    record_changes(session, case, changes, actor=actor, action="case.assigned", entity_type="case",
                   reason=reason, case_id=case.id, brand_id=case.brand_id)
    if case.assigned_user_id is not None and case.assigned_user_id != previous_user:
        from cauce.notifications import service as notifications

        notifications.on_case_assigned(session, case=case, user_id=case.assigned_user_id,
                                       actor_user_id=int(actor.id) if actor.type == "user" and actor.id else None,
                                       at=changes["updated_at"])
    return case


def add_note(session: Session, *, case_id: int, text: str, actor: Actor, author_user_id: int | None,
             scope: Scope = ALL_BRANDS) -> Note:
    case = get(session, case_id=case_id, scope=scope)
    text = text.strip()
    if not text:
        raise InvalidInput("La nota está vacía.")
    note = Note(case_id=case.id, author_user_id=author_user_id, text=text)
    session.add(note)
    session.flush()
    record(session, actor=actor, action="case.note_added", entity_type="note", entity_id=note.id,
           case_id=case.id, brand_id=case.brand_id, after={"text": text})
    return note


def notes_of(session: Session, *, case_id: int) -> list[Note]:
    return list(session.scalars(select(Note).where(Note.case_id == case_id).order_by(Note.id)))


def extend_legal_term(session: Session, *, case_id: int, notice: str, actor: Actor,
                      scope: Scope = ALL_BRANDS, now: datetime | None = None) -> Case:
    """Ley 1755 art. 14 parágrafo: one extension, notified before the term runs out, up to twice the term."""
    now = now or utcnow()
    case = get(session, case_id=case_id, scope=scope)
    if case.legal_due is None:
        raise InvalidInput("Este caso no tiene término legal.")
    if case.legal_extended_at is not None:
        raise Conflict("El término ya se amplió una vez; la ley no permite otra ampliación.")
    if now >= case.legal_due:
        raise Conflict("El término ya venció; la ampliación debe notificarse antes del vencimiento.")
    if len(notice.strip()) < 20:
        raise InvalidInput("La notificación debe explicar los motivos de la demora y el nuevo plazo.")
    brand = session.get(Brand, case.brand_id)
    assert brand is not None
    record_changes(session, case, {"legal_extended_at": now, "legal_extension_notice": notice.strip()},
                   actor=actor, action="case.legal_term_extended", entity_type="case", case_id=case.id,
                   brand_id=case.brand_id)
    before = case.legal_due
    sla.apply_targets(case, brand, now=now)
    record(session, actor=actor, action="case.legal_due_changed", entity_type="case", entity_id=case.id,
           case_id=case.id, brand_id=case.brand_id, before={"legal_due": before}, after={"legal_due": case.legal_due})
    return case


def record_satisfaction(session: Session, *, case_id: int, score: int, comment: str | None, channel: str | None,
                        actor: Actor, scope: Scope = ALL_BRANDS) -> Satisfaction:
    case = get(session, case_id=case_id, scope=scope)
    if not 1 <= score <= 5:
        raise InvalidInput("La satisfacción (CSAT) va de 1 a 5.")
    result = Satisfaction(case_id=case.id, score=score, comment=comment, channel=channel)
    session.add(result)
    session.flush()
    record(session, actor=actor, action="case.satisfaction_recorded", entity_type="case", entity_id=case.id,
           case_id=case.id, brand_id=case.brand_id, after={"score": score, "comment": comment})
    return result


def schedule_follow_up(session: Session, *, case_id: int, kind: str, due_at: datetime, text: str | None,
                       actor: Actor) -> FollowUp:
    case = get(session, case_id=case_id)
    item = FollowUp(case_id=case.id, kind=kind, due_at=due_at, text=text)
    session.add(item)
    session.flush()
    record(session, actor=actor, action="case.follow_up_scheduled", entity_type="follow_up", entity_id=item.id,
           case_id=case.id, brand_id=case.brand_id, after={"kind": kind, "due_at": due_at})
    return item


def areas_of(session: Session, *, brand_id: int) -> list[Area]:
    return list(session.scalars(select(Area).where(Area.brand_id == brand_id).order_by(Area.name)))


def create_area(session: Session, *, brand_id: int, name: str, slug: str, investigation_hours: int,
                categories: list[str], actor: Actor) -> Area:
    area = Area(brand_id=brand_id, name=name, slug=slug, investigation_hours=investigation_hours,
                categories=categories)
    session.add(area)
    session.flush()
    record(session, actor=actor, action="area.created", entity_type="area", entity_id=area.id, brand_id=brand_id,
           after={"name": name, "investigation_hours": investigation_hours})
    return area


@dataclass(frozen=True)
class SlaSweep:
    checked: int
    breached: int
    escalated: int


def check_sla(session: Session, *, now: datetime | None = None, batch: int = 1000) -> SlaSweep:
    """Find new breaches and cases about to breach; audit them and escalate once."""
    now = now or utcnow()
    checked = breached = escalated = 0
    last_id = 0
    brands: dict[int, Brand] = {}
    while True:
        cases = list(session.scalars(select(Case).where(Case.is_open.is_(True), Case.id > last_id)
                                     .order_by(Case.id).limit(batch)))
        if not cases:
            break
        last_id = cases[-1].id
        for case in cases:
            checked += 1
            brand = brands.get(case.brand_id) or session.get(Brand, case.brand_id)
            assert brand is not None
            brands[brand.id] = brand
            warn = sla.policy_and_calendar(brand)[0].escalate_at_fraction_left
            running = [c for c in sla.clocks(case, now=now, warn_fraction=warn) if c.done_at is None]
            new_breaches = [c.name for c in running if c.state == "breached" and c.name not in case.breaches]
            if new_breaches:
                breached += 1
                metrics.count_sla_breaches(session, new_breaches)
                record_changes(session, case, {"breaches": sorted({*case.breaches, *new_breaches})},
                               actor=SYSTEM, action="sla.breached", entity_type="case", case_id=case.id,
                               brand_id=case.brand_id,
                               reason="Vencido: " + ", ".join(sla.CLOCK_LABELS[n] for n in new_breaches))
            at_risk = [c for c in running if c.state in ("warning", "breached")]
            if at_risk and not case.escalated:
                escalated += 1
                reason = "Por vencer o vencido: " + ", ".join(c.label for c in at_risk)
                record_changes(session, case, {
                    "escalated": True, "supervisor_flagged": True,
                    "priority": min(100, case.priority + ESCALATION_BUMP),
                    "priority_reasons": _merge_reasons(case.priority_reasons, ["SLA por vencer o vencido"]),
                }, actor=SYSTEM, action="sla.escalated", entity_type="case", case_id=case.id,
                    brand_id=case.brand_id, reason=reason)
    return SlaSweep(checked, breached, escalated)


def update_area(session: Session, *, area_id: int, actor: Actor, name: str | None = None,
                investigation_hours: int | None = None) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"No existe el área {area_id}.")
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise InvalidInput("El nombre del área no puede estar vacío.")
        changes["name"] = name.strip()[:200]
    if investigation_hours is not None:
        if not 1 <= investigation_hours <= 24 * 60:
            raise InvalidInput("El tiempo de investigación va de 1 a 1440 horas hábiles.")
        changes["investigation_hours"] = investigation_hours
    record_changes(session, area, changes, actor=actor, action="area.updated", entity_type="area",
                   brand_id=area.brand_id)
    return area


def case_ids_of_person(session: Session, *, person_id: int) -> list[int]:
    return list(session.scalars(select(Case.id).where(Case.person_id == person_id).order_by(Case.id)))


def cases_of_person(session: Session, *, person_id: int, scope: Scope = ALL_BRANDS,
                    limit: int | None = 200) -> list[Case]:
    """The person's cases in the brands the caller may see, newest first (all of them with `limit=None`)."""
    query = scope.apply(select(Case), Case.brand_id).where(Case.person_id == person_id)
    return list(session.scalars(query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)))


def reassign_person(session: Session, *, from_person_id: int, to_person_id: int,
                    case_ids: Iterable[int] | None = None) -> list[int]:
    """Make cases (all of `from_person_id`'s, or the given ones of theirs) serve another person.

    For a confirmed merge of two people, or its undoing; `people.identity` audits the move.
    """
    moved = case_ids_of_person(session, person_id=from_person_id)
    if case_ids is not None:
        wanted = set(case_ids)
        moved = [c for c in moved if c in wanted]
    if moved:
        session.execute(update(Case).where(Case.id.in_(moved)).values(person_id=to_person_id)
                        .execution_options(synchronize_session="fetch"))
    return moved

# --- privacy (see cauce.people.privacy) -------------------------------------------------------

ERASED = "[eliminado por solicitud de privacidad]"


def satisfaction_of(session: Session, *, case_id: int) -> list[Satisfaction]:
    return list(session.scalars(select(Satisfaction).where(Satisfaction.case_id == case_id)
                                .order_by(Satisfaction.id)))


def follow_ups_of(session: Session, *, case_id: int) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.id)))


def closed_before(session: Session, *, brand_id: int, before: datetime, limit: int = 500) -> list[int]:
    """Closed cases of a brand, closed before `before`, not anonymised yet (retention)."""
    return list(session.scalars(select(Case.id).where(
        Case.brand_id == brand_id, Case.is_open.is_(False), Case.closed_at.is_not(None), Case.closed_at < before,
        Case.anonymised_at.is_(None)).order_by(Case.id).limit(limit)))


def anonymise_cases(session: Session, *, case_ids: Sequence[int], at: datetime) -> int:
    """Erase what the customer wrote or what names them: titles, notes, comments, follow-up texts."""
    ids = list(case_ids)
    if not ids:
        return 0
    session.execute(update(Case).where(Case.id.in_(ids)).values(
        title=ERASED, legal_extension_notice=None, anonymised_at=at), execution_options={"synchronize_session": False})
    session.execute(update(Note).where(Note.case_id.in_(ids)).values(text=ERASED),
                    execution_options={"synchronize_session": False})
    session.execute(update(Satisfaction).where(Satisfaction.case_id.in_(ids)).values(comment=None),
                    execution_options={"synchronize_session": False})
    session.execute(update(FollowUp).where(FollowUp.case_id.in_(ids)).values(text=None),
                    execution_options={"synchronize_session": False})
    session.expire_all()
    return len(ids)
