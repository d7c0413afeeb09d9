"""What the tone guard and the drafts need to know about a case, gathered in one place."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cauce.brands.models import Brand
from cauce.cases.models import Case
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.people.models import Person
from cauce.replies.models import Reply

RECENT_REPLIES = 50
ROLES = frozenset({"cliente", "hostil", "troll", "ninguno"})
DELIVERED = ("queued", "sending", "sent", "recorded")
# Networks that are private by nature: every reply there is a private message.
PRIVATE_NETWORKS = frozenset({"email", "whatsapp", "messenger", "telegram_private", "sms"})


@dataclass(frozen=True)
class ReplyFacts:
    """The facts of a case a reply is judged against (PLAYBOOK §3, §5, §7, §8)."""

    visibility: str
    channel: str
    brand_name: str
    brand_voice: str  # tu | usted
    brand_country: str
    recipient_name: str | None
    recipient_handle: str | None
    agent_first_name: str | None
    at_fault: bool | None  # True: §5.2, False: §5.1, None: not investigated yet
    author_role: str | None
    troll_confirmed: bool
    public_replies_sent: int
    should_be_private: bool
    recent_replies_to_others: list[str] = field(default_factory=list)
    mention_text: str = ""
    case_title: str = ""
    category: str | None = None
    pqr_type: str | None = None
    flags: list[str] = field(default_factory=list)


def first_inbound(session: Session, case: Case) -> Mention | None:
    """The customer's first message in the case (never a third party's)."""
    rows = mentions.customer_mentions_of_case(session, case_id=case.id)
    return rows[0] if rows else None


def latest_inbound(session: Session, case: Case) -> Mention | None:
    """The customer's latest message: what replies answer and whom drafts greet (never a third party's)."""
    rows = mentions.customer_mentions_of_case(session, case_id=case.id)
    return rows[-1] if rows else None


def public_replies_sent(session: Session, case: Case) -> int:
    return session.scalar(select(func.count()).select_from(Reply).where(
        Reply.case_id == case.id, Reply.visibility == "public", Reply.state.in_(DELIVERED))) or 0


def recent_replies_to_others(session: Session, case: Case, *, limit: int = RECENT_REPLIES) -> list[str]:
    """The brand's latest reply texts in OTHER people's cases (the 'looks automatic' check)."""
    rows = session.scalars(
        select(Reply.text).join(Case, Case.id == Reply.case_id)
        .where(Case.brand_id == case.brand_id, Case.person_id != case.person_id, Reply.state.in_(DELIVERED))
        .order_by(Reply.created_at.desc(), Reply.id.desc()).limit(limit)
    ).all()
    return list(rows)


def should_be_private(case: Case, *, troll_confirmed: bool, public_sent: int) -> bool:
    """§7/§8: abusive, threatening or legal threads move to private; a confirmed troll gets one public reply."""
    flagged = any(f in (case.flags or []) for f in ("abusive", "threat", "legal_risk"))
    return flagged or (troll_confirmed and public_sent >= 1)


def _known_role(role: str | None) -> str | None:
    return role if role in ROLES else None


def facts_for(session: Session, case: Case, *, visibility: str = "public", channel: str | None = None,
              agent_first_name: str | None = None) -> ReplyFacts:
    brand = session.get(Brand, case.brand_id)
    person = session.get(Person, case.person_id)
    assert brand is not None and person is not None
    latest = latest_inbound(session, case)
    troll = person.confirmed_role == "troll"
    sent = public_replies_sent(session, case)
    outcome = case.outcome
    return ReplyFacts(
        visibility=visibility,
        channel=channel or case.channel,
        brand_name=brand.name,
        brand_voice=brand.voice,
        brand_country=brand.country,
        recipient_name=(latest.author_name if latest else None) or person.display_name,
        recipient_handle=latest.author_handle if latest else None,
        agent_first_name=agent_first_name,
        at_fault=True if outcome == "at_fault" else False if outcome == "not_at_fault" else None,
        author_role=_known_role(person.confirmed_role or case.author_role),
        troll_confirmed=troll,
        public_replies_sent=sent,
        should_be_private=should_be_private(case, troll_confirmed=troll, public_sent=sent),
        recent_replies_to_others=recent_replies_to_others(session, case),
        mention_text=latest.text if latest else "",
        case_title=case.title,
        category=case.category,
        pqr_type=case.pqr_type,
        flags=list(case.flags or []),
    )


def _accepted_fields(cls: Any) -> set[str] | None:
    if dataclasses.is_dataclass(cls):
        return {f.name for f in dataclasses.fields(cls)}
    fields = getattr(cls, "model_fields", None)
    return set(fields) if fields is not None else None


def adapt(facts: ReplyFacts, target: Any, **renames: str) -> Any:
    """Build another feature's context object (the guard's, the drafts') from the facts it knows.

    `renames` maps the target's field name to ours when they differ.
    """
    data = dataclasses.asdict(facts)
    for theirs, ours in renames.items():
        data[theirs] = data[ours]
    accepted = _accepted_fields(target)
    if accepted is not None:
        data = {k: v for k, v in data.items() if k in accepted}
    return target(**data)


def guard_context_from_db(session: Session, *, case_id: int | None, brand_ref: str | None) -> Any:
    """The tone guard's context for `cauce reply check --case/--brand`: the case's facts, or the brand's voice."""
    from cauce.brands import service as brands
    from cauce.cases import service as cases
    from cauce.replies.tone.schemas import GuardContext

    if case_id is not None:
        case = cases.get(session, case_id=case_id)
        return adapt(facts_for(session, case), GuardContext, voice="brand_voice", agent_name="agent_first_name")
    assert brand_ref is not None
    brand = brands.resolve(session, brand_ref)
    recent = list(session.scalars(select(Reply.text).join(Case, Case.id == Reply.case_id)
                                  .where(Case.brand_id == brand.id).order_by(Reply.id.desc()).limit(RECENT_REPLIES)))
    return GuardContext.model_validate({"voice": brand.voice, "recent_replies_to_others": recent})
