"""One person across networks and brands of an organisation: proposals with evidence, merges, splits.

Ingest keeps creating one Person per (organisation, network, handle) — cheap and race-free. This
module finds the people that are one human, after the fact, and never merges on its own:

* `sweep` (run by the worker after ingest, or on demand) reads what arrived since its last pass
  and proposes pairs of people of the same organisation, each with its evidence and a score:
  the same handle on several networks, the same display name plus a link from one account to the
  other (in a message or a profile field), the same e-mail address or phone number given in
  private messages. Nothing crosses organisations.
* An agent confirms (`confirm`) or rejects (`reject`) a proposal. A confirmed merge moves the
  handles, messages, cases and moderation history to the surviving (older) person through the
  owning features' services; the other person row stays, pointing at the survivor, so the merge
  can be undone. A rejected pair is never proposed again.
* `split` takes one handle, and what came through it, back to a person of its own (the person
  it was merged from, when there is one).

Everything is audited. Reads and writes of other features go through their `service` functions.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.audit.service import SYSTEM, Actor, IdOf, deferred, record
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.cases.models import Case, ModerationAction
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.db import utcnow
from cauce.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.people import service as people
from cauce.people.models import ContactPoint, Handle, IdentitySweep, MergeProposal, Person, PersonMerge
from cauce.playbook import moderation


class EvidenceKind(StrEnum):
    SAME_HANDLE = "same_handle"  # the same handle (`people.handle_key`) on several networks
    CROSS_LINK = "cross_link"  # same display name, and one account names or links the other
    SAME_EMAIL = "same_email"  # the same e-mail address given in private messages (or an e-mail handle)
    SAME_PHONE = "same_phone"  # the same phone number given in private messages


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SPLIT = "split"  # confirmed, then undone by a split: not proposed again either
    SUPERSEDED = "superseded"  # one of the pair was merged into someone else; the survivor's pair carries on


# How much one piece of evidence says on its own; several kinds combine as independent signals.
SCORES = {EvidenceKind.SAME_HANDLE: 0.6, EvidenceKind.CROSS_LINK: 0.8, EvidenceKind.SAME_EMAIL: 0.9,
          EvidenceKind.SAME_PHONE: 0.85}
SAME_NAME_BONUS = 0.15  # a shared handle whose display names also agree
PROPOSE_AT = 0.5
# A key, name or contact value shared by more people than this is public (a support line, "maria"),
# not evidence about one human.
MAX_SHARED = 3
MAX_NETWORKS = 12  # one human's accounts with one handle: at most one person per network in a group

EMAIL_RE = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
PHONE_RE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,18}\d(?!\w)")
# Numbers after these words are orders, invoices, cases…, not phones.
NOT_PHONE_RE = re.compile(r"(pedido|orden|factura|radicado|caso|ticket|gu[ií]a|cuenta|contrato|referencia|"
                          r"c[eé]dula|nit|dni|rut|curp|order|invoice|n[uú]mero de (?:cliente|servicio))"
                          r"\W{0,4}(?:n[oº°.]*\s*)?$", re.IGNORECASE)
# A profile link on a network: the capture is the handle.
PROFILE_LINK_RES = (
    re.compile(r"(?:twitter|x)\.com/@?([\w]{2,30})", re.IGNORECASE),
    re.compile(r"instagram\.com/([\w.]{2,40})", re.IGNORECASE),
    re.compile(r"facebook\.com/([\w.]{3,60})", re.IGNORECASE),
    re.compile(r"tiktok\.com/@([\w.]{2,40})", re.IGNORECASE),
    re.compile(r"youtube\.com/@([\w.-]{2,40})", re.IGNORECASE),
    re.compile(r"bsky\.app/profile/([\w.-]{3,80})", re.IGNORECASE),
    re.compile(r"https?://[\w.-]+/@([\w]{2,40})", re.IGNORECASE),  # mastodon.example/@user
)
AT_HANDLE_RE = re.compile(r"(?<![\w@])@([\w][\w.-]{1,79}(?:@[\w-]+(?:\.[\w-]+)+)?)")


# --- Normalisation -----------------------------------------------------------------------------

def name_key(name: str | None) -> str | None:
    """A display name compared loosely: no accents, emojis, punctuation or case; None if too short."""
    if not name:
        return None
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    key = " ".join(kept.split())
    return key if len(key.replace(" ", "")) >= 3 else None


PHONE_DIGITS = 9  # the national number's tail: "+57 300…", "0057 300…" and "300…" are one phone


def normalise_phone(raw: str) -> str | None:
    """A phone number as its last nine digits (country codes and trunk prefixes are written or not)."""
    digits = re.sub(r"\D", "", raw)
    return digits[-PHONE_DIGITS:] if PHONE_DIGITS <= len(digits) <= 15 else None


def contact_values(text: str) -> list[tuple[str, str]]:
    """The e-mail addresses and phone numbers a message gives: [(kind, normalised value)]."""
    found: list[tuple[str, str]] = []
    for match in EMAIL_RE.finditer(text):
        found.append((EvidenceKind.SAME_EMAIL.value, match.group(0).casefold().rstrip(".")))
    scrubbed = EMAIL_RE.sub(" ", text)
    for match in PHONE_RE.finditer(scrubbed):
        if NOT_PHONE_RE.search(scrubbed[max(0, match.start() - 30):match.start()]):
            continue
        value = normalise_phone(match.group(0))
        if value is not None:
            found.append((EvidenceKind.SAME_PHONE.value, value))
    return list(dict.fromkeys(found))


def linked_handles(message: mentions.MessageRef) -> set[str]:
    """Handles a message names or links, in its text and in its raw fields (profile, links)."""
    raw = json.dumps(message.raw, ensure_ascii=False) if message.raw else ""
    out: set[str] = set()
    for blob in (message.text, raw):
        for pattern in PROFILE_LINK_RES:
            out.update(people.normalise_handle(m.group(1)) for m in pattern.finditer(blob))
        out.update(people.normalise_handle(m.group(1)).rstrip(".") for m in AT_HANDLE_RE.finditer(blob))
    out.discard(people.normalise_handle(message.author_handle))
    return out


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _combine(evidence: Sequence[dict[str, Any]]) -> float:
    best: dict[str, float] = {}
    for item in evidence:
        best[item["kind"]] = max(best.get(item["kind"], 0.0), float(item["score"]))
    miss = 1.0
    for score in best.values():
        miss *= 1.0 - score
    return round(1.0 - miss, 4)


# --- The sweep ---------------------------------------------------------------------------------

@dataclass
class SweepResult:
    organisations: int = 0
    handles_read: int = 0
    messages_read: int = 0
    contact_points: int = 0
    proposed: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Findings:
    """Evidence gathered in one pass, per pair of people."""

    by_pair: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, a: int, b: int, kind: EvidenceKind, values: Iterable[str], message_ids: Iterable[int] = (),
            score: float | None = None) -> None:
        if a == b:
            return
        self.by_pair[_pair(a, b)].append({"kind": kind.value, "values": sorted(set(values)),
                                          "message_ids": sorted(set(message_ids)),
                                          "score": score if score is not None else SCORES[kind]})


class _People:
    """Current (post-merge) people of one organisation, loaded on demand."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, Person] = {}
        self.name_cache: dict[int, set[str]] = {}

    def preload(self, person_ids: Iterable[int]) -> None:
        """Read many people and their handles' names in a few queries (a sweep touches thousands)."""
        wanted = sorted(set(person_ids) - set(self.cache))
        for chunk in _chunks(wanted):
            names: dict[int, set[str | None]] = defaultdict(set)
            for handle in self.session.scalars(select(Handle).where(Handle.person_id.in_(chunk))):
                names[handle.person_id].add(name_key(handle.display_name))
            for person in self.session.scalars(select(Person).where(Person.id.in_(chunk))):
                if person.merged_into_id is None:
                    self.cache[person.id] = person
                    keys = names[person.id] | {name_key(person.display_name)}
                    self.name_cache[person.id] = {k for k in keys if k}

    def current(self, person_id: int) -> Person:
        if person_id not in self.cache:
            self.cache[person_id] = people.current(self.session, person_id=person_id)
        return self.cache[person_id]

    def names(self, person_id: int) -> set[str]:
        person = self.current(person_id)
        if person.id not in self.name_cache:
            keys = {name_key(person.display_name)}
            keys.update(name_key(h.display_name) for h in people.handles_of(self.session, person_id=person.id))
            self.name_cache[person.id] = {k for k in keys if k}
        return self.name_cache[person.id]


# Ids are handed out before their transaction commits, so a row with a lower id can appear after
# a higher one was read: the read position only moves past rows older than this, and the newer
# ones are read again next pass (reading twice proposes nothing twice).
SETTLE = timedelta(seconds=60)


def sweep(session: Session, *, organisation_id: int | None = None, limit: int = 5000,
          settle: timedelta = SETTLE, scope: Scope = ALL_BRANDS) -> SweepResult:
    """Read what arrived since the last pass and propose the people who look like one human.

    Incremental: each organisation keeps how far it read (handle and mention ids), so a pass costs
    what arrived since the previous one (plus the last `settle` of it), not the whole history.
    `limit` caps each read; the next pass continues from there. With a scope, only the
    organisations of its brands are swept (a supervisor's request reads and counts nothing of
    another organisation).
    """
    result = SweepResult()
    allowed = (None if scope.brand_ids is None else
               {b.organisation_id for b in brands.list_brands(session, brand_ids=scope.brand_ids)})
    by_org: dict[int, list[int]] = defaultdict(list)
    for brand in brands.list_brands(session):
        by_org[brand.organisation_id].append(brand.id)
    for org_id, brand_ids in sorted(by_org.items()):
        if organisation_id is not None and org_id != organisation_id:
            continue
        if allowed is not None and org_id not in allowed:
            continue
        result.organisations += 1
        _sweep_organisation(session, org_id, brand_ids, result, limit, utcnow() - settle)
    return result


def _state(session: Session, organisation_id: int) -> IdentitySweep:
    state = session.get(IdentitySweep, organisation_id)
    if state is None:
        state = IdentitySweep(organisation_id=organisation_id, last_mention_id=0, last_handle_id=0, swept_at=utcnow())
        session.add(state)
    return state


def _sweep_organisation(session: Session, org_id: int, brand_ids: list[int], result: SweepResult,
                        limit: int, settled: datetime) -> None:
    state = _state(session, org_id)
    found = _Findings()
    pool = _People(session)
    new_handles = list(session.scalars(select(Handle).where(Handle.organisation_id == org_id,
                                                            Handle.id > state.last_handle_id)
                                       .order_by(Handle.id).limit(limit)))
    result.handles_read += len(new_handles)
    keys: set[str] = set()
    fresh_contacts: list[ContactPoint] = []
    for handle in new_handles:
        key = people.handle_key(handle.channel, handle.handle)
        if handle.identity_key != key:  # rows older than the column, or rules that changed
            handle.identity_key = key
        if key:
            keys.add(key)
        if handle.channel == "email" and EMAIL_RE.fullmatch(handle.handle):
            fresh_contacts.append(ContactPoint(organisation_id=org_id, person_id=handle.person_id,
                                               kind=EvidenceKind.SAME_EMAIL.value, value=handle.handle,
                                               mention_id=None))
    session.flush()
    _same_handle(session, org_id, keys, found, pool)
    recent = mentions.messages_after(session, brand_ids=brand_ids, after_id=state.last_mention_id, limit=limit)
    result.messages_read += len(recent)
    for message in recent:
        if not message.private:
            continue  # an address in a public post may be anyone's (a support line, a journalist's)
        for kind, value in contact_values(message.text):
            fresh_contacts.append(ContactPoint(organisation_id=org_id, person_id=message.person_id, kind=kind,
                                               value=value, mention_id=message.id))
    result.contact_points += _store_contacts(session, org_id, fresh_contacts)
    _same_contact(session, org_id, {(c.kind, c.value) for c in fresh_contacts}, found, pool)
    _cross_links(session, org_id, recent, found, pool)
    existing = _existing_proposals(session, org_id, set(found.by_pair))
    with deferred(session):  # one batched, sealed insert of the audit events
        for (a, b), evidence in found.by_pair.items():
            outcome = _propose(session, org_id, a, b, evidence, existing.get((a, b)))
            if outcome == "proposed":
                result.proposed += 1
            elif outcome == "updated":
                result.updated += 1
    state.last_handle_id = _read_up_to(state.last_handle_id, [(h.id, h.created_at) for h in new_handles], settled)
    state.last_mention_id = _read_up_to(state.last_mention_id, [(m.id, m.ingested_at) for m in recent], settled)
    state.swept_at = utcnow()


def _read_up_to(position: int, rows: list[tuple[int, datetime]], settled: datetime) -> int:
    """The new read position: the last row (in id order) before the first one that is not settled."""
    for row_id, at in rows:
        if at > settled:
            break
        position = row_id
    return position


def _same_handle(session: Session, org_id: int, keys: set[str], found: _Findings, pool: _People) -> None:
    for chunk in _chunks(sorted(keys)):
        rows = list(session.scalars(select(Handle).where(Handle.organisation_id == org_id,
                                                         Handle.identity_key.in_(chunk))))
        pool.preload(h.person_id for h in rows)
        groups: dict[str, dict[int, list[Handle]]] = defaultdict(lambda: defaultdict(list))
        for handle in rows:
            assert handle.identity_key is not None
            groups[handle.identity_key][pool.current(handle.person_id).id].append(handle)
        for owners in groups.values():
            if not 2 <= len(owners) <= MAX_NETWORKS:
                continue
            networks = [h.channel for handles in owners.values() for h in {h.channel: h for h in handles}.values()]
            if len(networks) != len(set(networks)):
                continue  # two people with this key on one network: a name strangers share, not one human
            ids = sorted(owners)
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    same_name = bool(pool.names(a) & pool.names(b))
                    values = [f"{h.channel}:@{h.handle}" for h in owners[a] + owners[b]]
                    found.add(a, b, EvidenceKind.SAME_HANDLE, values,
                              score=SCORES[EvidenceKind.SAME_HANDLE] + (SAME_NAME_BONUS if same_name else 0.0))


def _store_contacts(session: Session, org_id: int, rows: list[ContactPoint]) -> int:
    """Store the contact points not stored yet (per person and value)."""
    if not rows:
        return 0
    stored = {(c.kind, c.value, c.person_id) for c in session.scalars(
        select(ContactPoint).where(ContactPoint.organisation_id == org_id,
                                   ContactPoint.value.in_({r.value for r in rows})))}
    added = 0
    for row in rows:
        key = (row.kind, row.value, row.person_id)
        if key in stored:
            continue
        stored.add(key)
        session.add(row)
        added += 1
    session.flush()
    return added


def _same_contact(session: Session, org_id: int, values: set[tuple[str, str]], found: _Findings,
                  pool: _People) -> None:
    if not values:
        return
    rows = session.scalars(select(ContactPoint).where(ContactPoint.organisation_id == org_id,
                                                      ContactPoint.value.in_({v for _, v in values})))
    owners: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if (row.kind, row.value) in values:
            mention_ids = owners[(row.kind, row.value)][pool.current(row.person_id).id]
            if row.mention_id is not None:
                mention_ids.append(row.mention_id)
    for (kind, value), by_person in owners.items():
        if not 2 <= len(by_person) <= MAX_SHARED:
            continue
        ids = sorted(by_person)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                found.add(a, b, EvidenceKind(kind), [value], by_person[a] + by_person[b])


def _cross_links(session: Session, org_id: int, recent: list[mentions.MessageRef], found: _Findings,
                 pool: _People) -> None:
    """Same display name, and a message or profile field of one names an account of the other."""
    wanted: dict[str, list[mentions.MessageRef]] = defaultdict(list)
    for message in recent:
        for name in linked_handles(message):
            wanted[name].append(message)
    for chunk in _chunks(sorted(wanted)):
        handles = list(session.scalars(select(Handle).where(Handle.organisation_id == org_id,
                                                            Handle.handle.in_(chunk))))
        pool.preload([h.person_id for h in handles] + [m.person_id for h in handles for m in wanted[h.handle]])
        for handle in handles:
            other = pool.current(handle.person_id)
            for message in wanted[handle.handle]:
                author = pool.current(message.person_id)
                if author.id == other.id:
                    continue
                if handle.channel == message.channel and not _is_profile_link(message, handle.handle):
                    continue  # an @name on the message's own network is a conversation, not a link to oneself
                if not pool.names(author.id) & pool.names(other.id):
                    continue
                found.add(author.id, other.id, EvidenceKind.CROSS_LINK,
                          [f"{message.channel}:@{people.normalise_handle(message.author_handle)} → "
                           f"{handle.channel}:@{handle.handle}"], [message.id])


def _is_profile_link(message: mentions.MessageRef, handle: str) -> bool:
    raw = json.dumps(message.raw, ensure_ascii=False) if message.raw else ""
    return any(people.normalise_handle(m.group(1)) == handle
               for blob in (message.text, raw) for pattern in PROFILE_LINK_RES for m in pattern.finditer(blob))


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _merge_evidence(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [dict(item) for item in old]
    for item in new:
        twin = next((o for o in out if o["kind"] == item["kind"] and o["values"] == item["values"]), None)
        if twin is None:
            out.append(dict(item))
        else:
            twin["message_ids"] = sorted(set(twin["message_ids"]) | set(item["message_ids"]))
            twin["score"] = max(float(twin["score"]), float(item["score"]))
    return out


def _existing_proposals(session: Session, org_id: int,
                        pairs: set[tuple[int, int]]) -> dict[tuple[int, int], MergeProposal]:
    out: dict[tuple[int, int], MergeProposal] = {}
    for chunk in _chunks(sorted({a for a, _ in pairs})):
        for row in session.scalars(select(MergeProposal).where(MergeProposal.organisation_id == org_id,
                                                               MergeProposal.person_a_id.in_(chunk))):
            if (row.person_a_id, row.person_b_id) in pairs:
                out[(row.person_a_id, row.person_b_id)] = row
    return out


def _propose(session: Session, org_id: int, a: int, b: int, evidence: list[dict[str, Any]],
             row: MergeProposal | None) -> str | None:
    """Create or strengthen the proposal for a pair; a decided pair is left alone."""
    if row is not None:
        if row.status != ProposalStatus.PROPOSED:
            return None
        merged = _merge_evidence(row.evidence, evidence)
        if merged == row.evidence:
            return None
        row.evidence, row.score, row.updated_at = merged, _combine(merged), utcnow()
        return "updated"
    merged = _merge_evidence([], evidence)
    score = _combine(merged)
    if score < PROPOSE_AT:
        return None
    row = MergeProposal(organisation_id=org_id, person_a_id=a, person_b_id=b, score=score, evidence=merged,
                        status=ProposalStatus.PROPOSED.value, created_at=utcnow(), updated_at=utcnow())
    session.add(row)
    record(session, actor=SYSTEM, action="people.merge_proposed", entity_type="merge_proposal",
           entity_id=IdOf(row), after={"person_a_id": a, "person_b_id": b, "score": score,
                                       "kinds": sorted({e["kind"] for e in merged})})
    return "proposed"


# --- Visibility --------------------------------------------------------------------------------

def visible(session: Session, *, person_id: int, scope: Scope) -> bool:
    """A person is visible to a caller who may see a brand they wrote to or have a case with."""
    if scope.brand_ids is None:
        return True
    return bool(mentions.mentions_of_person(session, person_id=person_id, brand_ids=scope.brand_ids, limit=1)
                or cases.cases_of_person(session, person_id=person_id, scope=scope, limit=1))


def get_visible(session: Session, *, person_id: int, scope: Scope) -> Person:
    person = people.get(session, person_id=person_id)
    if not visible(session, person_id=person.id, scope=scope):
        raise NotFound(f"No existe la persona {person_id}.")
    return person


@dataclass(frozen=True)
class ProposalView:
    """A proposal as one caller may see it: the other person and the evidence from their brands."""

    proposal: MergeProposal
    other: Person
    other_handles: list[Handle]
    evidence: list[dict[str, Any]]


def visible_evidence(session: Session, evidence: list[dict[str, Any]], scope: Scope) -> list[dict[str, Any]]:
    if scope.brand_ids is None:
        return [dict(e) for e in evidence]
    ids = {i for e in evidence for i in e.get("message_ids", [])}
    brand_of = mentions.brands_of(session, mention_ids=ids)
    out = []
    for item in evidence:
        shown = [i for i in item.get("message_ids", []) if brand_of.get(i) in scope.brand_ids]
        if item.get("message_ids") and not shown:
            continue  # it rests on messages of brands the caller may not see: so must its values
        out.append(dict(item) | {"message_ids": shown})
    return out


def proposals_for(session: Session, *, person_id: int, scope: Scope = ALL_BRANDS) -> list[ProposalView]:
    """Open proposals involving a person, with the evidence the caller may see."""
    rows = session.scalars(select(MergeProposal).where(
        MergeProposal.status == ProposalStatus.PROPOSED.value,
        (MergeProposal.person_a_id == person_id) | (MergeProposal.person_b_id == person_id))
        .order_by(MergeProposal.score.desc(), MergeProposal.id))
    out = []
    for row in rows:
        other_id = row.person_b_id if row.person_a_id == person_id else row.person_a_id
        if not visible(session, person_id=other_id, scope=scope):
            continue
        evidence = visible_evidence(session, row.evidence, scope)
        if not evidence:
            continue
        out.append(ProposalView(row, people.get(session, person_id=other_id),
                                people.handles_of(session, person_id=other_id), evidence))
    return out


def open_proposals(session: Session, *, scope: Scope = ALL_BRANDS, limit: int = 100) -> list[ProposalView]:
    """Open proposals the caller may decide, best first (seen from person A)."""
    rows = session.scalars(select(MergeProposal).where(MergeProposal.status == ProposalStatus.PROPOSED.value)
                           .order_by(MergeProposal.score.desc(), MergeProposal.id).limit(limit * 4))
    out: list[ProposalView] = []
    for row in rows:
        view = _decidable(session, row, scope)
        if view is not None:
            out.append(view)
        if len(out) >= limit:
            break
    return out


def _decidable(session: Session, row: MergeProposal, scope: Scope) -> ProposalView | None:
    """The proposal as the caller sees it, if they may see both people (as they are now) and its evidence."""
    for person_id in (row.person_a_id, row.person_b_id):
        if not visible(session, person_id=people.current(session, person_id=person_id).id, scope=scope):
            return None
    evidence = visible_evidence(session, row.evidence, scope)
    if not evidence:
        return None
    return ProposalView(row, people.get(session, person_id=row.person_b_id),
                        people.handles_of(session, person_id=row.person_b_id), evidence)


def _proposal(session: Session, proposal_id: int, scope: Scope) -> MergeProposal:
    row = session.get(MergeProposal, proposal_id)
    if row is None or _decidable(session, row, scope) is None:
        raise NotFound(f"No existe la propuesta de unión {proposal_id}.")
    return row


# --- Decisions ---------------------------------------------------------------------------------

_CARRIED = ("strikes", "blocked", "labels", "confirmed_role")


def confirm(session: Session, *, proposal_id: int, actor: Actor, user_id: int | None = None,
            scope: Scope = ALL_BRANDS, reason: str | None = None) -> PersonMerge:
    """Merge the proposal's two people into the older one; everything of the other moves over."""
    row = _proposal(session, proposal_id, scope)
    if row.status != ProposalStatus.PROPOSED:
        raise InvalidTransition(f"La propuesta ya fue decidida: «{row.status}».")
    survivor = people.get(session, person_id=row.person_a_id)
    merged = people.get(session, person_id=row.person_b_id)
    if survivor.merged_into_id is not None or merged.merged_into_id is not None:
        raise Conflict("Una de las dos personas ya fue unida a otra; recargue la página.")
    before = {name: getattr(survivor, name) for name in _CARRIED}
    handle_ids = [h.id for h in people.handles_of(session, person_id=merged.id)]
    moved = {
        "handles": handle_ids,
        "mentions": mentions.reassign_person(session, from_person_id=merged.id, to_person_id=survivor.id),
        "cases": cases.reassign_person(session, from_person_id=merged.id, to_person_id=survivor.id),
        "moderation": moderation.reassign_person(session, from_person_id=merged.id, to_person_id=survivor.id),
        "contacts": _move_contacts(session, merged.id, survivor.id),
    }
    for handle in people.handles_of(session, person_id=merged.id):
        handle.person_id = survivor.id
    survivor.strikes += merged.strikes
    survivor.blocked = survivor.blocked or merged.blocked
    survivor.labels = list(dict.fromkeys([*survivor.labels, *merged.labels]))
    survivor.confirmed_role = survivor.confirmed_role or merged.confirmed_role
    survivor.first_seen_at = min(survivor.first_seen_at, merged.first_seen_at)
    survivor.last_seen_at = max(survivor.last_seen_at, merged.last_seen_at)
    merged.merged_into_id = survivor.id
    now = utcnow()
    row.status, row.decided_by_user_id, row.decided_at, row.updated_at = (
        ProposalStatus.CONFIRMED.value, user_id, now, now)
    merge = PersonMerge(organisation_id=row.organisation_id, proposal_id=row.id, survivor_id=survivor.id,
                        merged_id=merged.id, moved=moved, survivor_before=before, created_at=now)
    session.add(merge)
    _rekey_proposals(session, merged.id, survivor.id)
    session.flush()
    record(session, actor=actor, action="people.merged", entity_type="person", entity_id=survivor.id,
           before={"person_id": merged.id, **{k: v for k, v in before.items()}},
           after={"merged_person_id": merged.id, "proposal_id": row.id, "merge_id": merge.id,
                  "evidence": sorted({e["kind"] for e in row.evidence}),
                  **{k: v for k, v in moved.items()}}, reason=reason)
    return merge


def reject(session: Session, *, proposal_id: int, actor: Actor, user_id: int | None = None,
           scope: Scope = ALL_BRANDS, reason: str | None = None) -> MergeProposal:
    """Not the same human: the pair is never proposed again."""
    row = _proposal(session, proposal_id, scope)
    if row.status != ProposalStatus.PROPOSED:
        raise InvalidTransition(f"La propuesta ya fue decidida: «{row.status}».")
    now = utcnow()
    row.status, row.decided_by_user_id, row.decided_at, row.updated_at = (
        ProposalStatus.REJECTED.value, user_id, now, now)
    record(session, actor=actor, action="people.merge_rejected", entity_type="merge_proposal", entity_id=row.id,
           before={"status": ProposalStatus.PROPOSED.value},
           after={"status": row.status, "person_a_id": row.person_a_id, "person_b_id": row.person_b_id},
           reason=reason)
    return row


def _move_contacts(session: Session, from_id: int, to_id: int, mention_ids: set[int] | None = None,
                   email: str | None = None) -> list[int]:
    moved = []
    for row in session.scalars(select(ContactPoint).where(ContactPoint.person_id == from_id)):
        if mention_ids is None or row.mention_id in mention_ids or (row.mention_id is None and row.value == email):
            row.person_id = to_id
            moved.append(row.id)
    return moved


def _rekey_proposals(session: Session, old_id: int, new_id: int) -> None:
    """Point the merged person's other proposals at the survivor (a decided pair stays decided)."""
    rows = list(session.scalars(select(MergeProposal).where(
        (MergeProposal.person_a_id == old_id) | (MergeProposal.person_b_id == old_id),
        MergeProposal.status.in_([ProposalStatus.PROPOSED.value, ProposalStatus.REJECTED.value]))))
    for row in rows:
        other = row.person_b_id if row.person_a_id == old_id else row.person_a_id
        if other == new_id:
            continue
        a, b = _pair(other, new_id)
        twin = session.scalar(select(MergeProposal).where(
            MergeProposal.organisation_id == row.organisation_id, MergeProposal.person_a_id == a,
            MergeProposal.person_b_id == b))
        if twin is None:
            row.person_a_id, row.person_b_id, row.updated_at = a, b, utcnow()
            session.flush()
        elif twin.status == ProposalStatus.PROPOSED and row.status == ProposalStatus.PROPOSED:
            twin.evidence = _merge_evidence(twin.evidence, row.evidence)
            twin.score = _combine(twin.evidence)
            row.status = ProposalStatus.SUPERSEDED.value
        elif row.status == ProposalStatus.PROPOSED:
            row.status = ProposalStatus.SUPERSEDED.value


def split(session: Session, *, handle_id: int, actor: Actor, user_id: int | None = None,
          scope: Scope = ALL_BRANDS, reason: str | None = None) -> Person:
    """Take a handle, and the messages, cases and moderation that came through it, to a person of its own.

    When the handle came in through a merge, it goes back to the person it was merged from; when
    that person gets their last handle back, the merge is undone (and the survivor's strikes,
    block and labels lose what the merge added). The pair is then never proposed again.
    """
    handle = session.get(Handle, handle_id)
    if handle is None or not visible(session, person_id=handle.person_id, scope=scope):
        raise NotFound(f"No existe la cuenta {handle_id}.")  # the same answer: no existence oracle
    person = people.get(session, person_id=handle.person_id)
    handles = people.handles_of(session, person_id=person.id)
    if len(handles) < 2:
        raise InvalidInput("Esta persona tiene una sola cuenta: no hay nada que separar.")
    merge = next((m for m in session.scalars(select(PersonMerge).where(PersonMerge.survivor_id == person.id,
                                                                       PersonMerge.undone_at.is_(None))
                                             .order_by(PersonMerge.id.desc()))
                  if handle.id in m.moved.get("handles", [])), None)
    if merge is not None:
        target = people.get(session, person_id=merge.merged_id)
        target.merged_into_id = None
    else:
        now = utcnow()
        target = Person(organisation_id=person.organisation_id, display_name=handle.display_name or handle.handle,
                        labels=[], strikes=0, blocked=False, first_seen_at=handle.created_at, last_seen_at=now)
        session.add(target)
        session.flush()
    mention_ids = mentions.mention_ids_of_handle(session, person_id=person.id, channel=handle.channel,
                                                 handle=handle.handle)
    moving = set(mention_ids)
    openers = mentions.case_openers(session, case_ids=mentions.case_ids_of_mentions(session, mention_ids=moving))
    case_ids = sorted(c for c, (_, first) in openers.items() if first in moving)
    action_ids = set(moderation.action_ids_of(session, person_id=person.id, mention_ids=moving, case_ids=case_ids))
    if merge is not None:
        action_ids.update(merge.moved.get("moderation", []))
    moved = {
        "handles": [handle.id],
        "mentions": mentions.reassign_person(session, from_person_id=person.id, to_person_id=target.id,
                                             mention_ids=moving),
        "cases": cases.reassign_person(session, from_person_id=person.id, to_person_id=target.id,
                                       case_ids=case_ids),
        "moderation": moderation.reassign_person(session, from_person_id=person.id, to_person_id=target.id,
                                                 action_ids=action_ids),
        "contacts": _move_contacts(session, person.id, target.id, moving,
                                   handle.handle if handle.channel == "email" else None),
    }
    handle.person_id = target.id
    session.flush()
    undone = False
    if merge is not None and not any(h.person_id == person.id for h in
                                     (session.get(Handle, i) for i in merge.moved.get("handles", [])) if h):
        undone = True
        merge.undone_at = utcnow()
        _restore_survivor(person, target, merge.survivor_before)
    _mark_split(session, person, target, user_id)
    record(session, actor=actor, action="people.handle_split", entity_type="person", entity_id=person.id,
           before={"person_id": person.id, "handle": f"{handle.channel}:@{handle.handle}"},
           after={"person_id": target.id, "merge_id": merge.id if merge else None, "merge_undone": undone,
                  **moved}, reason=reason)
    return target


def _restore_survivor(survivor: Person, merged: Person, before: dict[str, Any]) -> None:
    survivor.strikes = max(0, survivor.strikes - merged.strikes)
    if merged.blocked and not before.get("blocked"):
        survivor.blocked = False
    kept = set(before.get("labels") or [])
    survivor.labels = [label for label in survivor.labels if label in kept or label not in merged.labels]
    if before.get("confirmed_role") is None and survivor.confirmed_role == merged.confirmed_role:
        survivor.confirmed_role = None


def _mark_split(session: Session, person: Person, target: Person, user_id: int | None) -> None:
    a, b = _pair(person.id, target.id)
    row = session.scalar(select(MergeProposal).where(MergeProposal.organisation_id == person.organisation_id,
                                                     MergeProposal.person_a_id == a, MergeProposal.person_b_id == b))
    now = utcnow()
    if row is None:
        session.add(MergeProposal(organisation_id=person.organisation_id, person_a_id=a, person_b_id=b, score=0.0,
                                  evidence=[], status=ProposalStatus.SPLIT.value, decided_by_user_id=user_id,
                                  decided_at=now, created_at=now, updated_at=now))
    else:
        row.status, row.decided_by_user_id, row.decided_at, row.updated_at = (
            ProposalStatus.SPLIT.value, user_id, now, now)


# --- Contact history ---------------------------------------------------------------------------

@dataclass(frozen=True)
class History:
    """Everything of a person the caller may see, across networks and brands."""

    person: Person
    handles: list[Handle]
    cases: list[Case]
    mentions: list[Mention]
    moderation: list[ModerationAction]
    brand_names: dict[int, str]
    channels: list[str]


def history(session: Session, *, person_id: int, scope: Scope = ALL_BRANDS, limit: int = 200) -> History:
    """The contact history: every case, message and moderation action of the person in the caller's brands.

    A merged-away person answers with the person they were merged into.
    """
    person = people.current(session, person_id=person_id)
    get_visible(session, person_id=person.id, scope=scope)
    found_mentions = mentions.mentions_of_person(session, person_id=person.id, brand_ids=scope.brand_ids,
                                                 limit=limit)
    found_cases = cases.cases_of_person(session, person_id=person.id, scope=scope, limit=limit)
    actions = moderation.actions_of(session, scope=scope, person_id=person.id, limit=limit)
    visible_brands = {m.brand_id for m in found_mentions} | {c.brand_id for c in found_cases}
    names = {b.id: b.name for b in brands.list_brands(session, brand_ids=frozenset(visible_brands))}
    channels = sorted({m.channel for m in found_mentions} | {c.channel for c in found_cases})
    return History(person, people.handles_of(session, person_id=person.id), found_cases, found_mentions, actions,
                   names, channels)
