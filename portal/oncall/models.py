"""Teams with a rotation (members in order, a handoff time and weekday, daily or weekly, in
the team's time zone) and overrides for a date range (holidays, swaps) with a reason.

Vendor-wide staff data: not tenant-scoped, and never shown to customers.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.enums import db_enum
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class RotationLength(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return {"daily": "Daily", "weekly": "Weekly"}[self.value]

    @property
    def days(self) -> int:
        return 1 if self is RotationLength.DAILY else 7


class Team(db.Model):
    """An on-call team. `product_area` routes escalations to it ("" for every area no other
    team names)."""

    __tablename__ = "oncall_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    product_area: Mapped[str] = mapped_column(sa.String(80), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    rotation_length: Mapped[RotationLength] = mapped_column(
        db_enum(RotationLength, "rotation_length"), default=RotationLength.WEEKLY)
    handoff_time: Mapped[time] = mapped_column(sa.Time, default=time(9, 0))
    handoff_weekday: Mapped[int] = mapped_column(default=0)  # 0 = Monday (weekly rotations)
    starts_on: Mapped[date] = mapped_column(sa.Date)  # the first shift's handoff day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Triage (portal.oncall.triage): how long the person assigned has to acknowledge before
    # the escalation goes to the next person, and the manager at the end of that ladder.
    acknowledge_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    members: Mapped[list[TeamMember]] = relationship(
        order_by="TeamMember.position", cascade="all, delete-orphan")
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TeamMember(db.Model):
    __tablename__ = "oncall_team_members"
    __table_args__ = (sa.UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("oncall_teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    position: Mapped[int]

    user: Mapped[User] = relationship()


class RosterOverride(db.Model):
    """`user` covers the team from `starts_at` to `ends_at` instead of the rotation's person.
    Where overrides overlap, the one made last wins."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
                      sa.Index("ix_oncall_overrides_team_ends", "team_id", "ends_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("oncall_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
