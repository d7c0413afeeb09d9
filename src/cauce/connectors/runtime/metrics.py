"""Metric refresh: re-read likes/reposts/replies of the mentions in open cases to measure velocity."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from cauce.brands import channels
from cauce.brands.models import ChannelAccount
from cauce.cases.models import Case
from cauce.connectors import construction
from cauce.connectors.base import ConnectorError
from cauce.connectors.runtime.polling import ConnectorProvider, default_provider
from cauce.db import Database, utcnow
from cauce.errors import CauceError
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention

log = logging.getLogger(__name__)

# Velocity matters while a post is young; older ones are not re-read.
MAX_AGE = timedelta(days=7)
BATCH = 50
MAX_PER_CHANNEL = 500


@dataclass
class MetricsRun:
    channels: int = 0
    read: int = 0
    snapshots: int = 0
    errors: int = 0


def _targets(db: Database, *, now: datetime) -> dict[int, list[tuple[int, str]]]:
    """channel id → [(mention id, external id)] of public mentions in open cases, newest first."""
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    with db.read_session() as session:
        healthy = {
            c.id: c
            for c in session.scalars(
                select(ChannelAccount).where(ChannelAccount.enabled.is_(True), ChannelAccount.healthy.is_(True))
            )
        }
        rows = session.execute(
            select(Mention.id, Mention.external_id, Mention.source)
            .join(Case, Case.id == Mention.case_id)
            .where(
                Case.is_open.is_(True),
                Mention.private.is_(False),
                Mention.created_at >= now - MAX_AGE,
                Mention.source.like("connector:%"),
            )
            .order_by(Mention.created_at.desc())
        ).all()
    for mention_id, external_id, source in rows:
        tail = source.split(":", 1)[1]
        if tail.isdigit() and int(tail) in healthy and len(out[int(tail)]) < MAX_PER_CHANNEL:
            out[int(tail)].append((mention_id, external_id))
    return out


def refresh_open_metrics(
    db: Database, *, now: datetime | None = None, provider: ConnectorProvider | None = None
) -> MetricsRun:
    now = now or utcnow()
    run = MetricsRun()
    for channel_id, items in _targets(db, now=now).items():
        run.channels += 1
        try:
            with db.read_session() as session:
                channel = channels.get_channel(session, channel_id)
                kind, config = channel.kind, construction.connector_config(session, channel)
            with (provider or default_provider)(channel_id, kind, config) as connector:
                for start in range(0, len(items), BATCH):
                    chunk = items[start : start + BATCH]
                    readings = connector.refresh_metrics([external for _, external in chunk])
                    run.read += len(readings)
                    with db.session() as session:
                        for mention_id, external in chunk:
                            if external in readings and mentions.add_metric_snapshot(
                                session, mention_id, readings[external], observed_at=now
                            ):
                                run.snapshots += 1
        except (ConnectorError, CauceError) as exc:
            # Polling reports channel health; a failed refresh just waits for the next round.
            log.warning("metric refresh of channel %s failed: %s", channel_id, exc)
            run.errors += 1
    return run
