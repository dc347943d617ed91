"""Who may hear about a drill: its participants, nobody else (no customer, no broadcast list,
no webhook). Registered with the notice queue (`portal.notices.audience`) on import, so every
notice about an escalation asks it."""

from __future__ import annotations

from sqlalchemy import select

from portal.drills.models import Drill, DrillParticipant
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.notices.audience import close_circle

OPENING = "drills.opening_for"  # session.info: the participants of the drill being opened


def drill_audience(escalation_id: int | None) -> frozenset[int] | None:
    """None for a real escalation (or none at all); for a drill, the ids of its participants.
    The escalation is usually in the session already, so a real one costs no statement."""
    if escalation_id is None:
        return None
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None or not escalation.is_drill:
        return None
    participants = frozenset(db.session.scalars(
        select(DrillParticipant.user_id).join(Drill, Drill.id == DrillParticipant.drill_id)
        .where(Drill.escalation_id == escalation_id)))
    # While `start_drill` opens the escalation its drill row does not exist yet; what the
    # opening tells (senior routing mails the escalation managers) goes to those starting it.
    return participants or db.session.info.get(OPENING, frozenset())


def drill_audiences(escalation_ids) -> dict[int, frozenset[int]]:
    """For bulk queueing: of these escalations, the drills and their participants' ids, in
    one statement (none at all when no id is given)."""
    ids = {i for i in escalation_ids if i is not None}
    if not ids:
        return {}
    audiences: dict[int, set[int]] = {}
    for escalation_id, user_id in db.session.execute(
            select(Escalation.id, DrillParticipant.user_id)
            .outerjoin(Drill, Drill.escalation_id == Escalation.id)
            .outerjoin(DrillParticipant, DrillParticipant.drill_id == Drill.id)
            .where(Escalation.id.in_(ids), Escalation.is_drill.is_(True))):
        audiences.setdefault(escalation_id, set())
        if user_id is not None:
            audiences[escalation_id].add(user_id)
    return {key: frozenset(value) for key, value in audiences.items()}


close_circle(drill_audience, drill_audiences)
