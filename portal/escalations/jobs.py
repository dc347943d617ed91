"""Scheduled work on escalations (listed in `portal.scheduler`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.audit import AuditEvent
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation
from portal.escalations.queries import open_escalations
from portal.extensions import db

BREACH_ACTION = "sla.breached"


def record_sla_breaches() -> int:
    """Write one `sla.breached` audit event per escalation and clock the first time it breaches.

    Returns how many new breaches were recorded. Runs unscoped (a job).
    """
    escalations = db.session.scalars(
        open_escalations().options(selectinload(Escalation.status_history))
    ).all()
    already = {
        (event.object_id, event.detail.get("clock"))
        for event in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == BREACH_ACTION, AuditEvent.object_type == "Escalation",
                AuditEvent.object_id.in_([e.id for e in escalations]))
        )
    }
    recorded = 0
    for escalation in escalations:
        clocks = clocks_for(escalation)
        for name, clock in (("acknowledge", clocks.acknowledge), ("resolve", clocks.resolve)):
            if clock.state in ("breached", "missed") and (escalation.id, name) not in already:
                audit.record(BREACH_ACTION, actor=None, obj=escalation, clock=name,
                             due_at=clock.due_at.isoformat() if clock.due_at else None)
                recorded += 1
    return recorded
