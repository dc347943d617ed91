"""Feed an escalation's stored history to the one pure SLA function (`sla.compute_clocks`).

`clocks_for` loads what it needs for one escalation. Pages that show many escalations batch
their reads (see `portal.escalations.dashboard`) and call `compute_for` with preloaded data,
so both paths compute clocks the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from portal.accounts.models import Organization, SlaPolicy
from portal.clock import now
from portal.escalations import sla
from portal.escalations.models import Escalation
from portal.escalations.queries import latest_customer_update_at
from portal.extensions import db


def calendar_of(organization: Organization) -> sla.Calendar:
    """The organization's SLA calendar: its plan's hours in its timezone."""
    policy = organization.sla_policy
    return sla.Calendar.from_policy(
        organization.timezone, policy.business_hours, policy.holidays or ()
    )


def targets_of(policy: SlaPolicy, severity: int) -> sla.Targets:
    target = policy.target_for(severity)
    return sla.Targets(
        acknowledge_minutes=target.acknowledge_minutes,
        update_minutes=target.update_minutes,
        resolve_minutes=target.resolve_minutes,
    )


def calendar_for(escalation: Escalation) -> sla.Calendar:
    return calendar_of(escalation.organization)


def targets_for(escalation: Escalation) -> sla.Targets:
    return targets_of(escalation.organization.sla_policy, escalation.severity)


def compute_for(
    escalation: Escalation,
    *,
    calendar: sla.Calendar,
    targets: sla.Targets,
    history: Iterable[sla.StatusChange],
    last_update_at: datetime | None,
    next_update_by: datetime | None,
    at: datetime,
) -> sla.SlaClocks:
    """The clocks of one escalation from preloaded data: its calendar and targets, its status
    history, and the time and "next update by" of the newest customer-visible vendor update."""
    return sla.compute_clocks(
        calendar=calendar,
        targets=targets,
        opened_at=escalation.opened_at,
        status_history=list(history),
        acknowledged_at=escalation.acknowledged_at,
        resolved_at=escalation.resolved_at,
        last_customer_update_at=last_update_at,
        next_update_by=next_update_by,
        now=at,
    )


def clocks_for(escalation: Escalation, *, at: datetime | None = None) -> sla.SlaClocks:
    """The escalation's acknowledge, resolve and next-update clocks at `at` (default now)."""
    last = db.session.execute(latest_customer_update_at(escalation.id)).first()
    return compute_for(
        escalation,
        calendar=calendar_for(escalation),
        targets=targets_for(escalation),
        history=(
            sla.StatusChange(at=change.at, status=change.to_status.value)
            for change in escalation.status_history
        ),
        last_update_at=last.created_at if last else None,
        next_update_by=last.next_update_by if last else None,
        at=at or now(),
    )
