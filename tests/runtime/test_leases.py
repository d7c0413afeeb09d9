"""Job leases (`cauce.runtime.leases`): one holder at a time, renewal, expiry after a crash, and a
race of many threads on SQLite and PostgreSQL where exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

from cauce.db import Database, utcnow
from cauce.runtime import leases


def test_one_holder_at_a_time_until_the_lease_expires(db: Database) -> None:
    t0 = utcnow()
    assert leases.claim(db, "periodic:x", "a", 10, now=t0)
    assert not leases.claim(db, "periodic:x", "b", 10, now=t0 + timedelta(seconds=5))
    assert leases.claim(db, "periodic:x", "a", 10, now=t0 + timedelta(seconds=5))  # the holder renews
    assert leases.holder_of(db, "periodic:x", now=t0 + timedelta(seconds=14)) == "a"
    # "a" crashed: nobody renews; once expired, "b" takes over and "a" is locked out.
    assert not leases.claim(db, "periodic:x", "b", 10, now=t0 + timedelta(seconds=14))
    assert leases.claim(db, "periodic:x", "b", 10, now=t0 + timedelta(seconds=16))
    assert not leases.claim(db, "periodic:x", "a", 10, now=t0 + timedelta(seconds=17))
    assert leases.holder_of(db, "periodic:x", now=t0 + timedelta(seconds=17)) == "b"
    assert leases.holder_of(db, "periodic:x", now=t0 + timedelta(seconds=27)) is None


def test_release_frees_the_lease_for_its_holder_only(db: Database) -> None:
    assert leases.claim(db, "poll:channel:1", "a", 60)
    assert not leases.release(db, "poll:channel:1", "b")
    assert not leases.claim(db, "poll:channel:1", "b", 60)
    assert leases.release(db, "poll:channel:1", "a")
    assert leases.claim(db, "poll:channel:1", "b", 60)


def test_leases_are_independent_by_name(db: Database) -> None:
    assert leases.claim(db, "poll:channel:1", "a", 60)
    assert leases.claim(db, "poll:channel:2", "b", 60)
    assert not leases.claim(db, "poll:channel:2", "a", 60)


def test_a_race_of_many_claimants_has_exactly_one_winner(db: Database) -> None:
    for round_ in range(5):
        name = f"periodic:race-{round_}"
        barrier = threading.Barrier(8)
        won: list[str] = []

        def contend(holder: str, name: str = name, barrier: threading.Barrier = barrier,
                    won: list[str] = won) -> None:
            barrier.wait()
            if leases.claim(db, name, holder, 30):
                won.append(holder)

        threads = [threading.Thread(target=contend, args=(f"h{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1, won
        assert leases.holder_of(db, name) == won[0]
