"""Scenarios (a scripted escalation and its timeline of injected events), the drills run from
them, their participants and the injections the scheduler makes at their minutes.

Vendor-wide staff data: not tenant-scoped (a scenario names the organization it plays out
for), and never shown to customers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import db_enum
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class InjectionKind(StrEnum):
    CUSTOMER_COMMENT = "customer_comment"
    MONITORING_ALERT = "monitoring_alert"
    SEVERITY_RAISED = "severity_raised"
    INTERNAL_NOTE = "internal_note"

    @property
    def label(self) -> str:
        return {"customer_comment": "Customer comment (e.g. asks for status)",
                "monitoring_alert": "Monitoring alert fires",
                "severity_raised": "Severity raised by customer",
                "internal_note": "Internal note"}[self.value]


class DrillScenario(db.Model):
    """A scripted escalation: what is opened, and what happens at which minute."""

    __tablename__ = "drill_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    severity: Mapped[int] = mapped_column(sa.SmallInteger)
    product_area: Mapped[str] = mapped_column(sa.String(80), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    customer_impact: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"minute": int, "kind": InjectionKind value, "text": str}, …] in minute order.
    script: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Archived: off the list of scenarios to start, kept with its past drills; restorable.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Drill(db.Model):
    """One run of a scenario: its real escalation (flagged `is_drill`), who takes part, and
    the scorecard figures stored when it ends (so past drills compare side by side)."""

    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("drill_scenarios.id", ondelete="SET NULL"), index=True)
    scenario_name: Mapped[str] = mapped_column(sa.String(120))  # as it was at the start
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), unique=True)
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(sa.String(40), default="")
    # The scorecard, in seconds from the opening (None: it never happened).
    ack_seconds: Mapped[int | None]
    assign_seconds: Mapped[int | None]
    first_update_seconds: Mapped[int | None]
    handoff_fields_filled: Mapped[int | None]
    handoff_fields_total: Mapped[int | None]
    promises_due: Mapped[int | None]
    promises_kept: Mapped[int | None]
    injections_total: Mapped[int | None]
    injections_handled: Mapped[int | None]

    escalation: Mapped[Escalation] = relationship()
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    participants: Mapped[list[DrillParticipant]] = relationship(
        back_populates="drill", cascade="all, delete-orphan", order_by="DrillParticipant.id")
    injections: Mapped[list[DrillInjection]] = relationship(
        back_populates="drill", cascade="all, delete-orphan",
        order_by="(DrillInjection.due_at, DrillInjection.position)")

    @property
    def is_running(self) -> bool:
        return self.ended_at is None


class DrillParticipant(db.Model):
    __tablename__ = "drill_participants"
    __table_args__ = (sa.UniqueConstraint("drill_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(sa.ForeignKey("drills.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)

    drill: Mapped[Drill] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()


class DrillInjection(db.Model):
    """One scripted event of one drill, due `minute` minutes after the start; `injected_at`
    is set exactly once, by whichever scheduler claims it first."""

    __tablename__ = "drill_injections"
    __table_args__ = (sa.Index("ix_drill_injections_pending", "injected_at", "due_at"),
                      sa.UniqueConstraint("drill_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(sa.ForeignKey("drills.id", ondelete="CASCADE"))
    position: Mapped[int]
    minute: Mapped[int]
    kind: Mapped[InjectionKind] = mapped_column(db_enum(InjectionKind, "injection_kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    injected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    update_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("updates.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the scorecard's

    drill: Mapped[Drill] = relationship(back_populates="injections")
