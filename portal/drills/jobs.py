"""The scheduler's drill sweep: inject what fell due, end the drills whose escalation was
resolved. Each injection commits on its own, so a second scheduler started by mistake waits
on the row it wants and then finds it taken (`operations.inject`)."""

from __future__ import annotations

from datetime import datetime

from portal.clock import now
from portal.drills.operations import due_injections, end_drill, inject, running_drills_resolved
from portal.extensions import db


def run_drills(at: datetime | None = None) -> int:
    """Inject every due scripted event once and end resolved drills; returns how many events
    this run injected."""
    at = at or now()
    injected = 0
    for injection_id in db.session.scalars(due_injections(at)).all():
        try:
            injected += inject(injection_id, at=at)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    for drill in db.session.scalars(running_drills_resolved()).all():
        end_drill(drill, actor=None, reason="resolved")
        db.session.commit()
    return injected
