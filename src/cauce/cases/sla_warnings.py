"""SLA warnings for assignees: each running clock of an assigned case that enters its warning zone
(by default 80 % of the target used: the brand's `escalate_at_fraction_left`) notifies the assignee once
per clock and due time (the notification's event key makes a second pass a no-op)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cauce.brands.models import Brand
from cauce.cases import sla
from cauce.cases.models import Case
from cauce.db import utcnow
from cauce.notifications import service as notifications


@dataclass(frozen=True)
class SlaNotices:
    checked: int
    notified: int

    def as_dict(self) -> dict[str, int]:
        return {"checked": self.checked, "notified": self.notified}


def warn_assignees(session: Session, *, now: datetime | None = None, batch: int = 1000) -> SlaNotices:
    """Tell each assignee when a running SLA clock of their case enters its warning zone (by default
    80 % of the target used: the brand's `escalate_at_fraction_left`), once per clock and due time."""
    now = now or utcnow()
    checked = notified = 0
    last_id = 0
    fractions: dict[int, float] = {}
    while True:
        rows = list(session.scalars(select(Case).where(Case.is_open.is_(True), Case.assigned_user_id.is_not(None),
                                                       Case.id > last_id).order_by(Case.id).limit(batch)))
        if not rows:
            break
        last_id = rows[-1].id
        for case in rows:
            checked += 1
            if case.brand_id not in fractions:
                brand = session.get(Brand, case.brand_id)
                assert brand is not None
                fractions[case.brand_id] = sla.policy_and_calendar(brand)[0].escalate_at_fraction_left
            for clock in sla.clocks(case, now=now, warn_fraction=fractions[case.brand_id]):
                if clock.done_at is not None or clock.state != "warning":
                    continue
                assert case.assigned_user_id is not None
                made = notifications.notify(session, kind="sla_warning", brand_id=case.brand_id, case_id=case.id,
                              key=f"sla_warning:{case.id}:{clock.name}:{clock.due.isoformat()}",
                              user_ids=[case.assigned_user_id], link=f"/cases/{case.id}",
                              title=f"Por vencer: {clock.label} del caso #{case.id}",
                              body=f"Caso #{case.id} · {case.title}. Vence {clock.due:%Y-%m-%d %H:%M} UTC.")
                notified += len(made)
    return SlaNotices(checked, notified)
