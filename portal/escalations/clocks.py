"""Feed an escalation's stored history to the one pure SLA function (`sla.compute_clocks`)."""

from __future__ import annotations

from datetime import datetime

from portal.clock import now
from portal.escalations import sla
from portal.escalations.models import Escalation
from portal.escalations.queries import latest_customer_update_at
from portal.extensions import db


def calendar_for(escalation: Escalation) -> sla.Calendar:
    org = escalation.organization
    policy = org.sla_policy
    return sla.Calendar.from_policy(org.timezone, policy.business_hours, policy.holidays or ())


def targets_for(escalation: Escalation) -> sla.Targets:
    target = escalation.organization.sla_policy.target_for(escalation.severity)
    return sla.Targets(
        acknowledge_minutes=target.acknowledge_minutes,
        update_minutes=target.update_minutes,
        resolve_minutes=target.resolve_minutes,
    )


def clocks_for(escalation: Escalation, *, at: datetime | None = None) -> sla.SlaClocks:
    """The escalation's acknowledge, resolve and next-update clocks at `at` (default now)."""
    last = db.session.execute(latest_customer_update_at(escalation.id)).first()
    return sla.compute_clocks(
        calendar=calendar_for(escalation),
        targets=targets_for(escalation),
        opened_at=escalation.opened_at,
        status_history=[
            sla.StatusChange(at=change.at, status=change.to_status.value)
            for change in escalation.status_history
        ],
        acknowledged_at=escalation.acknowledged_at,
        resolved_at=escalation.resolved_at,
        last_customer_update_at=last.created_at if last else None,
        next_update_by=last.next_update_by if last else None,
        now=at or now(),
    )
