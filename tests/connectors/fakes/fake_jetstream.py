"""A local Jetstream: a `websockets.serve` server replaying commit events from a cursor."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection


def post_event(
    did: str,
    time_us: int,
    text: str,
    *,
    rkey: str | None = None,
    operation: str = "create",
    collection: str = "app.bsky.feed.post",
    reply: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented Jetstream commit event shape."""
    record: dict[str, Any] = {
        "$type": collection,
        "createdAt": "2026-11-23T09:00:00.000Z",
        "langs": ["es"],
        "text": text,
    }
    if reply:
        record["reply"] = reply
    commit: dict[str, Any] = {
        "rev": f"rev{time_us}",
        "operation": operation,
        "collection": collection,
        "rkey": rkey or f"3k{time_us}",
    }
    if operation != "delete":
        commit.update(record=record, cid=f"bafy{time_us}")
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


@dataclass
class FakeJetstream:
    events: list[str] = field(default_factory=list)
    close_after: int | None = None  # drop the first connection after this many events
    connections: list[dict[str, list[str]]] = field(default_factory=list)

    async def handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        self.connections.append(query)
        cursor = int(query.get("cursor", ["0"])[0])
        sent = 0
        for raw in self.events:
            if int(json.loads(raw)["time_us"]) < cursor:
                continue
            await ws.send(raw)
            sent += 1
            if self.close_after is not None and len(self.connections) == 1 and sent >= self.close_after:
                return
        await ws.wait_closed()
