"""Authorisation by the object's own scope: which brands a person or a mention belongs to.

A brand id sent in a request only says what the caller *asks* for; it never authorises. A person is
shared by an organisation's brands, but belongs to a brand only if they wrote to it (a mention) or
have a case with it. Every check here answers a missing object and one outside the caller's scope
with the same `NotFound` and the same message, so ids cannot be probed (no existence oracle).
"""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from cauce.cases.models import Case
from cauce.cases.service import ALL_BRANDS, Scope
from cauce.errors import NotFound
from cauce.mentions.models import Mention
from cauce.people import service as people
from cauce.people.models import Person


def person_not_found(person_id: int) -> NotFound:
    return NotFound(f"No existe la persona {person_id}.")


def mention_not_found(mention_id: int) -> NotFound:
    return NotFound(f"No existe la mención {mention_id}.")


def brand_not_found(brand_id: int) -> NotFound:
    return NotFound(f"No existe la marca {brand_id}.")


def brands_of_person(session: Session, *, person_id: int) -> frozenset[int]:
    """The brands a person belongs to: those they wrote to or have a case with."""
    query = union(select(Mention.brand_id).where(Mention.person_id == person_id),
                  select(Case.brand_id).where(Case.person_id == person_id))
    return frozenset(session.scalars(query))


def person_in_scope(session: Session, *, person_id: int, scope: Scope = ALL_BRANDS,
                    brand_id: int | None = None) -> Person:
    """The person, if they belong to a brand the scope allows (to `brand_id` itself when given).

    With `brand_id`, the brand must also be in scope: acting on a person "for brand X" needs both.
    """
    if brand_id is not None and not scope.allows(brand_id):
        raise person_not_found(person_id)
    if brand_id is not None or scope.brand_ids is not None:
        belongs = brands_of_person(session, person_id=person_id)
        allowed = brand_id in belongs if brand_id is not None else bool(belongs & (scope.brand_ids or set()))
        if not allowed:
            # The same answer as a missing id; even an admin cannot act "for" a brand the person never wrote to.
            raise person_not_found(person_id)
    try:
        return people.get(session, person_id=person_id)
    except NotFound:
        raise person_not_found(person_id) from None


def mention_in_scope(session: Session, *, mention_id: int, scope: Scope = ALL_BRANDS,
                     brand_id: int | None = None, case_id: int | None = None) -> Mention:
    """The mention, if its brand is in scope (and it is of `brand_id` / in `case_id` when given)."""
    mention = session.get(Mention, mention_id)
    if (mention is None or not scope.allows(mention.brand_id)
            or (brand_id is not None and mention.brand_id != brand_id)
            or (case_id is not None and mention.case_id != case_id)):
        raise mention_not_found(mention_id)
    return mention
