"""View models: what the inbox rows and the case page show, read in a few batched queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cauce.audit import service as audit
from cauce.auth.models import BrandMembership, User
from cauce.brands import service as brands
from cauce.brands.models import Brand
from cauce.cases import lifecycle, sla
from cauce.cases import service as cases
from cauce.cases.models import Case, ModerationAction, Satisfaction
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.people import service as people
from cauce.replies.models import Reply
from cauce.vocabulary import ANGER_CHIP_AT
from cauce.web.presence import Presence, PresenceBoard


@dataclass(frozen=True)
class InboxRow:
    case: Case
    brand: Brand | None
    author_name: str
    handle: str
    followers: int
    anger: float
    sla_state: str
    next_clock: sla.Clock | None
    assignee: str | None
    others: list[Presence]

    @property
    def angry(self) -> bool:
        return self.anger >= ANGER_CHIP_AT

    @property
    def waiting_on_us(self) -> bool:
        """Whether the team owes the next move (else the case waits on the customer)."""
        return lifecycle.waiting_on_us(self.case.status, self.case.unanswered_count)


def _latest_mentions(session: Session, case_ids: Sequence[int]) -> dict[int, Mention]:
    if not case_ids:
        return {}
    # The customer's latest message: a third party writing in the thread never becomes "who".
    newest = (select(func.max(Mention.id)).where(Mention.case_id.in_(case_ids), Mention.third_party.is_(False))
              .group_by(Mention.case_id))
    return {m.case_id: m for m in session.scalars(select(Mention).where(Mention.id.in_(newest)))
            if m.case_id is not None}


def user_names(session: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return {}
    return {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def running_clock(case: Case, now: datetime) -> sla.Clock | None:
    """The running clock closest to its deadline (what the row's timer shows)."""
    running = [c for c in sla.clocks(case, now=now) if c.done_at is None]
    return min(running, key=lambda c: c.seconds_left) if running else None


def inbox_rows(session: Session, case_list: Sequence[Case], *, now: datetime, viewer_id: int,
               board: PresenceBoard, brands: dict[int, Brand]) -> list[InboxRow]:
    latest = _latest_mentions(session, [c.id for c in case_list])
    names = user_names(session, [c.assigned_user_id for c in case_list])
    rows = []
    for case in case_list:
        m = latest.get(case.id)
        rows.append(InboxRow(
            case=case, brand=brands.get(case.brand_id),
            author_name=(m.author_name or m.author_handle) if m else "—",
            handle=m.author_handle.lstrip("@") if m else "",
            followers=m.author_followers if m else 0,
            anger=float((m.assessment or {}).get("anger", 0.0)) if m else 0.0,
            sla_state=sla.sla_state(case, now=now), next_clock=running_clock(case, now),
            assignee=names.get(case.assigned_user_id) if case.assigned_user_id else None,
            others=board.others(case.id, user_id=viewer_id),
        ))
    return rows


def matches(case: Case, filters: cases.CaseFilters, *, now: datetime) -> bool:
    """Whether a changed case still belongs in the inbox the browser shows (same rules as list_cases)."""
    f = filters
    if f.status:
        if case.status != f.status:
            return False
    elif f.open_only and not case.is_open:
        return False
    pairs = ((case.brand_id, f.brand_id), (case.pqr_type, f.pqr_type), (case.category, f.category),
             (case.brand_category, f.brand_category),
             (case.channel, f.channel), (case.author_role, f.author_role),
             (case.assigned_user_id, f.assigned_user_id), (case.area_id, f.area_id))
    if any(want is not None and have != want for have, want in pairs):
        return False
    if f.text and f.text.casefold() not in case.title.casefold():
        return False
    return not f.sla_state or sla.sla_state(case, now=now) == f.sla_state


def assignable_users(session: Session, brand_ids: Sequence[int]) -> list[User]:
    """Active users who may work these brands' cases (admins see every brand), in one query.

    Same rule as `auth.service.can_access_brand`, batched: the inbox filter and the case page
    would otherwise ask user by user.
    """
    members = select(BrandMembership.user_id).where(BrandMembership.brand_id.in_(list(brand_ids)))
    return list(session.scalars(select(User).where(User.active.is_(True),
                                                   or_(User.role == "admin", User.id.in_(members)))
                                .order_by(User.name)))


@dataclass(frozen=True)
class ThreadItem:
    kind: str  # mention | reply
    at: datetime
    mention: Mention | None = None
    reply: Reply | None = None
    author: str | None = None
    third_party: bool = False  # a message in the thread not from the case's customer
    own_case_id: int | None = None  # the third party's own case, when they have one


@dataclass(frozen=True)
class Participant:
    """Someone else in the case's conversation: a bystander, a troll, another customer, the brand."""

    person_id: int
    name: str
    handle: str
    role: str | None
    messages: int
    case: Case | None  # their own case linked to this one
    from_brand: bool = False


@dataclass
class CaseView:
    case: Case
    brand: Brand
    person: Any
    handles: list[Any]
    thread: list[ThreadItem]
    latest: Mention | None
    clocks: list[sla.Clock]
    notes: list[tuple[Any, str | None]]
    audit: list[Any]
    areas: list[Any]
    users: list[User]
    transitions: list[str]
    assignee: str | None
    area_name: str | None
    previous_cases: list[Case]
    satisfaction: list[Satisfaction]
    moderation: list[ModerationAction]
    other_mentions: list[Mention]
    snapshots: list[Any]
    others: list[Presence] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    parent_case: Case | None = None  # for a third party's case: the customer's case whose thread it is in


def replies_of_case(session: Session, case_id: int) -> list[Reply]:
    # The caller already checked the case's scope, so read the rows directly.
    return list(session.scalars(select(Reply).where(Reply.case_id == case_id).order_by(Reply.created_at,
                                                                                      Reply.id)))


def case_view(session: Session, case: Case, *, now: datetime, viewer_id: int, board: PresenceBoard,
              scope: cases.Scope) -> CaseView:
    brand = session.get(Brand, case.brand_id)
    assert brand is not None
    person = people.get(session, person_id=case.person_id)
    thread_mentions = mentions.thread_of_case(session, case_id=case.id, brand_id=case.brand_id,
                                              conversation_key=case.conversation_key)
    case_mentions = [m for m in thread_mentions if m.case_id == case.id and not m.third_party]
    participants, parent = _participants(session, case, thread_mentions)
    own_cases = {p.person_id: p.case.id for p in participants if p.case is not None}
    replies = replies_of_case(session, case.id)
    names = user_names(session, [r.author_user_id for r in replies] + [case.assigned_user_id])
    thread = [ThreadItem("mention", m.created_at, mention=m, third_party=m.person_id != case.person_id,
                         own_case_id=own_cases.get(m.person_id))
              for m in thread_mentions if m.person_id != case.person_id or m.case_id == case.id]
    thread += [ThreadItem("reply", r.sent_at or r.created_at, reply=r,
                          author=names.get(r.author_user_id) if r.author_user_id else None) for r in replies]
    thread.sort(key=lambda item: item.at)
    notes = cases.notes_of(session, case_id=case.id)
    note_authors = user_names(session, [n.author_user_id for n in notes])
    previous = list(session.scalars(scope.apply(select(Case), Case.brand_id)
                                    .where(Case.person_id == person.id, Case.id != case.id)
                                    .order_by(Case.opened_at.desc()).limit(20)))
    case_ids = [case.id, *[c.id for c in previous]]
    satisfaction = list(session.scalars(select(Satisfaction).where(Satisfaction.case_id.in_(case_ids))
                                        .order_by(Satisfaction.created_at.desc())))
    moderation = list(session.scalars(select(ModerationAction).where(ModerationAction.person_id == person.id)
                                      .order_by(ModerationAction.created_at.desc()).limit(50)))
    own = {m.id for m in case_mentions}
    others = [m for m in mentions.mentions_of_person(session, person_id=person.id, brand_ids=scope.brand_ids,
                                                     limit=30) if m.id not in own]
    area = next((a for a in cases.areas_of(session, brand_id=brand.id) if a.id == case.area_id), None)
    latest = case_mentions[-1] if case_mentions else None
    return CaseView(
        case=case, brand=brand, person=person, handles=people.handles_of(session, person_id=person.id),
        thread=thread, latest=latest, clocks=sla.clocks(case, now=now),
        notes=[(n, note_authors.get(n.author_user_id) if n.author_user_id else None) for n in notes],
        audit=audit.events_for_case(session, case.id), areas=cases.areas_of(session, brand_id=brand.id),
        users=assignable_users(session, [brand.id]),
        transitions=sorted(lifecycle.TRANSITIONS.get(case.status, frozenset()),
                           key=list(lifecycle.STATES).index),
        assignee=names.get(case.assigned_user_id) if case.assigned_user_id else None,
        area_name=area.name if area else None, previous_cases=previous, satisfaction=satisfaction,
        moderation=moderation, other_mentions=others,
        snapshots=mentions.snapshots_of(session, mention_id=latest.id) if latest else [],
        others=board.others(case.id, user_id=viewer_id), participants=participants, parent_case=parent,
    )


ROLE_STRENGTH = {"troll": 0, "hostil": 1, "cliente": 2, "ninguno": 3}


def _participants(session: Session, case: Case, thread: Sequence[Mention]) -> tuple[list[Participant], Case | None]:
    """Everyone else in the case's conversation, with their own case linked to it when they have one."""
    parent = session.get(Case, case.related_case_id) if case.related_case_id else None
    linked = {c.person_id: c for c in session.scalars(select(Case).where(Case.related_case_id == case.id)
                                                       .order_by(Case.id))}
    brand = session.get(Brand, case.brand_id)
    own = brands.own_handles(session, brand) if brand is not None else frozenset()
    seen: dict[int, list[Mention]] = {}
    for m in thread:
        if m.person_id != case.person_id and (parent is None or m.person_id != parent.person_id):
            seen.setdefault(m.person_id, []).append(m)
    out = []
    for person_id, said in seen.items():
        their_case = linked.get(person_id)
        roles = [m.author_role for m in said if m.author_role]
        role = their_case.author_role if their_case is not None else (
            min(roles, key=lambda r: ROLE_STRENGTH.get(r, 9)) if roles else None)
        last = said[-1]
        out.append(Participant(person_id=person_id, name=last.author_name or last.author_handle,
                               handle=last.author_handle.lstrip("@"), role=role, messages=len(said),
                               case=their_case,
                               from_brand=last.author_handle.strip().lstrip("@").casefold() in own))
    return out, parent
