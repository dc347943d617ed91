"""One row per SLA breach: a clock's due instant that passed. The row is the "once" of the
breach rules: a tier change happens once per breach, however often the sweep runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime


class SlaBreach(TenantScoped, db.Model):
    __tablename__ = "sla_breaches"
    __table_args__ = (
        sa.UniqueConstraint("escalation_id", "clock", "due_at", name="uq_sla_breaches_instant"),
        sa.Index("ix_sla_breaches_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    clock: Mapped[str] = mapped_column(sa.String(16))  # acknowledge | resolve
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # When the tier rules looked at it, and what they did ("none", "L1→L2", …).
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
