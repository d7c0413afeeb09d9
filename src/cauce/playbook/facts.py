"""Everything the playbook rules look at for one case, loaded in a handful of narrow queries.

The rules themselves (`next_actions.derive`) are a pure function of these facts, so they are
fast, testable without a database, and the same for the API, the web page and the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cauce.cases.models import Area, Case, FollowUp, ModerationAction, Satisfaction
from cauce.mentions.models import Mention
from cauce.people.models import Person
from cauce.playbook.models import Crisis, CrisisCase, EvidenceSnapshot
from cauce.replies.models import Reply

ROLES_BY_STRENGTH = ("troll", "hostil", "cliente", "ninguno")


@dataclass(frozen=True)
class MentionFact:
    id: int
    created_at: datetime
    private: bool
    abusive: bool
    threat: bool
    legal_risk: bool
    anger: float
    author_role: str | None
    role_confidence: float
    hidden: bool
    followers: int = 0  # the author's audience when the message came (reach, §2 and §8)


@dataclass(frozen=True)
class ReplyFact:
    visibility: str
    state: str
    intent: str | None
    created_at: datetime

    @property
    def counts(self) -> bool:
        return self.state != "failed"


@dataclass(frozen=True)
class FollowUpFact:
    id: int
    kind: str
    due_at: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class CaseFacts:
    case: Case
    area_slug: str | None
    mentions: tuple[MentionFact, ...]
    replies: tuple[ReplyFact, ...]
    confirmed_role: str | None
    person_blocked: bool
    last_warning_at: datetime | None
    follow_ups: tuple[FollowUpFact, ...]
    scores: tuple[int, ...]  # CSAT results, oldest first
    evidence_count: int
    crisis_status: str | None  # active | watch | None

    @property
    def proposed_role(self) -> str | None:
        """Triage's role for the case (its author's strongest role across the case's messages)."""
        return self.case.author_role

    @property
    def proposed_confidence(self) -> float:
        return self.case.role_confidence or 0.0

    @property
    def flags(self) -> frozenset[str]:
        names = set(self.case.flags or ())
        for m in self.mentions:
            names.update(n for n in ("abusive", "threat", "legal_risk") if getattr(m, n))
        return frozenset(names)

    def public_replies(self) -> list[ReplyFact]:
        return [r for r in self.replies if r.visibility == "public" and r.counts]

    def private_replies(self) -> list[ReplyFact]:
        return [r for r in self.replies if r.visibility == "private" and r.counts]

    def checklist_state(self, item: str) -> str | None:
        entry: Any = (self.case.resolution_checklist or {}).get(item)
        return entry.get("state") if isinstance(entry, dict) else None


def load(session: Session, case: Case) -> CaseFacts:
    # Only the customer's own messages: third parties in the thread never steer the case's rules.
    mentions = tuple(
        MentionFact(r.id, r.created_at, r.private, r.abusive, r.threat, r.legal_risk,
                    float((r.assessment or {}).get("anger", 0.0) or 0.0), r.author_role,
                    float((r.assessment or {}).get("role_confidence", 0.0) or 0.0), r.hidden,
                    int(r.author_followers or 0))
        for r in session.execute(
            select(Mention.id, Mention.created_at, Mention.private, Mention.abusive, Mention.threat,
                   Mention.legal_risk, Mention.assessment, Mention.author_role, Mention.hidden,
                   Mention.author_followers)
            .where(Mention.case_id == case.id, Mention.third_party.is_(False)).order_by(Mention.created_at)
        )
    )
    replies = tuple(
        ReplyFact(r.visibility, r.state, r.intent, r.created_at)
        for r in session.execute(select(Reply.visibility, Reply.state, Reply.intent, Reply.created_at)
                                 .where(Reply.case_id == case.id).order_by(Reply.created_at))
    )
    # One round trip for the per-person and per-case scalars (this runs for every case on screen).
    last_warning = (select(func.max(ModerationAction.created_at)).where(
        ModerationAction.person_id == case.person_id, ModerationAction.brand_id == case.brand_id,
        ModerationAction.action == "warn", ModerationAction.status.in_(("applied", "appealed", "upheld")))
        .scalar_subquery())
    evidence_count = (select(func.count()).select_from(EvidenceSnapshot)
                      .where(EvidenceSnapshot.case_id == case.id).scalar_subquery())
    area_slug = select(Area.slug).where(Area.id == case.area_id).scalar_subquery()
    crisis_status = (select(Crisis.status).join(CrisisCase, CrisisCase.crisis_id == Crisis.id)
                     .where(CrisisCase.case_id == case.id, Crisis.status.in_(("active", "watch")))
                     .limit(1).scalar_subquery())
    row = session.execute(select(Person.confirmed_role, Person.blocked, last_warning, evidence_count, area_slug,
                                 crisis_status).where(Person.id == case.person_id)).one()
    follow_ups = tuple(
        FollowUpFact(r.id, r.kind, r.due_at, r.done_at)
        for r in session.execute(select(FollowUp.id, FollowUp.kind, FollowUp.due_at, FollowUp.done_at)
                                 .where(FollowUp.case_id == case.id).order_by(FollowUp.id))
    )
    scores = tuple(session.scalars(select(Satisfaction.score).where(Satisfaction.case_id == case.id)
                                   .order_by(Satisfaction.id)))
    last_warning_at = _aware(row[2])  # SQLite hands back an aggregate's datetime without its zone
    return CaseFacts(case=case, area_slug=row[4], mentions=mentions, replies=replies, confirmed_role=row[0],
                     person_blocked=bool(row[1]), last_warning_at=last_warning_at, follow_ups=follow_ups,
                     scores=scores, evidence_count=int(row[3] or 0), crisis_status=row[5])


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def load_many(session: Session, cases: Sequence[Case]) -> list[CaseFacts]:
    """Facts for many cases in nine queries in total (the inbox shows next actions for a page of cases)."""
    if not cases:
        return []
    ids = [c.id for c in cases]
    mentions: dict[int, list[MentionFact]] = defaultdict(list)
    for r in session.execute(
            select(Mention.case_id, Mention.id, Mention.created_at, Mention.private, Mention.abusive,
                   Mention.threat, Mention.legal_risk, Mention.assessment, Mention.author_role, Mention.hidden,
                   Mention.author_followers)
            .where(Mention.case_id.in_(ids), Mention.third_party.is_(False)).order_by(Mention.created_at)):
        assessment = r.assessment or {}
        mentions[r.case_id].append(MentionFact(
            r.id, r.created_at, r.private, r.abusive, r.threat, r.legal_risk,
            float(assessment.get("anger", 0.0) or 0.0), r.author_role,
            float(assessment.get("role_confidence", 0.0) or 0.0), r.hidden, int(r.author_followers or 0)))
    replies: dict[int, list[ReplyFact]] = defaultdict(list)
    for r in session.execute(select(Reply.case_id, Reply.visibility, Reply.state, Reply.intent, Reply.created_at)
                             .where(Reply.case_id.in_(ids)).order_by(Reply.created_at)):
        replies[r.case_id].append(ReplyFact(r.visibility, r.state, r.intent, r.created_at))
    follow_ups: dict[int, list[FollowUpFact]] = defaultdict(list)
    for r in session.execute(select(FollowUp.case_id, FollowUp.id, FollowUp.kind, FollowUp.due_at, FollowUp.done_at)
                             .where(FollowUp.case_id.in_(ids)).order_by(FollowUp.id)):
        follow_ups[r.case_id].append(FollowUpFact(r.id, r.kind, r.due_at, r.done_at))
    scores: dict[int, list[int]] = defaultdict(list)
    for case_id, score in session.execute(select(Satisfaction.case_id, Satisfaction.score)
                                          .where(Satisfaction.case_id.in_(ids)).order_by(Satisfaction.id)):
        scores[case_id].append(score)
    person_ids = {c.person_id for c in cases}
    people = {r.id: (r.confirmed_role, r.blocked) for r in session.execute(
        select(Person.id, Person.confirmed_role, Person.blocked).where(Person.id.in_(person_ids)))}
    warnings = {(p, b): _aware(at) for p, b, at in session.execute(
        select(ModerationAction.person_id, ModerationAction.brand_id, func.max(ModerationAction.created_at))
        .where(ModerationAction.person_id.in_(person_ids), ModerationAction.action == "warn",
               ModerationAction.status.in_(("applied", "appealed", "upheld")))
        .group_by(ModerationAction.person_id, ModerationAction.brand_id))}
    evidence: dict[int, int] = {}
    for case_id, n in session.execute(select(EvidenceSnapshot.case_id, func.count())
                                      .where(EvidenceSnapshot.case_id.in_(ids)).group_by(EvidenceSnapshot.case_id)):
        evidence[case_id] = n
    area_ids = {c.area_id for c in cases if c.area_id}
    areas: dict[int, str] = {}
    if area_ids:
        for area_id, slug in session.execute(select(Area.id, Area.slug).where(Area.id.in_(area_ids))):
            areas[area_id] = slug
    crisis: dict[int, str] = {}
    for case_id, status in session.execute(
            select(CrisisCase.case_id, Crisis.status).join(Crisis, CrisisCase.crisis_id == Crisis.id)
            .where(CrisisCase.case_id.in_(ids), Crisis.status.in_(("active", "watch")))):
        crisis[case_id] = status
    out = []
    for c in cases:
        role, blocked = people.get(c.person_id, (None, False))
        out.append(CaseFacts(
            case=c, area_slug=areas.get(c.area_id) if c.area_id else None, mentions=tuple(mentions[c.id]),
            replies=tuple(replies[c.id]), confirmed_role=role, person_blocked=bool(blocked),
            last_warning_at=warnings.get((c.person_id, c.brand_id)), follow_ups=tuple(follow_ups[c.id]),
            scores=tuple(scores[c.id]), evidence_count=int(evidence.get(c.id, 0)), crisis_status=crisis.get(c.id)))
    return out
