"""Feed an escalation's stored history to the one pure SLA function (`sla.compute_clocks`).

`clocks_as_of` loads what it needs for one escalation as it stood at an instant: the severity
in force then, the updates that counted by then (`portal.escalations.promises`), the status
history up to then (so a period that was resolved at T reads met or missed even if it was
reopened later). `flask sla show --at`, the due instants and any history view call it. Pages
that show many escalations now batch their reads (see `portal.escalations.dashboard`) and call
`compute_for` with preloaded data, so both paths compute clocks the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select

from portal.accounts.models import Organization, SlaPolicy
from portal.clock import now
from portal.enums import OPEN_STATUSES
from portal.escalations import sla
from portal.escalations.models import Escalation, StatusChange
from portal.escalations.promises import latest_update
from portal.extensions import db

#: Entering one of these after a resolution is a reopen: the resolution no longer stands.
OPEN_AGAIN = frozenset(status.value for status in OPEN_STATUSES)


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


def severity_at(escalation: Escalation, at: datetime) -> int:
    """The severity in force at `at`: the newest recorded change by then (the opening severity
    before the first), or the current severity for a row with no recorded history."""
    history = escalation.severity_history
    if not history:
        return escalation.severity
    severity = history[0].severity
    for change in history:
        if change.changed_at > at:
            break
        severity = change.severity
    return severity


def resolved_at_as_of(history: list[sla.StatusChange], at: datetime) -> datetime | None:
    """When the escalation was resolved, as it stood at `at`: the latest move to "resolved" by
    then, unless a reopen followed it by then (closing keeps the resolution time)."""
    resolved = None
    for change in history:
        if change.at > at:
            break
        if change.status == "resolved":
            resolved = change.at
        elif change.status in OPEN_AGAIN:
            resolved = None
    return resolved


def clocks_as_of(escalation: Escalation, at: datetime) -> sla.SlaClocks:
    """The escalation's clocks as they stood at `at`, using only what had happened by then."""
    history = [sla.StatusChange(at=change.at, status=change.to_status.value)
               for change in escalation.status_history]
    resolved = (resolved_at_as_of(history, at) if history else
                escalation.resolved_at if escalation.resolved_at and escalation.resolved_at <= at
                else None)
    last = db.session.execute(latest_update(escalation.id, at=at)).first()
    return sla.compute_clocks(
        calendar=calendar_for(escalation),
        targets=targets_of(escalation.organization.sla_policy, severity_at(escalation, at)),
        opened_at=escalation.opened_at,
        status_history=history,
        acknowledged_at=escalation.acknowledged_at,
        resolved_at=resolved,
        last_customer_update_at=last.created_at if last else None,
        next_update_by=last.next_update_by if last else None,
        now=at,
    )


def clocks_for(escalation: Escalation, *, at: datetime | None = None) -> sla.SlaClocks:
    """The escalation's acknowledge, resolve and next-update clocks at `at` (default now)."""
    return clocks_as_of(escalation, at or now())


def status_at(escalation: Escalation, at: datetime) -> str:
    """The status the escalation had at `at` (its opening status before any change)."""
    status = escalation.status.value
    for index, change in enumerate(escalation.status_history):
        if change.at > at:
            return status if index else change.to_status.value
        status = change.to_status.value
    return status


# Built once (a statement is immutable); the escalations are an expanding parameter.
_STATUS_HISTORIES = (
    select(StatusChange.escalation_id, StatusChange.at, StatusChange.to_status)
    .where(StatusChange.escalation_id.in_(bindparam("ids", expanding=True)))
    .order_by(StatusChange.escalation_id, StatusChange.at, StatusChange.id)
)


def status_histories(escalation_ids: Iterable[int]) -> dict[int, list[sla.StatusChange]]:
    """Status histories of many escalations in one IN query."""
    ids = list(escalation_ids)
    histories: dict[int, list[sla.StatusChange]] = defaultdict(list)
    if not ids:
        return histories
    rows = db.session.execute(_STATUS_HISTORIES, {"ids": ids}).all()
    for escalation_id, at, status in rows:
        histories[escalation_id].append(sla.StatusChange(at=at, status=status.value))
    return histories
