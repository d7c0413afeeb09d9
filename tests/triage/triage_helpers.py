"""Builders shared by the triage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cauce.mentions.schemas import MentionIn
from cauce.triage.schemas import History, PriorMessage

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def mention(text: str, *, id: str = "m1", followers: int = 10, handle: str = "cliente1", **extra: Any) -> MentionIn:
    data: dict[str, Any] = {"id": id, "created_at": T0.isoformat(), "channel": "x", "brand": "Telco",
                            "author": {"handle": handle, "followers": followers}, "text": text, **extra}
    return MentionIn.model_validate(data)


def history(*texts: str, answered: bool = False, reply_to_other: bool = False, **kwargs: Any) -> History:
    prior = tuple(
        PriorMessage(text=t, created_at=T0 - timedelta(hours=len(texts) - i), answered=answered,
                     external_id=f"p{i}", reply_to_other=reply_to_other)
        for i, t in enumerate(texts)
    )
    return History(prior_messages=prior, **kwargs)
