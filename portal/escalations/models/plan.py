"""Dated promises and the way back to normal: milestones, remediation steps, exit criteria."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Party, StepStatus, Visibility, db_enum
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime


class Milestone(TenantScoped, db.Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the rule sweeps
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visibility: Mapped[Visibility] = mapped_column(
        db_enum(Visibility, "visibility"), default=Visibility.CUSTOMER
    )
    position: Mapped[int] = mapped_column(default=0)

    def state(self, at: datetime | None = None) -> str:
        """Done, late or upcoming at the given instant (default: now)."""
        if self.completed_at is not None:
            return "done"
        return "late" if self.due_at <= (at or now()) else "upcoming"


# An escalation's open milestones in due order: the customer dashboard's next milestone per row
# (portal.escalations.dashboard_page) is the first customer-visible entry (migration 0039),
# read from the index alone on PostgreSQL (what it shows and filters on, included: 0040).
sa.Index("ix_milestones_open_escalation_due", Milestone.escalation_id, Milestone.due_at,
         Milestone.id, sqlite_where=sa.text("completed_at IS NULL"),
         postgresql_where=sa.text("completed_at IS NULL"),
         postgresql_include=["title", "visibility", "organization_id"])


class RemediationStep(TenantScoped, db.Model):
    __tablename__ = "remediation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    owner_party: Mapped[Party] = mapped_column(db_enum(Party, "party"), default=Party.VENDOR)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[StepStatus] = mapped_column(
        db_enum(StepStatus, "step_status"), default=StepStatus.PLANNED
    )
    validation_test: Mapped[str] = mapped_column(sa.Text, default="")
    success_metric: Mapped[str] = mapped_column(sa.Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        db_enum(Visibility, "visibility"), default=Visibility.CUSTOMER
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_note: Mapped[str] = mapped_column(sa.Text, default="")
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])


class ExitCriterion(TenantScoped, db.Model):
    """One condition of "back to normal"."""

    __tablename__ = "exit_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visibility: Mapped[Visibility] = mapped_column(
        db_enum(Visibility, "visibility"), default=Visibility.CUSTOMER
    )
