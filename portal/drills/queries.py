"""Reads of the drill pages: scenarios, running and past drills (with their scorecards side by
side), one drill's participants and injections."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.drills.models import Drill, DrillParticipant, DrillScenario
from portal.escalations.models import Escalation
from portal.extensions import db


def scenarios(*, archived: bool = False) -> Select:
    """The scenarios to start from (or, `archived`, those put away), by name."""
    kept = DrillScenario.archived_at.is_not(None) if archived \
        else DrillScenario.archived_at.is_(None)
    return (select(DrillScenario).where(kept)
            .options(selectinload(DrillScenario.organization))
            .order_by(DrillScenario.name))


def running_drills() -> Select:
    return (select(Drill).where(Drill.ended_at.is_(None))
            .options(selectinload(Drill.escalation), selectinload(Drill.started_by))
            .order_by(Drill.started_at.desc(), Drill.id.desc()))


def past_drills(*, scenario_id: int | None = None, limit: int = 100) -> Select:
    """Ended drills, newest first, with their stored scorecard figures (one row each)."""
    stmt = (select(Drill).where(Drill.ended_at.is_not(None))
            .options(selectinload(Drill.escalation))
            .order_by(Drill.ended_at.desc(), Drill.id.desc()).limit(limit))
    if scenario_id is not None:
        stmt = stmt.where(Drill.scenario_id == scenario_id)
    return stmt


def drill_page(drill_id: int) -> Drill | None:
    """A drill with everything its page shows, in a fixed number of statements."""
    return db.session.scalar(
        select(Drill).where(Drill.id == drill_id)
        .options(selectinload(Drill.escalation).selectinload(Escalation.owner),
                 selectinload(Drill.participants).selectinload(DrillParticipant.user),
                 selectinload(Drill.injections), selectinload(Drill.started_by),
                 selectinload(Drill.ended_by)))


def drill_of_escalation(escalation_id: int) -> Select:
    return select(Drill).where(Drill.escalation_id == escalation_id)
