"""Find or create the Person behind a handle, and read their history across networks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from cauce.db import bulk_insert, reserve_ids, table_of, utcnow
from cauce.errors import NotFound
from cauce.people.models import Handle, Person


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


# Suffixes a network adds to every handle: not part of what the person chose.
_NETWORK_SUFFIXES = (".bsky.social",)
_SEPARATORS = str.maketrans("", "", "._-")
MIN_KEY_LENGTH = 4  # shorter handles ("ana", "jp") are shared by too many strangers to mean anything


def handle_key(channel: str, handle: str) -> str | None:
    """The part of a handle its owner chose, comparable across networks; None when it means nothing.

    `@Ana.Perez` (X), `ana_perez@mastodon.social` and `ana-perez.bsky.social` give `anaperez`. E-mail
    addresses are matched as contact points instead (`people.identity`), and bare numbers (phone-like
    chat ids) never.
    """
    if channel == "email":
        return None
    key = normalise_handle(handle)
    if "@" in key:  # fediverse: user@instance
        key = key.split("@", 1)[0]
    for suffix in _NETWORK_SUFFIXES:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    key = key.translate(_SEPARATORS)
    if len(key) < MIN_KEY_LENGTH or key.isdigit():
        return None
    return key


@dataclass(frozen=True)
class Author:
    person: Person
    handle: Handle
    created: bool


def match_or_create(
    session: Session,
    *,
    organisation_id: int,
    channel: str,
    handle: str,
    display_name: str | None,
    followers: int,
    seen_at: datetime,
    known: dict[tuple[int, str, str], tuple[Handle, Person]] | None = None,
) -> Author:
    """The Person who owns (organisation, channel, handle); created on first sight.

    Two ingests racing on a brand-new handle both end with the same Person: the loser of the
    unique-constraint race reads the winner's row.

    `known` (from `prefetch_handles`) answers the lookup without a query: a key missing from it has
    no row yet; a row created here is added to it.
    """
    key = normalise_handle(handle)
    lookup = known if known is not None else prefetch_handles(session, [(organisation_id, channel, handle)])
    found = lookup.get((organisation_id, channel, key))
    if found is not None:
        handle_row, person = found
        if followers and handle_row.followers != followers:
            handle_row.followers = followers
        if display_name and handle_row.display_name != display_name:
            handle_row.display_name = display_name
        if seen_at > person.last_seen_at:
            person.last_seen_at = seen_at
        return Author(person, handle_row, False)
    person = Person(**_person_values(organisation_id, display_name or key, seen_at))
    try:
        with session.begin_nested():
            session.add(person)
            session.flush()
            handle_row = Handle(**_handle_values(organisation_id, person.id, channel, key, display_name, followers))
            session.add(handle_row)
            session.flush()
    except IntegrityError:
        author = match_or_create(session, organisation_id=organisation_id, channel=channel, handle=handle,
                                 display_name=display_name, followers=followers, seen_at=seen_at)
    else:
        author = Author(person, handle_row, True)
    if known is not None:
        known[(organisation_id, channel, key)] = (author.handle, author.person)
    return author


def prefetch_handles(session: Session, keys: Iterable[tuple[int, str, str]],
                     chunk: int = 500) -> dict[tuple[int, str, str], tuple[Handle, Person]]:
    """The (Handle, Person) rows of many (organisation, channel, raw handle) keys, in a few queries."""
    wanted = {(org, channel, normalise_handle(handle)) for org, channel, handle in keys}
    names = sorted({h for _, _, h in wanted})
    out: dict[tuple[int, str, str], tuple[Handle, Person]] = {}
    for start in range(0, len(names), chunk):
        rows = session.execute(
            select(Handle, Person).join(Person, Person.id == Handle.person_id)
            .where(Handle.organisation_id.in_({o for o, _, _ in wanted}), Handle.channel.in_({c for _, c, _ in wanted}),
                   Handle.handle.in_(names[start:start + chunk]))
        ).all()
        for handle_row, person in rows:
            key = (handle_row.organisation_id, handle_row.channel, handle_row.handle)
            if key in wanted:
                out[key] = (handle_row, person)
    return out


@dataclass(frozen=True)
class Sighting:
    """A handle seen in a batch, with what the first post by it says about its owner."""

    organisation_id: int
    channel: str
    handle: str
    display_name: str | None
    followers: int
    seen_at: datetime


def create_missing(session: Session, sightings: Iterable[Sighting],
                   known: dict[tuple[int, str, str], tuple[Handle, Person]]) -> set[int]:
    """Create, in two batched inserts, the People of handles `known` lacks; add them to `known`.

    The rows go in as plain rows (COPY on PostgreSQL); the Person and Handle objects put in `known`
    are then attached to the session as already stored, so later sightings in the batch can update
    them like any loaded row. No savepoint: a handle created concurrently elsewhere fails the
    caller's transaction, and the caller retries its batch one mention at a time
    (`match_or_create` resolves that race). Returns the new people's ids.
    """
    fresh: dict[tuple[int, str, str], Sighting] = {}
    for seen in sightings:
        key = (seen.organisation_id, seen.channel, normalise_handle(seen.handle))
        if key not in known and key not in fresh:
            fresh[key] = seen
    if not fresh:
        return set()
    person_ids = reserve_ids(session, table_of(Person), len(fresh))
    handle_ids = reserve_ids(session, table_of(Handle), len(fresh))
    people = [_person_values(seen.organisation_id, seen.display_name or key[2], seen.seen_at) | {"id": person_id}
              for (key, seen), person_id in zip(fresh.items(), person_ids, strict=True)]
    handles = [_handle_values(seen.organisation_id, person_id, seen.channel, key[2], seen.display_name,
                              seen.followers) | {"id": handle_id}
               for (key, seen), person_id, handle_id in zip(fresh.items(), person_ids, handle_ids, strict=True)]
    bulk_insert(session, table_of(Person), people)
    bulk_insert(session, table_of(Handle), handles)
    for key, person_row, handle_row in zip(fresh, people, handles, strict=True):
        known[key] = (_attach(session, Handle(**handle_row)), _attach(session, Person(**person_row)))
    return set(person_ids)


def _person_values(organisation_id: int, display_name: str, seen_at: datetime) -> dict[str, Any]:
    return {"organisation_id": organisation_id, "display_name": display_name, "labels": [],
            "confirmed_role": None, "strikes": 0, "blocked": False, "notes": None, "merged_into_id": None,
            "first_seen_at": seen_at, "last_seen_at": seen_at}


def _handle_values(organisation_id: int, person_id: int, channel: str, handle: str, display_name: str | None,
                   followers: int) -> dict[str, Any]:
    return {"organisation_id": organisation_id, "person_id": person_id, "channel": channel, "handle": handle,
            "display_name": display_name, "followers": followers, "created_at": utcnow(),
            "identity_key": handle_key(channel, handle)}


_Row = TypeVar("_Row")


def _attach(session: Session, row: _Row) -> _Row:
    """Put an object whose row was just inserted into the session as a stored (persistent) row."""
    make_transient_to_detached(row)
    session.add(row)
    return row


def get(session: Session, *, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No existe la persona {person_id}.")
    return person


def current(session: Session, *, person_id: int) -> Person:
    """The person, or the one a confirmed merge folded them into."""
    person = get(session, person_id=person_id)
    seen = {person.id}
    while person.merged_into_id is not None and person.merged_into_id not in seen:
        seen.add(person.merged_into_id)
        person = get(session, person_id=person.merged_into_id)
    return person


def handles_of(session: Session, *, person_id: int) -> list[Handle]:
    return list(session.scalars(select(Handle).where(Handle.person_id == person_id).order_by(Handle.id)))


def anonymise(session: Session, *, person_id: int, at: datetime) -> Person:
    """Erase a person's name, notes, labels and handles; the row stays (a tombstone) for the audit."""
    person = get(session, person_id=person_id)
    person.display_name = None
    person.notes = None
    person.labels = []
    person.anonymised_at = at
    for handle in handles_of(session, person_id=person_id):
        # Unique per (organisation, channel, handle); a later post by the same account starts afresh.
        handle.handle = f"anonimo-{handle.id}"
        handle.display_name = None
        handle.followers = 0
    session.flush()
    return person
