"""Who may hear about a drill: its participants, nobody else (no customer, no broadcast list,
no webhook). The notice queue asks this for every notice about an escalation."""

from __future__ import annotations

from sqlalchemy import select

from portal.drills.models import Drill, DrillParticipant
from portal.escalations.models import Escalation
from portal.extensions import db


def drill_audience(escalation_id: int | None) -> frozenset[int] | None:
    """None for a real escalation (or none at all); for a drill, the ids of its participants.
    The escalation is usually in the session already, so a real one costs no statement."""
    if escalation_id is None:
        return None
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None or not escalation.is_drill:
        return None
    return frozenset(db.session.scalars(
        select(DrillParticipant.user_id).join(Drill, Drill.id == DrillParticipant.drill_id)
        .where(Drill.escalation_id == escalation_id)))
