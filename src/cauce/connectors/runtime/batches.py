"""`mentions.ingest_batch`: a batch a channel delivered (a webhook's body) ingested later by a worker.

In multi-node mode a web node verifies the webhook's signature, turns its body into this task's
payload and enqueues it, then answers the sender at once; a worker ingests it. Redelivery after a
crash is harmless: ingest skips mentions it already stored (same network id).
"""

from __future__ import annotations

from typing import Any

from cauce.audit.service import Actor
from cauce.connectors.runtime.polling import PollResult, ingest_items
from cauce.db import Database, utcnow
from cauce.jobspec import JobContext, Task
from cauce.mentions.schemas import MentionIn
from cauce.vocabulary import JobRole

TASK = "mentions.ingest_batch"


def payload(items: list[MentionIn], *, channel_id: int, brand_slug: str, organisation_id: int,
            actor: str) -> dict[str, Any]:
    return {"channel_id": channel_id, "brand_slug": brand_slug, "organisation_id": organisation_id,
            "actor": actor, "items": [m.model_dump(mode="json") for m in items]}


def ingest_batch(db: Database, data: dict[str, Any]) -> PollResult:
    items = [MentionIn.model_validate(item) for item in data["items"]]
    result = PollResult(int(data["channel_id"]))
    with db.session() as session:
        ingest_items(session, items, channel_id=result.channel_id, brand_slug=str(data["brand_slug"]),
                     actor=Actor.connector(str(data["actor"])), now=utcnow(), into=result)
    return result


def order_key(data: dict[str, Any]) -> str:
    """One organisation's batches never run at the same time: threads and cases stay in order."""
    return f"org:{int(data['organisation_id'])}"


def _run(ctx: JobContext, data: dict[str, Any]) -> object:
    return ingest_batch(ctx.db, data).as_dict()


INGEST_BATCH = Task(name=TASK, role=JobRole.stream, run=_run, order_key=order_key)
