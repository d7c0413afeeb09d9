"""Who is looking at or replying to a case right now (per process, in memory, short TTL).

Claiming a case is durable (it assigns the case); presence is only a courtesy signal so two
agents do not answer the same person at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

TTL_SECONDS = 45.0


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    mode: str  # viewing | replying
    seen: float


class PresenceBoard:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._by_case: dict[int, dict[int, Presence]] = {}
        self._lock = threading.Lock()

    def touch(self, case_id: int, *, user_id: int, name: str, mode: str) -> None:
        now = time.monotonic()
        with self._lock:
            people = self._by_case.setdefault(case_id, {})
            previous = people.get(user_id)
            # Viewing must not downgrade a fresh "replying" (the composer's heartbeat keeps it).
            if mode == "viewing" and previous and previous.mode == "replying" and now - previous.seen < self.ttl:
                return
            people[user_id] = Presence(user_id, name, mode, now)

    def leave(self, case_id: int, *, user_id: int) -> None:
        with self._lock:
            self._by_case.get(case_id, {}).pop(user_id, None)

    def others(self, case_id: int, *, user_id: int) -> list[Presence]:
        now = time.monotonic()
        with self._lock:
            people = self._by_case.get(case_id, {})
            for uid in [u for u, p in people.items() if now - p.seen >= self.ttl]:
                del people[uid]
            return sorted((p for p in people.values() if p.user_id != user_id), key=lambda p: p.name)
