"""Triage: the routing rules that pick a team for a new escalation, and one row per routed
escalation following its acknowledgement ladder (the person on call, the next person in the
rotation, the team's manager).

Rules are vendor-wide staff data (not tenant-scoped); a triage row belongs to its escalation's
organization like every escalation row, and is read by staff and the job only.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import Trigger, db_enum
from portal.escalations.models import Escalation, Handoff
from portal.extensions import db
from portal.oncall.models import Team
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime


class RoutingRule(db.Model):
    """Escalations matching every condition set here go to `team`; the first rule in
    `position` order that matches wins. An empty condition matches anything."""

    __tablename__ = "oncall_routing_rules"
    __table_args__ = (sa.CheckConstraint("max_severity BETWEEN 1 AND 4",
                                         name="max_severity_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    product_area: Mapped[str] = mapped_column(sa.String(80), default="")
    category: Mapped[str] = mapped_column(sa.String(80), default="")
    max_severity: Mapped[int | None]  # 2: "Sev 2 or worse" (Sev 1 and Sev 2)
    trigger: Mapped[Trigger | None] = mapped_column(db_enum(Trigger, "routing_trigger"))
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("oncall_teams.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    team: Mapped[Team] = relationship()
    organization: Mapped[Organization | None] = relationship()


class EndedBecause:
    """Why a ladder stopped without an acknowledgement (`TriageAssignment.ended_because`)."""

    NOBODY = "nobody"  # nobody on call and no manager: nobody was assigned
    LADDER_DONE = "ladder_done"  # the last step (the manager, or the last person) lapsed too
    OVERTAKEN = "overtaken"  # someone took the escalation by hand, or it closed, first


class TriageAssignment(TenantScoped, db.Model):
    """One routed escalation: the rule and team it went to, and its current step. Step 0 is
    the person on call, step 1 the next person in the rotation, then the team's manager
    (`to_manager`), where the ladder ends. `handoff_id` is the current step's handoff, whose
    acknowledgement the row's `acknowledged_at` follows."""

    __tablename__ = "oncall_triage"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), unique=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("oncall_teams.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("oncall_routing_rules.id", ondelete="SET NULL"))
    rule_number: Mapped[int]  # the rule's place in the list when it routed (1 = the first)
    step: Mapped[int] = mapped_column(default=0)
    to_manager: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    handoff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("handoffs.id", ondelete="SET NULL"))
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the current step lapses unacknowledged (assigned_at + the team's minutes).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_because: Mapped[str] = mapped_column(sa.String(40), default="")

    escalation: Mapped[Escalation] = relationship()
    team: Mapped[Team] = relationship()
    rule: Mapped[RoutingRule | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    handoff: Mapped[Handoff | None] = relationship()
