"""Job leases: which process holds a periodic job, a channel's poll or a stream, and until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cauce.db import Base, utcnow


class JobLease(Base):
    __tablename__ = "job_leases"

    # "periodic:cases.sla", "poll:channel:7", "stream:channel:9"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    # A crashed holder never releases: its lease simply expires and another process takes over.
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
