"""Gap-free polling of newest-first APIs (Bluesky notifications and search, X timelines).

A *sweep* walks back from the newest item, one page per fetch, until it reaches what was already
seen. The state is persisted after every page, so a restart resumes in the middle of a sweep:
no item is skipped (the page token is kept) and none is repeated (the `seen` mark only moves
when the sweep is complete, to the newest item the sweep started from).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Keyed(Generic[T]):
    key: str  # sortable: canonical ISO timestamp, or a zero-padded numeric id
    id: str
    item: T


@dataclass
class SweepStep(Generic[T]):
    new: list[T]
    state: dict[str, Any]
    more: bool


def advance(state: Mapping[str, Any] | None, page: Sequence[Keyed[T]], next_token: str | None) -> SweepStep[T]:
    state = dict(state or {})
    seen: str | None = state.get("seen")
    seen_ids = set(state.get("seen_ids") or [])
    new = [k for k in page if seen is None or k.key > seen or (k.key == seen and k.id not in seen_ids)]
    in_sweep = bool(state.get("token"))
    if not in_sweep and page:
        top = max(k.key for k in page)
        state["target"] = top
        state["target_ids"] = sorted({k.id for k in page if k.key == top})
    reached_seen = seen is not None and len(new) < len(page)
    # The very first sweep (nothing seen yet) takes one page: history is not back-filled.
    done = reached_seen or not next_token or seen is None or not page
    if done:
        if state.get("target") is not None:
            if seen is None or state["target"] > seen:
                state["seen"], state["seen_ids"] = state["target"], state["target_ids"]
            elif state["target"] == seen:
                state["seen_ids"] = sorted(seen_ids | set(state["target_ids"]))
        for name in ("token", "target", "target_ids"):
            state.pop(name, None)
    else:
        state["token"] = next_token
    return SweepStep([k.item for k in new], state, not done)
