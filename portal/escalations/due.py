"""The instants each SLA clock next matters, stored on the escalation so the queue and the
scheduler's sweeps can select due work in SQL, whatever the number of open escalations.

`refresh_due_instants` recomputes them with the one pure function (`portal.escalations.sla`)
whenever an input changes: a status change (pause, resume, stop), a severity change, a
customer-visible update (the next-update commitment), a policy or calendar change. Between
inputs a running clock's instants do not move, so a stored instant stays exact. A paused or
stopped clock stores NULL: nothing is due until it runs again.
"""

from __future__ import annotations

from datetime import datetime

from portal.clock import now
from portal.escalations import sla
from portal.escalations.clocks import calendar_for, clocks_for
from portal.escalations.models import Escalation

AT_RISK_FRACTION = 0.75  # "at risk" from 75 % of the target used (DESIGN.md)

DUE_COLUMNS = ("ack_due_at", "ack_at_risk_at", "resolve_due_at", "resolve_at_risk_at",
               "next_update_due_at")


def _at_risk_at(calendar: sla.Calendar, clock: sla.Clock, at: datetime) -> datetime | None:
    if not clock.is_running or clock.due_at is None:
        return None
    left_before_risk = clock.target * AT_RISK_FRACTION - clock.elapsed
    if left_before_risk.total_seconds() <= 0:
        # Already at risk: the instant it became so is in the past; the sweep only needs
        # "at or before now", so the due instant's lower bound is exact enough.
        return min(at, clock.due_at)
    return sla.add_business_time(calendar, at, left_before_risk)


def refresh_due_instants(escalation: Escalation, *, at: datetime | None = None) -> None:
    """Recompute the stored due instants from the escalation's current inputs."""
    at = at or now()
    if not escalation.status.is_open:
        for column in DUE_COLUMNS:
            setattr(escalation, column, None)
        return
    clocks = clocks_for(escalation, at=at)
    calendar = calendar_for(escalation)
    for prefix, clock in (("ack", clocks.acknowledge), ("resolve", clocks.resolve)):
        running = clock.is_running
        setattr(escalation, f"{prefix}_due_at", clock.due_at if running else None)
        setattr(escalation, f"{prefix}_at_risk_at",
                _at_risk_at(calendar, clock, at) if running else None)
    escalation.next_update_due_at = clocks.next_update.due_at if clocks.next_update else None
