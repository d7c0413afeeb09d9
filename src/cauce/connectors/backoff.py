"""Exponential backoff with full jitter that never retries sooner than the server asked."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 900.0
    factor: float = 2.0

    def delay(
        self,
        attempt: int,
        *,
        retry_after_s: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number `attempt` (0-based).

        Full jitter spreads retries of many channels apart; a server's Retry-After is a floor
        (plus a little jitter so all waiting clients do not hit the reset second together).
        """
        if attempt < 0:
            raise ValueError("attempt must be >= 0")
        ceiling = min(self.cap_s, self.base_s * self.factor ** min(attempt, 64))
        wait = ceiling * rand()
        if retry_after_s is not None and retry_after_s > 0:
            wait = max(wait, retry_after_s + min(1.0, 0.1 * retry_after_s) * rand())
        return wait
