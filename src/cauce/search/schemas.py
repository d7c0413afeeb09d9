"""API shapes for search: people and cases found by a query."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from cauce.apimodel import StrictOut


class SearchKind(StrEnum):
    people = "people"
    cases = "cases"
    all = "all"


class HandleHit(StrictOut):
    channel: str
    handle: str  # normalised: lower case, no leading @
    display_name: str | None


class PersonHit(StrictOut):
    id: int
    name: str | None
    handles: list[HandleHit]
    confirmed_role: str | None
    blocked: bool
    last_seen_at: datetime
    url: str  # the person's page in the web app


class CaseHit(StrictOut):
    id: int
    brand_id: int
    person_id: int
    person_name: str | None
    title: str
    status: str
    is_open: bool
    priority: int
    opened_at: datetime
    last_inbound_at: datetime
    matched: Literal["number", "text"]  # found by its number or by words of its title / mentions
    url: str  # the case's page in the web app


class SearchOut(StrictOut):
    query: str
    kind: SearchKind
    people: list[PersonHit]
    cases: list[CaseHit]
