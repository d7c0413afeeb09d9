"""The live inbox's change feed: one watcher tails the audit log and tells each subscriber only
about the cases of its brands."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from cauce.config import Settings
from cauce.db import Database
from cauce.mentions.service import ingest
from cauce.web.app import create_app
from cauce.web.live import CaseBroadcaster, Subscriber
from cauce.web.presence import PresenceBoard
from helpers import make_brand, mention, scripted_triage


def test_the_watcher_reports_changed_cases_once(db: Database) -> None:
    make_brand(db, name="Marca A")
    watcher = CaseBroadcaster(db)
    assert watcher.poll_once() == []  # the first tick only sets the starting point
    with scripted_triage(), db.session() as s:
        first = ingest(s, mention(1, brand="marca-a")).case_id
        second = ingest(s, mention(2, brand="marca-a", handle="@otro")).case_id
    changed = {case_id for case_id, _ in watcher.poll_once()}
    assert changed == {first, second}
    assert watcher.poll_once() == []  # nothing new since


def test_subscribers_only_hear_about_their_brands() -> None:
    async def run() -> tuple[set[int], bool]:
        mine, other = Subscriber(frozenset({1})), Subscriber(frozenset({2}))
        for sub in (mine, other):
            sub.offer([(10, 1), (11, 2), (12, None)])
        return await mine.queue.get(), other.queue.empty()

    ids, _ = asyncio.run(run())
    assert ids == {10}
    admin = Subscriber(None)
    admin.offer([(10, 1), (11, 2)])
    assert admin.queue.get_nowait() == {10, 11}


def test_presence_expires_and_replying_wins_over_viewing() -> None:
    board = PresenceBoard(ttl=60)
    board.touch(7, user_id=1, name="Laura", mode="replying")
    board.touch(7, user_id=1, name="Laura", mode="viewing")
    board.touch(7, user_id=2, name="Diego", mode="viewing")
    assert [(p.name, p.mode) for p in board.others(7, user_id=2)] == [("Laura", "replying")]
    assert board.others(7, user_id=3)[0].name == "Diego"
    expired = PresenceBoard(ttl=0)
    expired.touch(7, user_id=1, name="Laura", mode="replying")
    assert expired.others(7, user_id=2) == []


def test_the_event_stream_needs_a_session(db: Database) -> None:
    with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as client:
        response = client.get("/inbox/events", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
