"""An escalation: a customer issue lifted out of normal support, and its status history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import ReputationalRisk, Status, Tier, Trigger, db_enum
from portal.extensions import db
from portal.inputs import MAX_ID, bounded_int, is_storable_id
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime

#: The open statuses as SQL (the partial indexes' predicate, migrations 0036 and 0037).
OPEN_PREDICATE = "status IN ('new', 'acknowledged', 'investigating', 'waiting_on_customer', " \
    "'contained')"

REFERENCE_PREFIX = "ESC-"
REFERENCE_OFFSET = 1000  # ESC-1001 is the first escalation ever opened


class Escalation(TenantScoped, db.Model):
    __tablename__ = "escalations"
    __table_args__ = (
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        sa.CheckConstraint("priority_score BETWEEN 0 AND 100", name="priority_range"),
        sa.Index("ix_escalations_org_status", "organization_id", "status"),
        # The staff queue's sorts (portal/escalations/queue.py).
        sa.Index("ix_escalations_queue_priority", "priority_score", "opened_at"),
        # Covers the queue's unfiltered counts (per product area and quick view).
        sa.Index("ix_escalations_queue_views", "status", "product_area", "owner_id",
                 "communicator_id", "next_update_due_at", "id"),
        # Only the open escalations (a few percent of them all), for the queue's default
        # page and counts: its priority order read straight from the index, and the counts
        # per product area and quick view from an index-only scan in area order. The queue
        # names the open statuses as literals (portal.escalations.queue.OPEN), so the planner
        # sees these predicates hold, in a generic plan too.
        # (ix_escalations_open_priority, in priority order, is declared below the class.)
        sa.Index("ix_escalations_open_views", "product_area", "owner_id", "communicator_id",
                 "next_update_due_at", "id", sqlite_where=sa.text(OPEN_PREDICATE),
                 postgresql_where=sa.text(OPEN_PREDICATE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    customer_impact: Mapped[str] = mapped_column(sa.Text, default="")
    severity: Mapped[int] = mapped_column(sa.SmallInteger)
    status: Mapped[Status] = mapped_column(db_enum(Status, "status"), default=Status.NEW)
    tier: Mapped[Tier] = mapped_column(db_enum(Tier, "tier"), default=Tier.L1)
    trigger: Mapped[Trigger] = mapped_column(db_enum(Trigger, "trigger"))
    product_area: Mapped[str] = mapped_column(sa.String(80), default="")
    category: Mapped[str] = mapped_column(sa.String(80), default="")
    source_ticket: Mapped[str] = mapped_column(sa.String(80), default="")

    # Inputs of the composite priority score besides severity, segment and revenue.
    users_affected: Mapped[int] = mapped_column(default=0)
    core_operations_blocked: Mapped[bool] = mapped_column(default=False)
    reputational_risk: Mapped[ReputationalRisk] = mapped_column(
        db_enum(ReputationalRisk, "reputational_risk"), default=ReputationalRisk.LOW
    )
    priority_score: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    priority_breakdown: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    communicator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution_summary: Mapped[str] = mapped_column(sa.Text, default="")
    # A rehearsal (portal.drills): staff only, never shown, sent or counted for customers.
    is_drill: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)

    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Indexed: the queue's change stamp, and the rule sweeps re-examine rows changed since
    # their last run.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now,
                                                 index=True)
    # Moves whenever something a customer can see changes (never for internal-only changes):
    # the customer dashboard's ETag and its "this row changed" highlight are built from it.
    customer_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The newest customer-visible update from the vendor (a customer's comment does not
    # count): the staff queue shows and sorts by the time since; NULL until the first one.
    last_customer_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When each SLA clock next matters; NULL while paused or stopped. Kept exact by
    # portal.escalations.due.refresh_due_instants, read by the queue and the sweeps.
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ack_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolve_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    organization: Mapped[Organization] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    communicator: Mapped[User | None] = relationship(foreign_keys=[communicator_id])
    status_history: Mapped[list[StatusChange]] = relationship(
        # Ties (two moves in the same instant) in the order they were made.
        back_populates="escalation", order_by="(StatusChange.at, StatusChange.id)",
        cascade="all, delete-orphan"
    )
    severity_history: Mapped[list[SeverityChange]] = relationship(
        back_populates="escalation", order_by="(SeverityChange.changed_at, SeverityChange.id)",
        cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return self.reference_of(self.id)

    @staticmethod
    def reference_of(escalation_id: int) -> str:
        """42 → `ESC-1042` (for callers holding the id, not the row)."""
        return f"{REFERENCE_PREFIX}{escalation_id + REFERENCE_OFFSET}"

    @staticmethod
    def id_from_reference(reference: str) -> int | None:
        """`ESC-1042` → 42; None for anything that is not a reference or no id could hold."""
        prefix, _, digits = reference.upper().partition("-")
        if f"{prefix}-" != REFERENCE_PREFIX:
            return None
        number = bounded_int(digits, high=MAX_ID + REFERENCE_OFFSET)
        if number is None or digits.strip() != digits:
            return None
        number -= REFERENCE_OFFSET
        return number if is_storable_id(number) else None

    @property
    def is_open(self) -> bool:
        return self.status.is_open


# The queue's default order over the open escalations (see __table_args__ above).
sa.Index("ix_escalations_open_priority", Escalation.priority_score.desc(), Escalation.opened_at,
         Escalation.id, sqlite_where=sa.text(OPEN_PREDICATE),
         postgresql_where=sa.text(OPEN_PREDICATE))
# The customer dashboard's default order over one organization's open escalations
# (portal.escalations.dashboard_page): a page is the index's next 25 entries, not a sort of
# every open escalation of the organization.
sa.Index("ix_escalations_open_dashboard", Escalation.organization_id, Escalation.severity,
         Escalation.priority_score.desc(), Escalation.opened_at, Escalation.id,
         sqlite_where=sa.text(OPEN_PREDICATE), postgresql_where=sa.text(OPEN_PREDICATE))


class StatusChange(TenantScoped, db.Model):
    """One entry of the status history; the SLA clocks are computed from these."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE")
    )
    from_status: Mapped[Status | None] = mapped_column(db_enum(Status, "from_status"))
    to_status: Mapped[Status] = mapped_column(db_enum(Status, "to_status"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    escalation: Mapped[Escalation] = relationship(back_populates="status_history")
    actor: Mapped[User | None] = relationship()


# An escalation's status history (the SLA clocks' input), read from the index alone on
# PostgreSQL for the customer dashboard's rows (portal.escalations.dashboard_page; 0040).
sa.Index("ix_status_changes_escalation_id", StatusChange.escalation_id,
         postgresql_include=["at", "to_status", "id", "organization_id"])

#: The statuses the SLA clocks do not count (portal.escalations.sla.NOT_COUNTING) as SQL: the
#: partial index's predicate (migration 0041).
NOT_COUNTING_PREDICATE = "to_status IN ('closed', 'resolved', 'waiting_on_customer')"
# The entries that pause a clock, per escalation: the customer dashboard reads a row's status
# history only when this index has an entry for it (portal.escalations.dashboard_page; 0041).
sa.Index("ix_status_changes_not_counting_escalation", StatusChange.escalation_id,
         postgresql_include=["organization_id"],
         sqlite_where=sa.text(NOT_COUNTING_PREDICATE),
         postgresql_where=sa.text(NOT_COUNTING_PREDICATE))


class SeverityChange(TenantScoped, db.Model):
    """The severity in force from `changed_at` on (the first row: from `opened_at`). Clocks
    "as of T" take their targets from the severity in force at T (portal.escalations.clocks)."""

    __tablename__ = "severity_changes"
    __table_args__ = (
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="severity_change_range"),
        sa.Index("ix_severity_changes_escalation_changed", "escalation_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"))
    severity: Mapped[int] = mapped_column(sa.SmallInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    escalation: Mapped[Escalation] = relationship(back_populates="severity_history")
    actor: Mapped[User | None] = relationship()
