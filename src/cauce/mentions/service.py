"""Ingest: normalise, dedupe, attach to a Person, triage, thread into a case, audit.

`ingest` is the one door every mention comes through (API, file import, connectors, demo).
Each mention is atomic: it is stored with its snapshot, person, case and audit events, or not
at all — so a killed import can simply be re-run and only the missing mentions are added.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased

from cauce.audit.service import SYSTEM, Actor, IdOf, deferred, record
from cauce.brands import service as brands
from cauce.brands.models import Brand
from cauce.cases import lifecycle
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.cases.service import RouteResult
from cauce.db import bulk_insert, reserve_ids, table_of, utcnow
from cauce.errors import CauceError, Conflict, NotFound
from cauce.mentions.models import Mention, MetricSnapshot
from cauce.mentions.schemas import MentionIn, MetricsIn
from cauce.observability import metrics
from cauce.people import service as people
from cauce.people.models import Handle, Person
from cauce.triage import adaptation
from cauce.triage import service as triage
from cauce.triage.schemas import Assessment, BrandContext, History, MetricPoint, PriorMessage

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
# Comments on these networks sit on the brand's own page, where the whole community sees them.
OWN_PAGE_CHANNELS = frozenset({"facebook", "instagram", "youtube", "tiktok"})


@dataclass(frozen=True)
class IngestResult:
    status: str  # created | duplicate | error
    external_id: str | None = None
    mention_id: int | None = None
    case_id: int | None = None
    case_created: bool = False
    metrics_updated: bool = False
    error: str | None = None
    priority: int | None = None
    noise: bool = False  # stored as irrelevant: counted and searchable, no case

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v is not False}


def _existing(session: Session, brand_id: int, channel: str, external_id: str) -> Mention | None:
    row = next(_stored(session, {(brand_id, channel, external_id)}, Mention), None)
    return row.Mention if row is not None else None


Metrics = tuple[int, int, int, int]  # likes, reposts, replies, followers


def _refresh_metrics(session: Session, mention: Mention, item: MentionIn,
                     latest: dict[int, Metrics] | None = None) -> bool:
    """Store a new snapshot when the engagement changed; `latest` caches each mention's last reading."""
    last: Metrics | None
    if latest is not None and mention.id in latest:
        last = latest[mention.id]
    else:
        row = session.scalar(select(MetricSnapshot).where(MetricSnapshot.mention_id == mention.id)
                             .order_by(MetricSnapshot.observed_at.desc(), MetricSnapshot.id.desc()).limit(1))
        last = (row.likes, row.reposts, row.replies, row.followers) if row is not None else None
    current = (item.metrics.likes, item.metrics.reposts, item.metrics.replies, item.author.followers)
    if last == current:
        return False
    session.add(MetricSnapshot(mention_id=mention.id, observed_at=utcnow(), likes=current[0], reposts=current[1],
                               replies=current[2], followers=current[3]))
    mention.author_followers = item.author.followers
    if latest is not None:
        latest[mention.id] = current
    return True


def _conversation_id(session: Session, brand_id: int, item: MentionIn,
                     known: dict[tuple[int, str, str], str | None] | None = None) -> str:
    """The conversation a mention belongs to; `known` holds the stored parents a batch read ahead."""
    if item.conversation_id:
        return item.conversation_id
    if item.in_reply_to:
        key = (brand_id, item.channel, item.in_reply_to)
        if known is not None:
            parent = known.get(key)
        else:
            parent = next((r.conversation_id for r in _stored(session, {key}, Mention.conversation_id)), None)
        # An unknown parent (e.g. the brand's own post) still groups its replies together.
        return parent or item.in_reply_to
    return item.id


def _parent_author() -> tuple[Any, Any]:
    """(the parent's person_id column, the outer-join condition) for reading whose post a mention answers."""
    parent = aliased(Mention)
    return parent.person_id.label("parent_person"), (parent, (parent.brand_id == Mention.brand_id)
                                                     & (parent.channel == Mention.channel)
                                                     & (parent.external_id == Mention.in_reply_to))


def _replies_to_other(person_id: int, parent_person: int | None) -> bool:
    """A reply to somebody else's stored post; replies in one's own thread or under the brand's don't count."""
    return parent_person is not None and parent_person != person_id


def _history(session: Session, *, brand_id: int, person_id: int, item: MentionIn,
             rows: Sequence[Any] | None = None, reply_to_other: bool = False,
             brand: BrandContext | None = None, replies_to_brand: bool = False) -> History:
    """The person's last messages to the brand (their own words only); `rows` (oldest first) when already read."""
    if rows is None:
        parent_person, (parent, joined) = _parent_author()
        rows = session.execute(
            select(Mention.text, Mention.created_at, Mention.answered, Mention.external_id, Mention.in_reply_to,
                   Mention.author_handle, parent_person)
            .outerjoin(parent, joined)
            .where(Mention.brand_id == brand_id, Mention.person_id == person_id)
            .order_by(Mention.created_at.desc()).limit(HISTORY_LIMIT)
        ).all()[::-1]
    prior = tuple(
        PriorMessage(text=r.text, created_at=r.created_at, answered=r.answered, external_id=r.external_id,
                     reply_to_other=_replies_to_other(person_id, r.parent_person))
        for r in rows
    )
    on_own_page = bool((item.model_extra or {}).get("on_own_page", item.channel in OWN_PAGE_CHANNELS))
    snapshot = MetricPoint(observed_at=utcnow(), likes=item.metrics.likes, reposts=item.metrics.reposts,
                           replies=item.metrics.replies)
    own_page = on_own_page and not item.private
    addressed = brand is not None and _addressed(item, brand, on_own_page=own_page, replies_to_brand=replies_to_brand)
    return History(prior_messages=prior, metric_snapshots=(snapshot,), on_own_page=own_page,
                   reply_to_other=reply_to_other, brand=brand, addressed_to_brand=addressed)


_TAG = re.compile(r"@([\w.\-]+(?:@[\w.\-]+)?)", re.UNICODE)
# Fields a connector may set on a mention when the network says it is addressed to the brand.
ADDRESSED_FIELDS = ("addressed_to_brand", "reply_to_brand", "direct_message")


def _addressed(item: MentionIn, brand: BrandContext, *, on_own_page: bool, replies_to_brand: bool) -> bool:
    """Whether the mention is addressed to the brand: a direct message or e-mail, a comment on its own page,
    a reply to one of its posts, or a message that tags one of its handles."""
    if item.private or on_own_page or replies_to_brand:
        return True
    extra = item.model_extra or {}
    if any(extra.get(k) is True for k in ADDRESSED_FIELDS):
        return True
    parent_author = extra.get("in_reply_to_author")
    own = {h.lstrip("@").casefold() for h in brand.handles}
    if isinstance(parent_author, str) and parent_author.strip().lstrip("@").casefold() in own:
        return True
    return any(tag.rstrip(".").casefold() in own for tag in _TAG.findall(item.text or ""))


def brand_context(session: Session, brand: Brand, *, own: frozenset[str] | None = None) -> BrandContext:
    """What triage knows of the brand to judge relevance: its name, its own accounts (listed handles and
    channel accounts; `own` when already read) and its triage settings (terms, exclusion terms, homonyms)."""
    settings = brand.triage_settings or {}
    handles = tuple(sorted(own if own is not None else brands.own_handles(session, brand)))
    terms = tuple(dict.fromkeys([brand.name, *(str(t) for t in settings.get("terms") or ())]))
    return BrandContext(name=brand.name, handles=handles, terms=terms,
                        exclusion_terms=tuple(str(t) for t in settings.get("exclusion_terms") or ()),
                        homonyms=tuple(str(t) for t in settings.get("homonyms") or ()))


ADDRESSED_REASON = "dirigida a la marca"


OWN_POST_REASON = "publicada por la marca"


THREAD_REASON = "responde en una conversación de la marca"


def guard_relevance(assessment: Assessment, history: History, *, from_brand: bool = False,
                    in_brand_thread: bool = False) -> Assessment:
    """A mention addressed to the brand (or written by it, or replying under a relevant message of its
    stream) is never noise: exclusion terms and homonyms only count against mentions that merely name it,
    and a troll or a second customer in a customer's thread must reach the queue (their own linked case)."""
    if assessment.relevant or not (history.addressed_to_brand or from_brand or in_brand_thread):
        return assessment
    reason = OWN_POST_REASON if from_brand else ADDRESSED_REASON if history.addressed_to_brand else THREAD_REASON
    return replace(assessment, relevant=True, relevance=max(assessment.relevance, 0.5),
                   relevance_reasons=(*assessment.relevance_reasons, reason))


def _assessment_json(a: Assessment) -> dict[str, Any]:
    data: dict[str, Any] = {
        "language": a.language, "is_complaint": a.is_complaint, "complaint_score": round(a.complaint_score, 4),
        "pqr_type": a.pqr_type, "category": a.category, "sentiment": a.sentiment, "anger": round(a.anger, 4),
        "abusive": a.abusive, "threat": a.threat, "legal_risk": a.legal_risk, "author_role": a.author_role,
        "role_confidence": round(a.role_confidence, 4), "priority": a.priority, "reasons": list(a.reasons),
        "evidence": [e.__dict__ for e in a.evidence], "model_version": a.model_version,
    }
    if a.impact is not None:
        data["impact"] = dict(a.impact.__dict__)
    data.update(relevant=a.relevant, relevance=round(a.relevance, 4), relevance_reasons=list(a.relevance_reasons))
    return data


@dataclass
class _BatchState:
    """What earlier mentions of the same batch tell later ones before any of them is stored."""

    priors: dict[tuple[int, int], list[PriorMessage]] = field(default_factory=dict)
    conversations: dict[tuple[int, str, str], str] = field(default_factory=dict)
    # Read once per batch by `_prefetch` (None: not read, ask the database per mention).
    existing: dict[tuple[int, str, str], Mention] | None = None
    parents: dict[tuple[int, str, str], str | None] | None = None
    authors: dict[tuple[int, str, str], tuple[Handle, Person]] | None = None
    histories: dict[tuple[int, int], list[Any]] | None = None
    new_people: set[int] = field(default_factory=set)  # created by `_prefetch`: no history yet
    own_handles: dict[int, frozenset[str]] = field(default_factory=dict)  # the brand's own accounts, by brand
    latest: dict[int, Metrics] | None = None  # last metric snapshot of the mentions in `existing`
    # Who wrote the posts the batch replies to (stored ones, read by `_prefetch`, and the batch's own).
    parent_people: dict[tuple[int, str, str], int] | None = None
    written_by: dict[tuple[int, str, str], int] = field(default_factory=dict)
    # Posts by the brand's own accounts (stored ones, read by `_prefetch`, and the batch's own).
    brand_posts: set[tuple[int, str, str]] | None = None
    # Stored parents of the batch's replies that are relevant to their brand (read by `_prefetch`).
    relevant_parents: set[tuple[int, str, str]] | None = None
    written_by_brand: set[tuple[int, str, str]] = field(default_factory=set)
    contexts: dict[int, BrandContext] = field(default_factory=dict)  # by brand


def _chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _stored(session: Session, keys: set[tuple[int, str, str]], *columns: Any) -> Iterator[Any]:
    """Rows (brand_id, channel, external_id, *columns) of the stored mentions with these keys."""
    brand_ids = {b for b, _, _ in keys}
    channels = {c for _, c, _ in keys}
    for ids in _chunks(e for _, _, e in keys):  # the filters follow the unique key's columns
        query = select(Mention.brand_id, Mention.channel, Mention.external_id, *columns).where(
            Mention.brand_id.in_(brand_ids), Mention.channel.in_(channels), Mention.external_id.in_(ids))
        for row in session.execute(query):
            if (row.brand_id, row.channel, row.external_id) in keys:
                yield row


def _prefetch(session: Session, items: Sequence[MentionIn], batch: _BatchState, *, create_people: bool) -> None:
    """Read in a few queries what `_prepare` would otherwise ask the database for mention by mention.

    With `create_people`, the authors seen for the first time are created here in one batched insert.
    """
    brands.resolve_many(session, (item.brand for item in items))
    resolved: list[tuple[Brand, MentionIn]] = []
    for item in items:
        try:
            resolved.append((brands.resolve(session, item.brand), item))
        except CauceError:
            continue  # reported by `_prepare`
    keys = {(b.id, i.channel, i.id) for b, i in resolved}
    batch.existing = {(r.brand_id, r.channel, r.external_id): r.Mention for r in _stored(session, keys, Mention)}
    batch.latest = {}
    for ids in _chunks(m.id for m in batch.existing.values()):
        newest = func.row_number().over(partition_by=MetricSnapshot.mention_id,
                                        order_by=(MetricSnapshot.observed_at.desc(), MetricSnapshot.id.desc()))
        last = select(MetricSnapshot.mention_id, MetricSnapshot.likes, MetricSnapshot.reposts,
                      MetricSnapshot.replies, MetricSnapshot.followers, newest.label("rank")) \
            .where(MetricSnapshot.mention_id.in_(ids)).subquery()
        for row in session.execute(select(last).where(last.c.rank == 1)):
            batch.latest[row.mention_id] = (row.likes, row.reposts, row.replies, row.followers)
    wanted = {(b.id, i.channel, i.in_reply_to) for b, i in resolved if i.in_reply_to and not i.conversation_id}
    batch.parents = {(r.brand_id, r.channel, r.external_id): r.conversation_id
                     for r in _stored(session, wanted, Mention.conversation_id)}
    replied = {(b.id, i.channel, i.in_reply_to) for b, i in resolved if i.in_reply_to}
    batch.parent_people, batch.brand_posts, batch.relevant_parents = {}, set(), set()
    for r in _stored(session, replied, Mention.person_id, Mention.author_handle, Mention.relevant):
        key = (r.brand_id, r.channel, r.external_id)
        batch.parent_people[key] = r.person_id
        if r.relevant:
            batch.relevant_parents.add(key)
        if _is_own(session, r.brand_id, r.author_handle, batch):
            batch.brand_posts.add(key)
    batch.authors = people.prefetch_handles(
        session, {(b.organisation_id, i.channel, i.author.handle) for b, i in resolved
                  if (b.id, i.channel, i.id) not in batch.existing})
    pairs = {(b.id, batch.authors[k][1].id) for b, i in resolved
             if (k := (b.organisation_id, i.channel, people.normalise_handle(i.author.handle))) in batch.authors}
    batch.histories = {pair: [] for pair in pairs}
    if create_people:
        batch.new_people = people.create_missing(session, (
            people.Sighting(b.organisation_id, i.channel, i.author.handle, i.author.name, i.author.followers,
                            i.created_at)
            for b, i in resolved if (b.id, i.channel, i.id) not in batch.existing), batch.authors)
    if not pairs:
        return
    brand_ids = {b for b, _ in pairs}
    for person_ids in _chunks(p for _, p in pairs):
        rank = func.row_number().over(partition_by=(Mention.brand_id, Mention.person_id),
                                      order_by=Mention.created_at.desc()).label("rank")
        parent_person, (parent, joined) = _parent_author()
        inner = (select(Mention.brand_id, Mention.person_id, Mention.text, Mention.created_at, Mention.answered,
                        Mention.external_id, Mention.in_reply_to, parent_person, rank)
                 .outerjoin(parent, joined)
                 .where(Mention.person_id.in_(person_ids), Mention.brand_id.in_(brand_ids)).subquery())
        rows = session.execute(select(inner).where(inner.c.rank <= HISTORY_LIMIT)
                               .order_by(inner.c.brand_id, inner.c.person_id, inner.c.rank.desc()))
        for row in rows:
            found = batch.histories.get((row.brand_id, row.person_id))
            if found is not None:
                found.append(row)


@dataclass
class _Prepared:
    """A new mention with everything triage needs, before it is assessed and stored."""

    item: MentionIn
    brand: Brand
    person_id: int
    history: History
    conversation: str
    from_brand: bool = False  # written by the brand's own account (a reply in a customer's thread)
    # A reply under a relevant message of the brand's stream (a troll or a second customer in her thread).
    in_brand_thread: bool = False


def _from_brand(session: Session, brand: Brand, item: MentionIn, batch: _BatchState) -> bool:
    """Whether the author is one of the brand's own accounts (its handles, its channel accounts)."""
    return _is_own(session, brand.id, item.author.handle, batch, brand=brand)


def _is_own(session: Session, brand_id: int, handle: str, batch: _BatchState, *, brand: Brand | None = None) -> bool:
    handles = batch.own_handles.get(brand_id)
    if handles is None:
        found = brand or session.get(Brand, brand_id)
        handles = batch.own_handles[brand_id] = brands.own_handles(session, found) if found else frozenset()
    return people.normalise_handle(handle) in handles


def _context(session: Session, brand: Brand, batch: _BatchState) -> BrandContext:
    found = batch.contexts.get(brand.id)
    if found is None:
        _is_own(session, brand.id, "", batch, brand=brand)  # reads the brand's own handles once per batch
        found = batch.contexts[brand.id] = brand_context(session, brand, own=batch.own_handles[brand.id])
    return found


def _replies_to_brand(session: Session, brand_id: int, item: MentionIn, batch: _BatchState) -> bool:
    """The mention answers a stored post of the brand's own accounts."""
    if not item.in_reply_to:
        return False
    key = (brand_id, item.channel, item.in_reply_to)
    if key in batch.written_by_brand:
        return True
    if batch.brand_posts is not None and batch.parent_people is not None:
        return key in batch.brand_posts
    row = next(_stored(session, {key}, Mention.author_handle), None)
    return row is not None and _is_own(session, brand_id, row.author_handle, batch)


def ingest(session: Session, item: MentionIn, *, actor: Actor = SYSTEM, source: str = "api",
           thread_window: timedelta = timedelta(hours=72), now: datetime | None = None) -> IngestResult:
    """Store one mention (idempotent on brand + channel + external id) and route it into a case."""
    now = now or utcnow()
    # One flush up front makes earlier changes visible to this mention's queries; after that,
    # autoflush stays off and we flush only where a new row's id is needed.
    session.flush()
    with session.no_autoflush:
        prepared = _prepare(session, item, batch=_BatchState())
        if isinstance(prepared, IngestResult):
            return prepared
        assessment = _adapt(session, [prepared], [triage.assess(item, prepared.history)])[0]
        return _apply(session, prepared, assessment, actor=actor, source=source, thread_window=thread_window,
                      now=now)


def _prepare(session: Session, item: MentionIn, *, batch: _BatchState) -> _Prepared | IngestResult:
    """Dedupe, find the author and read their history (plus what they said earlier in this batch)."""
    brand: Brand = brands.resolve(session, item.brand)
    if batch.existing is not None:
        existing = batch.existing.get((brand.id, item.channel, item.id))
    else:
        existing = _existing(session, brand.id, item.channel, item.id)
    if existing is not None:
        changed = _refresh_metrics(session, existing, item, batch.latest)
        return IngestResult("duplicate", item.id, existing.id, existing.case_id, metrics_updated=changed)
    author = people.match_or_create(session, organisation_id=brand.organisation_id, channel=item.channel,
                                    handle=item.author.handle, display_name=item.author.name,
                                    followers=item.author.followers, seen_at=item.created_at,
                                    known=batch.authors)
    rows: Sequence[Any] | None = None
    if author.created or author.person.id in batch.new_people:
        rows = ()  # a person first seen now has said nothing before
        if batch.histories is not None:
            batch.histories[(brand.id, author.person.id)] = []
    elif batch.histories is not None:
        rows = batch.histories.get((brand.id, author.person.id))
    replying_to = _parent_person(session, brand.id, item, batch)
    reply_to_other = _replies_to_other(author.person.id, replying_to)
    history = _history(session, brand_id=brand.id, person_id=author.person.id, item=item, rows=rows,
                       reply_to_other=reply_to_other, brand=_context(session, brand, batch),
                       replies_to_brand=_replies_to_brand(session, brand.id, item, batch))
    earlier = batch.priors.setdefault((brand.id, author.person.id), [])
    if earlier:
        merged = (*history.prior_messages, *earlier)[-HISTORY_LIMIT:]
        history = replace(history, prior_messages=tuple(merged))
    earlier.append(PriorMessage(text=item.text, created_at=item.created_at, external_id=item.id,
                                reply_to_other=reply_to_other))
    batch.written_by[(brand.id, item.channel, item.id)] = author.person.id
    parent = batch.conversations.get((brand.id, item.channel, item.in_reply_to or ""))
    conversation = item.conversation_id or parent or _conversation_id(session, brand.id, item, known=batch.parents)
    batch.conversations[(brand.id, item.channel, item.id)] = conversation
    from_brand = _from_brand(session, brand, item, batch)
    if from_brand:
        batch.written_by_brand.add((brand.id, item.channel, item.id))
    in_thread = replying_to is not None and _parent_relevant(session, brand.id, item, batch)
    return _Prepared(item, brand, author.person.id, history, conversation, from_brand=from_brand,
                     in_brand_thread=in_thread)


def _parent_relevant(session: Session, brand_id: int, item: MentionIn, batch: _BatchState) -> bool:
    """Whether the stored post this mention replies to is relevant to the brand. A parent earlier in the
    same batch counts as relevant (it is not assessed yet): a customer's thread is never cut off."""
    key = (brand_id, item.channel, item.in_reply_to or "")
    if key in batch.written_by:
        return True
    if batch.relevant_parents is not None:
        return key in batch.relevant_parents
    row = next(_stored(session, {key}, Mention.relevant), None)
    return row is not None and bool(row.relevant)


def _parent_person(session: Session, brand_id: int, item: MentionIn, batch: _BatchState) -> int | None:
    """Who wrote the post this mention replies to, when Cauce has it (None: no reply, or the brand's/unknown)."""
    if not item.in_reply_to:
        return None
    key = (brand_id, item.channel, item.in_reply_to)
    if key in batch.written_by:
        return batch.written_by[key]
    if batch.parent_people is not None:
        return batch.parent_people.get(key)
    return next((r.person_id for r in _stored(session, {key}, Mention.person_id)), None)


@dataclass
class _CaseIndex:
    """Every case a batch's routing may pick, read once: by conversation key and by person."""

    by_conversation: dict[tuple[int, str], list[Case]]
    by_person: dict[tuple[int, int], list[Case]]


def _conversation_key(item: MentionIn, conversation: str) -> str:
    return f"{item.channel}:{conversation}"


def _index_cases(session: Session, pending: Sequence[_Prepared]) -> _CaseIndex:
    """The cases of the batch's conversations and the open cases of its authors."""
    conversations = {(p.brand.id, _conversation_key(p.item, p.conversation)) for p in pending}
    persons = {(p.brand.id, p.person_id) for p in pending}
    pool: dict[int, Case] = {}
    brand_ids = {b for b, _ in conversations}
    for keys in _chunks(k for _, k in conversations):
        for case in session.scalars(select(Case).where(Case.brand_id.in_(brand_ids),
                                                       Case.conversation_key.in_(keys))):
            if (case.brand_id, case.conversation_key) in conversations:
                pool[case.id] = case
    for ids in _chunks(p for _, p in persons):
        for case in session.scalars(select(Case).where(Case.person_id.in_(ids), Case.is_open.is_(True))):
            if (case.brand_id, case.person_id) in persons:
                pool[case.id] = case
    index = _CaseIndex({}, {})
    for case in pool.values():
        index.by_conversation.setdefault((case.brand_id, case.conversation_key), []).append(case)
        index.by_person.setdefault((case.brand_id, case.person_id), []).append(case)
    return index


def _route(session: Session, prepared: _Prepared, assessment: Assessment, *, mention_id: int, actor: Actor,
           source: str, thread_window: timedelta, now: datetime,
           cases_index: _CaseIndex | None) -> tuple[RouteResult, dict[str, Any]]:
    """Route the assessed mention into a case; returns the mention's row, to be inserted with its batch."""
    item, brand, conversation = prepared.item, prepared.brand, prepared.conversation
    assessment = guard_relevance(assessment, prepared.history, from_brand=prepared.from_brand,
                                 in_brand_thread=prepared.in_brand_thread)
    # Noise is stored and counted, but neither opens a case nor joins one (`bring_into_queue` does it later).
    routed = RouteResult(None) if not assessment.relevant else cases.route(
        session, brand=brand, person_id=prepared.person_id, channel=item.channel,
        conversation_key=_conversation_key(item, conversation), mention_created_at=item.created_at,
        mention_text=item.text, private=item.private, assessment=assessment, thread_window=thread_window,
        actor=actor, now=now,
        by_conversation=cases_index.by_conversation if cases_index is not None else None,
        by_person=cases_index.by_person if cases_index is not None else None, from_brand=prepared.from_brand,
    )
    row = {
        "id": mention_id, "brand_id": brand.id, "channel": item.channel, "external_id": item.id, "url": item.url,
        "text": item.text, "author_handle": item.author.handle, "author_name": item.author.name,
        "author_followers": item.author.followers, "person_id": prepared.person_id, "created_at": item.created_at,
        "ingested_at": now, "in_reply_to": item.in_reply_to, "conversation_id": conversation,
        "private": item.private, "language": assessment.language, "source": source,
        "assessment": _assessment_json(assessment), "is_complaint": assessment.is_complaint,
        "pqr_type": assessment.pqr_type, "category": assessment.category, "author_role": assessment.author_role,
        "priority": assessment.priority, "abusive": assessment.abusive, "threat": assessment.threat,
        "legal_risk": assessment.legal_risk, "case_id": None, "third_party": routed.third_party,
        "relevant": assessment.relevant, "relevance": round(assessment.relevance, 4),
        "relevance_reasons": list(assessment.relevance_reasons),
        "answered": False, "hidden": False,
        "raw": item.extra_fields(),
    }
    record(session, actor=actor, action="mention.ingested", entity_type="mention", entity_id=mention_id,
           case_id=IdOf(routed.case) if routed.case is not None else None, brand_id=brand.id,
           after={"channel": item.channel, "external_id": item.id, "source": source,
                  "priority": assessment.priority, "pqr_type": assessment.pqr_type,
                  **({} if assessment.relevant else {"relevant": False})})
    return routed, row


def assign_brand_categories(session: Session, opened: Sequence[tuple[Case, str]], *, actor: Actor) -> None:
    """Give new cases their brand's own category: the one whose example messages are nearest to the
    opening message (`triage.brand_categories`). Brands without categories are left alone."""
    by_brand: dict[int, list[tuple[Case, str]]] = {}
    for case, text in opened:
        if case.brand_category is None:
            by_brand.setdefault(case.brand_id, []).append((case, text))
    for brand_id, pairs in by_brand.items():
        brand = session.get(Brand, brand_id)
        categories = (brand.triage_settings or {}).get("categories") if brand is not None else None
        if not categories:
            continue
        from cauce.triage import brand_categories

        centroids = brand_categories.for_settings(categories)
        if centroids is None:
            continue
        for (case, _), match in zip(pairs, centroids.assign([t for _, t in pairs]), strict=True):
            if match.category is None:
                continue
            case.brand_category = match.category
            record(session, actor=actor, action="case.brand_categorised", entity_type="case", entity_id=IdOf(case),
                   case_id=IdOf(case), brand_id=brand_id,
                   after={"brand_category": match.category, "similarity": match.similarity})


def _snapshot(item: MentionIn, mention_id: int, now: datetime) -> dict[str, Any]:
    return {"mention_id": mention_id, "observed_at": now, "likes": item.metrics.likes,
            "reposts": item.metrics.reposts, "replies": item.metrics.replies, "followers": item.author.followers}


def _apply(session: Session, prepared: _Prepared, assessment: Assessment, *, actor: Actor, source: str,
           thread_window: timedelta, now: datetime, cases_index: _CaseIndex | None = None) -> IngestResult:
    """Route the assessed mention into a case and store it, its first snapshot and its audit event."""
    return _apply_all(session, [prepared], [assessment], actor=actor, source=source, thread_window=thread_window,
                      now=now, cases_index=cases_index)[0]


def _apply_all(session: Session, pending: Sequence[_Prepared], assessments: Sequence[Assessment], *,
               actor: Actor, source: str, thread_window: timedelta, now: datetime,
               cases_index: _CaseIndex | None) -> list[IngestResult]:
    """Route and store many assessed mentions with a handful of batched inserts and no savepoints.

    Mentions and their first snapshots are plain rows, not ORM objects: nothing in the batch reads
    them back, and building thousands of ORM objects was a third of the write time. Any failure
    propagates: a caller that writes a whole batch rolls it back and retries with every mention
    isolated (`ingest_batch`). Audit events are written after the flushes that give them ids.
    """
    mention_ids = reserve_ids(session, table_of(Mention), len(pending))
    with deferred(session):
        routed = [_route(session, p, a, mention_id=mention_id, actor=actor, source=source,
                         thread_window=thread_window, now=now, cases_index=cases_index)
                  for p, a, mention_id in zip(pending, assessments, mention_ids, strict=True)]
        opened = [(route.case, p.item.text) for p, (route, _) in zip(pending, routed, strict=True)
                  if route.created and route.case is not None]
        assign_brand_categories(session, opened, actor=actor)
        session.flush()  # new cases (their ids) and changes to existing ones
        for route, row in routed:
            row["case_id"] = route.case.id if route.case is not None else None
        # A copy stored concurrently elsewhere fails here (see `_isolated`).
        bulk_insert(session, table_of(Mention), [row for _, row in routed])
        bulk_insert(session, table_of(MetricSnapshot),
                    [_snapshot(p.item, row["id"], now) for p, (_, row) in zip(pending, routed, strict=True)])
    return [IngestResult("created", p.item.id, row["id"], row["case_id"], case_created=route.created,
                         priority=a.priority, noise=not row["relevant"])
            for p, (route, row), a in zip(pending, routed, assessments, strict=True)]


def _isolated(session: Session, item: MentionIn, step: Callable[[], IngestResult]) -> IngestResult:
    """Run one mention's step inside a savepoint: a failure is reported and leaves the session usable.

    A copy of the same mention stored concurrently by another worker surfaces as a unique-key
    violation; the savepoint is rolled back and the stored copy reported as a duplicate.
    """
    try:
        with session.begin_nested():
            return step()
    except CauceError as exc:
        return IngestResult("error", item.id, error=exc.message)
    except IntegrityError:
        brand = brands.resolve(session, item.brand)
        existing = _existing(session, brand.id, item.channel, item.id)
        if existing is None:
            raise
        return IngestResult("duplicate", item.id, existing.id, existing.case_id)
    except OperationalError:
        raise  # the caller retries the whole batch
    except Exception as exc:  # a bug must not lose the rest of the batch
        log.exception("ingest failed for %s", item.id)
        return IngestResult("error", item.id, error=f"error interno: {type(exc).__name__}")


def ingest_one_safely(session: Session, item: MentionIn, **kwargs: Any) -> IngestResult:
    """`ingest` of one mention, isolated in a savepoint."""
    started = time.perf_counter()
    result = _isolated(session, item, lambda: ingest(session, item, **kwargs))
    metrics.count_ingest(session, kwargs.get("source", "api"), [_outcome(result)],
                         seconds=time.perf_counter() - started)
    return result


def _outcome(result: IngestResult) -> str:
    """The bounded label of one result (`cauce_mentions_ingested{outcome}`)."""
    return "noise" if result.status == "created" and result.noise else result.status


def ingest_many(session: Session, items: Sequence[MentionIn], *, actor: Actor = SYSTEM, source: str = "api",
                thread_window: timedelta = timedelta(hours=72), now: datetime | None = None,
                isolated: bool = True) -> list[IngestResult]:
    """Ingest a batch in order, with one vectorised triage call for the whole batch.

    Results come back in input order. `isolated`: each mention in its own savepoint, so a bad one
    never sinks the rest. Without it the batch is written in a few batched inserts and any failure
    raises — for callers that roll back and retry isolated (`ingest_batch`).
    """
    started = time.perf_counter()
    now = now or utcnow()
    batch = _BatchState()
    results: list[IngestResult | None] = [None] * len(items)
    pending: list[tuple[int, _Prepared]] = []
    seen: set[tuple[str, str, str]] = set()
    again: list[int] = []  # a second copy within the batch: ingested after the first is stored
    session.flush()
    with session.no_autoflush:
        _prefetch(session, items, batch, create_people=not isolated)
        for index, item in enumerate(items):
            key = _batch_key(item)
            if key in seen:
                again.append(index)
                continue
            seen.add(key)
            outcome = _isolated_prepare(session, item, batch)
            if isinstance(outcome, IngestResult):
                results[index] = outcome
            else:
                pending.append((index, outcome))
        assessments = _adapt(session, [p for _, p in pending], _assess_all([(p.item, p.history) for _, p in pending]))
        cases_index: _CaseIndex | None = _index_cases(session, [p for _, p in pending]) if pending else None
        if not isolated and cases_index is not None:
            applied = _apply_all(session, [p for _, p in pending], assessments, actor=actor, source=source,
                                 thread_window=thread_window, now=now, cases_index=cases_index)
            for (index, _), outcome in zip(pending, applied, strict=True):
                results[index] = outcome
            if again:
                copied = {_batch_key(items[index]) for index in again}
                _remember(session, batch, [p.item for _, p in pending if _batch_key(p.item) in copied])
            pending, assessments = [], []
        for (index, prepared), assessment in zip(pending, assessments, strict=True):
            step = partial(_apply, session, prepared, assessment, actor=actor, source=source,
                           thread_window=thread_window, now=now, cases_index=cases_index)
            results[index] = outcome = _isolated(session, prepared.item, step)
            if outcome.status != "created":
                cases_index = None  # a rolled-back step may have left the index stale: query from here on
    for index in again:
        if isolated:
            results[index] = ingest_one_safely(session, items[index], actor=actor, source=source,
                                               thread_window=thread_window, now=now)
            continue
        with session.no_autoflush:  # the first copy is in `batch.existing` now: this one is a duplicate
            outcome = _prepare(session, items[index], batch=batch)
        if not isinstance(outcome, IngestResult):
            raise RuntimeError(f"second copy of {items[index].id} found no first copy")  # retried isolated
        results[index] = outcome
    done = [r for r in results if r is not None]
    metrics.count_ingest(session, source, [_outcome(r) for r in done], seconds=time.perf_counter() - started)
    return done


def _batch_key(item: MentionIn) -> tuple[str, str, str]:
    return item.brand.strip().casefold(), item.channel, item.id


def _remember(session: Session, batch: _BatchState, stored: Sequence[MentionIn]) -> None:
    """Make the mentions this batch stored known to later copies of them in the same batch."""
    if batch.existing is None or batch.latest is None:
        return
    by_key = {(brands.resolve(session, item.brand).id, item.channel, item.id): item for item in stored}
    for row in _stored(session, set(by_key), Mention):
        item = by_key[(row.brand_id, row.channel, row.external_id)]
        batch.existing[(row.brand_id, row.channel, row.external_id)] = row.Mention
        batch.latest[row.Mention.id] = (item.metrics.likes, item.metrics.reposts, item.metrics.replies,
                                        item.author.followers)


def _isolated_prepare(session: Session, item: MentionIn, batch: _BatchState) -> _Prepared | IngestResult:
    """`_prepare` with its expected failure reported. No savepoint is needed: `_prepare` raises a
    CauceError only before it writes (an unknown brand), a new person gets its own savepoint, and any
    other failure aborts the whole batch, which `ingest_batch` then retries mention by mention."""
    try:
        return _prepare(session, item, batch=batch)
    except CauceError as exc:
        return IngestResult("error", item.id, error=exc.message)


def _adapt(session: Session, prepared: Sequence[_Prepared], assessments: list[Assessment]) -> list[Assessment]:
    """Each organisation's adapter, trained on its agents' corrections, over the shipped assessment."""
    if not prepared:
        return assessments
    return adaptation.adapt(session, [p.brand.organisation_id for p in prepared], [p.item.text for p in prepared],
                            assessments)


def _assess_all(pairs: list[tuple[MentionIn, History]]) -> list[Assessment]:
    if not pairs:
        return []
    assessor = triage.get_assessor()
    assess_many = getattr(assessor, "assess_many", None)
    if assess_many is not None:
        return list(assess_many(pairs))
    return [assessor.assess(mention, history) for mention, history in pairs]


def ingest_batch(db_session_factory: Any, items: Iterable[MentionIn], *, batch_size: int = 200,
                 **kwargs: Any) -> Iterator[IngestResult]:
    """Ingest many mentions, committing every `batch_size`; a failed commit is retried one by one."""
    batch: list[MentionIn] = []

    def flush(chunk: list[MentionIn]) -> list[IngestResult]:
        try:
            with db_session_factory() as session:
                return ingest_many(session, chunk, isolated=False, **kwargs)
        except Exception:  # the batch is rolled back and retried with each mention isolated
            log.debug("batched ingest failed; retrying with each mention isolated", exc_info=True)
        try:
            with db_session_factory() as session:
                return ingest_many(session, chunk, **kwargs)
        except (IntegrityError, OperationalError):
            if len(chunk) == 1:
                raise
            out: list[IngestResult] = []
            for item in chunk:
                out.extend(flush([item]))
            return out

    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)


def get(session: Session, *, mention_id: int) -> Mention | None:
    return session.get(Mention, mention_id)


def mentions_of_case(session: Session, *, case_id: int) -> list[Mention]:
    return list(session.scalars(select(Mention).where(Mention.case_id == case_id).order_by(Mention.created_at)))


def customer_mentions_of_case(session: Session, *, case_id: int) -> list[Mention]:
    """The case's own messages: its customer's, without the third-party ones in the thread."""
    return list(session.scalars(select(Mention).where(Mention.case_id == case_id, Mention.third_party.is_(False))
                                .order_by(Mention.created_at, Mention.id)))


def thread_of_case(session: Session, *, case_id: int, brand_id: int, conversation_key: str) -> list[Mention]:
    """Everything said in the case's thread: its own mentions and everyone else's in its conversation
    (third parties, people with cases of their own linked to it, the brand's own account)."""
    channel, _, conversation = conversation_key.partition(":")
    in_conversation = (Mention.brand_id == brand_id) & (Mention.channel == channel) & \
        (Mention.conversation_id == conversation)
    return list(session.scalars(select(Mention).where(or_(Mention.case_id == case_id, in_conversation))
                                .order_by(Mention.created_at, Mention.id)))


def mentions_of_person(session: Session, *, person_id: int, brand_ids: frozenset[int] | None,
                       limit: int = 200) -> list[Mention]:
    query = select(Mention).where(Mention.person_id == person_id)
    if brand_ids is not None:
        query = query.where(Mention.brand_id.in_(brand_ids))
    return list(session.scalars(query.order_by(Mention.created_at.desc()).limit(limit)))


def snapshots_of(session: Session, *, mention_id: int) -> list[MetricSnapshot]:
    return list(session.scalars(select(MetricSnapshot).where(MetricSnapshot.mention_id == mention_id)
                                .order_by(MetricSnapshot.observed_at)))


def mark_answered(session: Session, *, case_id: int) -> None:
    for mention in customer_mentions_of_case(session, case_id=case_id):
        mention.answered = True


def add_metric_snapshot(session: Session, mention_id: int, metrics: MetricsIn, *,
                        observed_at: datetime | None = None) -> bool:
    """Store a fresh engagement reading (metric refresh of open cases); False when nothing changed."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        return False
    last = session.scalar(select(MetricSnapshot).where(MetricSnapshot.mention_id == mention_id)
                          .order_by(MetricSnapshot.observed_at.desc(), MetricSnapshot.id.desc()).limit(1))
    current = (metrics.likes, metrics.reposts, metrics.replies)
    if last is not None and (last.likes, last.reposts, last.replies) == current:
        return False
    session.add(MetricSnapshot(mention_id=mention_id, observed_at=observed_at or utcnow(), likes=current[0],
                               reposts=current[1], replies=current[2], followers=mention.author_followers))
    return True


# --- Identity resolution (`people.identity`) reads and moves a person's messages through these. ---

@dataclass(frozen=True)
class MessageRef:
    """What identity resolution reads of a message: who wrote it, where, and its text and raw fields."""

    id: int
    brand_id: int
    person_id: int
    channel: str
    author_handle: str
    text: str
    raw: dict[str, Any]
    url: str | None
    private: bool
    ingested_at: datetime


def _refs(session: Session, query: Any) -> list[MessageRef]:
    return [MessageRef(r.id, r.brand_id, r.person_id, r.channel, r.author_handle, r.text, r.raw or {}, r.url,
                       r.private, r.ingested_at)
            for r in session.execute(query)]


_REF_COLUMNS = (Mention.id, Mention.brand_id, Mention.person_id, Mention.channel, Mention.author_handle,
                Mention.text, Mention.raw, Mention.url, Mention.private, Mention.ingested_at)


def messages_after(session: Session, *, brand_ids: Iterable[int], after_id: int,
                   limit: int = 5000) -> list[MessageRef]:
    """Every message of these brands stored after mention `after_id`, oldest first."""
    return _refs(session, select(*_REF_COLUMNS).where(Mention.brand_id.in_(list(brand_ids)), Mention.id > after_id)
                 .order_by(Mention.id).limit(limit))


def brands_of(session: Session, *, mention_ids: Iterable[int]) -> dict[int, int]:
    """The brand of each of these messages."""
    out: dict[int, int] = {}
    for ids in _chunks(mention_ids):
        out.update((r.id, r.brand_id) for r in session.execute(select(Mention.id, Mention.brand_id)
                                                                .where(Mention.id.in_(ids))))
    return out


def messages_of_people(session: Session, *, person_ids: Iterable[int], limit: int = 500) -> list[MessageRef]:
    """The latest messages of these people (all brands: the caller filters), newest first."""
    ids = sorted(set(person_ids))
    if not ids:
        return []
    return _refs(session, select(*_REF_COLUMNS).where(Mention.person_id.in_(ids))
                 .order_by(Mention.id.desc()).limit(limit))


def mention_ids_of_handle(session: Session, *, person_id: int, channel: str, handle: str) -> list[int]:
    """The person's messages written through one handle (`handle` normalised as `people.normalise_handle`)."""
    rows = session.execute(select(Mention.id, Mention.author_handle)
                           .where(Mention.person_id == person_id, Mention.channel == channel))
    return [r.id for r in rows if people.normalise_handle(r.author_handle) == handle]


def case_openers(session: Session, *, case_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """For each case, (person_id, mention_id) of its earliest message: the handle that opened it."""
    out: dict[int, tuple[int, int]] = {}
    for ids in _chunks(case_ids):
        rows = session.execute(select(Mention.case_id, Mention.person_id, Mention.id)
                               .where(Mention.case_id.in_(ids)).order_by(Mention.created_at.desc(), Mention.id.desc()))
        for row in rows:  # newest first: the last write per case is its earliest message
            out[row.case_id] = (row.person_id, row.id)
    return out


def case_ids_of_mentions(session: Session, *, mention_ids: Iterable[int]) -> set[int]:
    out: set[int] = set()
    for ids in _chunks(mention_ids):
        out.update(c for c in session.scalars(select(Mention.case_id).where(Mention.id.in_(ids))) if c is not None)
    return out


def reassign_person(session: Session, *, from_person_id: int, to_person_id: int,
                    mention_ids: Iterable[int] | None = None) -> list[int]:
    """Move messages (all of `from_person_id`'s, or the given ones of theirs) to another person.

    The caller (a confirmed merge or a split in `people.identity`) audits the move.
    """
    query = select(Mention.id).where(Mention.person_id == from_person_id)
    moved = sorted(session.scalars(query))
    if mention_ids is not None:
        wanted = set(mention_ids)
        moved = [m for m in moved if m in wanted]
    for ids in _chunks(moved):
        session.execute(update(Mention).where(Mention.id.in_(ids)).values(person_id=to_person_id)
                        .execution_options(synchronize_session="fetch"))
    return moved

# --- privacy (see cauce.people.privacy) -------------------------------------------------------

ERASED = "[eliminado por solicitud de privacidad]"


def mention_ids_of(session: Session, *, person_id: int | None = None, case_ids: Sequence[int] = ()) -> list[int]:
    query = select(Mention.id)
    if person_id is not None:
        query = query.where(Mention.person_id == person_id)
    else:
        query = query.where(Mention.case_id.in_(list(case_ids)))
    return list(session.scalars(query.order_by(Mention.id)))


def anonymise_mentions(session: Session, *, mention_ids: Sequence[int]) -> int:
    """Erase text, author, link and raw input; keep ids, dates and triage labels (the statistics)."""
    ids = list(mention_ids)
    for chunk in _chunks(ids):
        session.execute(update(Mention).where(Mention.id.in_(chunk)).values(
            text=ERASED, author_handle="anonimo", author_name=None, url=None, raw={}),
            execution_options={"synchronize_session": False})
        for row in session.scalars(select(Mention).where(Mention.id.in_(chunk))):
            # The triage evidence quotes words of the text.
            row.assessment = {k: v for k, v in (row.assessment or {}).items() if k != "evidence"}
    session.flush()
    return len(ids)


# --- noise: relevance decided by a person (the Ruido page, the API) ----------------------------

@dataclass(frozen=True)
class QueueResult:
    mention: Mention
    case: Case | None
    created: bool = False  # a new case was opened for it
    changed: bool = False  # False: it already was where it was asked to go (idempotent call)


def _in_scope(session: Session, mention_id: int, scope: cases.Scope) -> Mention:
    """A mention the caller may see; another brand's mention reads exactly like a missing one."""
    mention = session.get(Mention, mention_id)
    if mention is None or not scope.allows(mention.brand_id):
        raise NotFound(f"No existe la mención {mention_id}.")
    return mention


def _stored_assessment(mention: Mention) -> Assessment:
    """The mention's stored triage outcome, as routing reads it."""
    a = mention.assessment or {}
    return Assessment(
        language=str(a.get("language") or mention.language or "es"), is_complaint=bool(mention.is_complaint),
        complaint_score=float(a.get("complaint_score", 0.0)), pqr_type=mention.pqr_type or "otro",
        category=mention.category, sentiment=str(a.get("sentiment", "neutro")), anger=float(a.get("anger", 0.0)),
        abusive=mention.abusive, threat=mention.threat, legal_risk=mention.legal_risk,
        author_role=mention.author_role or "ninguno", role_confidence=float(a.get("role_confidence", 0.0)),
        priority=mention.priority, reasons=tuple(str(r) for r in a.get("reasons") or ()),
        model_version=str(a.get("model_version", "")), relevant=True,
        relevance=float(mention.relevance if mention.relevance is not None else 1.0),
        relevance_reasons=tuple(str(r) for r in mention.relevance_reasons or ()))


def bring_into_queue(session: Session, *, mention_id: int, actor: Actor, scope: cases.Scope = cases.ALL_BRANDS,
                     reason: str | None = None, now: datetime | None = None,
                     thread_window: timedelta = timedelta(hours=72)) -> QueueResult:
    """A person says a mention stored as noise belongs in the queue: it becomes relevant and opens or
    joins a case exactly as ingest would have routed it (always a case: a person asked for it). Audited;
    calling it again for a mention that already has a case changes nothing."""
    now = now or utcnow()
    mention = _in_scope(session, mention_id, scope)
    if mention.case_id is not None:
        return QueueResult(mention, session.get(Case, mention.case_id))
    brand = brands.get(session, brand_id=mention.brand_id)
    from_brand = people.normalise_handle(mention.author_handle) in brands.own_handles(session, brand)
    if from_brand:
        raise Conflict("Es un mensaje de la propia marca: no abre casos.")
    routed = cases.route(
        session, brand=brand, person_id=mention.person_id, channel=mention.channel,
        conversation_key=f"{mention.channel}:{mention.conversation_id}", mention_created_at=mention.created_at,
        mention_text=mention.text, private=mention.private, assessment=_stored_assessment(mention),
        thread_window=thread_window, actor=actor, now=now, force_case=True)
    session.flush()
    before = {"relevant": mention.relevant, "case_id": None}
    mention.relevant = True
    mention.third_party = routed.third_party
    mention.case_id = routed.case.id if routed.case is not None else None
    if routed.case is not None and routed.created:
        assign_brand_categories(session, [(routed.case, mention.text)], actor=actor)
    record(session, actor=actor, action="mention.brought_into_queue", entity_type="mention", entity_id=mention.id,
           case_id=mention.case_id, brand_id=mention.brand_id, reason=reason, before=before,
           after={"relevant": True, "case_id": mention.case_id, "case_created": routed.created})
    session.flush()
    return QueueResult(mention, routed.case, created=routed.created, changed=True)


def mark_as_noise(session: Session, *, mention_id: int, actor: Actor, scope: cases.Scope = cases.ALL_BRANDS,
                  reason: str | None = None, now: datetime | None = None) -> QueueResult:
    """The reverse of `bring_into_queue`: the mention is noise. Its case, when it holds only this
    mention, is discarded (descartado) and the mention leaves it. Audited; idempotent."""
    mention = _in_scope(session, mention_id, scope)
    case = session.get(Case, mention.case_id) if mention.case_id is not None else None
    if case is None and not mention.relevant:
        return QueueResult(mention, None)
    if case is not None:
        others = session.scalar(select(func.count()).select_from(Mention)
                                .where(Mention.case_id == case.id, Mention.id != mention.id)) or 0
        if others:
            raise Conflict(f"El caso {case.id} tiene otros mensajes: márquelo como ruido desde el caso o "
                           "descártelo con un motivo.")
        if case.status != "descartado":
            if not lifecycle.allowed(case.status, "descartado"):
                raise Conflict(f"El caso {case.id} ya está en «{lifecycle.STATES.get(case.status, case.status)}»: "
                               "un caso atendido no se marca como ruido.")
            cases.transition(session, case_id=case.id, to="descartado", actor=actor, scope=scope,
                             reason=f"Ruido: {reason}" if reason else "Marcado como ruido (no es para la marca).")
    before = {"relevant": mention.relevant, "case_id": mention.case_id}
    mention.relevant = False
    mention.case_id = None
    mention.third_party = False
    record(session, actor=actor, action="mention.marked_noise", entity_type="mention", entity_id=mention.id,
           case_id=case.id if case is not None else None, brand_id=mention.brand_id, reason=reason, before=before,
           after={"relevant": False, "case_id": None})
    session.flush()
    return QueueResult(mention, case, changed=True)


@dataclass(frozen=True)
class NoiseFilters:
    brand_id: int | None = None
    text: str | None = None


def _noise_query(query: Any, scope: cases.Scope, filters: NoiseFilters) -> Any:
    query = scope.apply(query.where(Mention.relevant.is_(False)), Mention.brand_id)
    if filters.brand_id is not None:
        query = query.where(Mention.brand_id == filters.brand_id)
    if filters.text:
        escaped = filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(or_(Mention.text.ilike(pattern, escape="\\"),
                                Mention.author_handle.ilike(pattern, escape="\\")))
    return query


def list_noise(session: Session, *, scope: cases.Scope = cases.ALL_BRANDS, filters: NoiseFilters = NoiseFilters(),
               limit: int = 50, offset: int = 0) -> list[Mention]:
    """Irrelevant mentions, newest first."""
    query = _noise_query(select(Mention), scope, filters)
    return list(session.scalars(query.order_by(Mention.created_at.desc(), Mention.id.desc())
                                .limit(limit).offset(offset)))


def count_noise(session: Session, *, scope: cases.Scope = cases.ALL_BRANDS,
                filters: NoiseFilters = NoiseFilters()) -> dict[int, int]:
    """How many irrelevant mentions each brand has (matching the filters)."""
    query = _noise_query(select(Mention.brand_id, func.count()), scope, filters).group_by(Mention.brand_id)
    return {brand_id: count for brand_id, count in session.execute(query)}
