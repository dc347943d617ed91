"""Pages: an SLA alert (at risk or breached, per clock) sent to whoever is on call for the
escalation's team, repeated until someone acknowledges it.

One row per alert and person: the alert is (escalation, clock, reason, due instant), so a
clock re-armed with a new due instant pages again, while the same instant never pages twice.
When the shift changes before anyone acknowledges, the row of the person who went off call
ends ("handed over") and a row for the new person begins; acknowledging any row of an alert
acknowledges them all. `night` and `weekend` are decided in the team's zone at `paged_at`
(the on-call load figures count them).

Vendor staff data about a customer's escalation: tenant-scoped like the SLA breaches, never
shown to customers.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.extensions import db
from portal.oncall.models import Team
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime

NIGHT_FROM, NIGHT_UNTIL = time(22), time(7)  # local time in the team's zone


class PageReason(StrEnum):
    AT_RISK = "at_risk"
    BREACH = "breach"

    @property
    def label(self) -> str:
        return {"at_risk": "At risk", "breach": "Breached"}[self.value]


class PageEnd(StrEnum):
    """Why a page stopped repeating without being acknowledged."""

    HANDED_OVER = "handed over"  # the shift changed: the next person is paged instead
    CLOCK_STOPPED = "clock stopped"  # acknowledged, paused, resolved, or its due time moved
    BREACHED = "breached"  # an at-risk page whose clock then breached (the breach pages)


def is_night(at: datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone).time()
    return local >= NIGHT_FROM or local < NIGHT_UNTIL


def is_weekend(at: datetime, zone: ZoneInfo) -> bool:
    return at.astimezone(zone).weekday() >= 5


class OncallPage(TenantScoped, db.Model):
    __tablename__ = "oncall_pages"
    __table_args__ = (
        sa.UniqueConstraint("escalation_id", "clock", "reason", "due_at", "user_id",
                            name="uq_oncall_pages_alert_person"),
        sa.Index("ix_oncall_pages_next_page_at", "next_page_at"),
        sa.Index("ix_oncall_pages_user_paged", "user_id", "paged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("oncall_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(16))  # PageReason
    clock: Mapped[str] = mapped_column(sa.String(16))  # acknowledge | resolve
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_paged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The next repeat's instant; NULL once acknowledged or ended.
    next_page_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repeats: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    night: Mapped[bool] = mapped_column(default=False)
    weekend: Mapped[bool] = mapped_column(default=False)

    team: Mapped[Team] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    escalation = relationship("Escalation")

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.ended_at is None

    @property
    def reason_label(self) -> str:
        return PageReason(self.reason).label

    @property
    def clock_label(self) -> str:
        return {"acknowledge": "acknowledgement", "resolve": "resolution"}[self.clock]

    @property
    def times_paged(self) -> int:
        return 1 + self.repeats
