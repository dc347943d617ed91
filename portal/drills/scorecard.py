"""A drill's scorecard: how the team did, as figures that compare across drills.

One pure function (`score`) over plain rows, so the figures can be checked against a hand
computation; `scorecard_for` reads the rows of one drill and calls it.

- time to acknowledge: opening → the escalation acknowledged;
- time to assign: opening → the first handoff its receiver acknowledged (ownership taken);
- time to first customer update: opening → the first customer update staff wrote (in a drill
  it is drafted, kept and never sent: the drill never leaves the building);
- handoff completeness: of the handoffs made during the drill, the template fields filled
  (summary, customer impact, steps taken, environment, reason detail);
- update cadence: of the "next update by" promises that fell due before the end, how many a
  later customer update kept;
- injections handled: of the events injected, how many a participant answered afterwards (a
  note or a status change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.drills.models import Drill
from portal.enums import UpdateKind
from portal.escalations.models import Handoff, Update
from portal.escalations.promises import counts_as_update
from portal.extensions import db

HANDOFF_FIELDS = ("summary", "customer_impact", "steps_taken", "environment", "reason_detail")
RESPONSE_KINDS = (UpdateKind.NOTE, UpdateKind.STATUS_CHANGE)


@dataclass(frozen=True)
class Scorecard:
    ack_seconds: int | None
    assign_seconds: int | None
    first_update_seconds: int | None
    handoff_fields_filled: int
    handoff_fields_total: int
    promises_due: int
    promises_kept: int
    injections_total: int
    injections_handled: int
    handled_at: dict[int, datetime]  # injection id → the first answer


def _seconds(start: datetime, end: datetime | None, until: datetime) -> int | None:
    if end is None or end > until:
        return None
    return int((end - start).total_seconds())


def score(*, opened_at: datetime, acknowledged_at: datetime | None, handoffs, updates,
          injections, until: datetime) -> Scorecard:
    """The scorecard from plain rows: `handoffs` (created_at, acknowledged_at and the template
    fields), `updates` (the timeline entries, Update-shaped), `injections` (id, injected_at),
    everything as it stood at `until` (the drill's end)."""
    taken = [h.acknowledged_at for h in handoffs
             if h.acknowledged_at is not None and h.acknowledged_at <= until]
    during = [h for h in handoffs if h.created_at > opened_at and h.created_at <= until]
    filled = sum(1 for h in during for name in HANDOFF_FIELDS if (getattr(h, name) or "").strip())
    entries = sorted((u for u in updates if u.created_at <= until),
                     key=lambda u: (u.created_at, u.id))
    counting = [u for u in entries if counts_as_update(u)]
    due = kept = 0
    for index, promise in enumerate(counting):
        if promise.next_update_by is None or promise.next_update_by > until:
            continue
        due += 1
        if any(later.created_at <= promise.next_update_by for later in counting[index + 1:]):
            kept += 1
    answers = [u for u in entries if u.author_id is not None and u.kind in RESPONSE_KINDS]
    handled = {}
    injected = [i for i in injections if i.injected_at is not None and i.injected_at <= until]
    for injection in injected:
        first = next((u.created_at for u in answers if u.created_at >= injection.injected_at),
                     None)
        if first is not None:
            handled[injection.id] = first
    return Scorecard(
        ack_seconds=_seconds(opened_at, acknowledged_at, until),
        assign_seconds=_seconds(opened_at, min(taken), until) if taken else None,
        first_update_seconds=_seconds(opened_at, counting[0].created_at, until)
        if counting else None,
        handoff_fields_filled=filled, handoff_fields_total=len(during) * len(HANDOFF_FIELDS),
        promises_due=due, promises_kept=kept,
        injections_total=len(injected), injections_handled=len(handled), handled_at=handled)


def scorecard_for(drill: Drill, until: datetime) -> Scorecard:
    escalation = drill.escalation
    handoffs = db.session.scalars(
        select(Handoff).where(Handoff.escalation_id == escalation.id)).all()
    updates = db.session.scalars(
        select(Update).where(Update.escalation_id == escalation.id)).all()
    return score(opened_at=escalation.opened_at, acknowledged_at=escalation.acknowledged_at,
                 handoffs=handoffs, updates=updates, injections=drill.injections, until=until)


def store(drill: Drill, card: Scorecard) -> None:
    """Keep the figures on the drill (past drills list them side by side)."""
    for name in ("ack_seconds", "assign_seconds", "first_update_seconds",
                 "handoff_fields_filled", "handoff_fields_total", "promises_due",
                 "promises_kept", "injections_total", "injections_handled"):
        setattr(drill, name, getattr(card, name))
    for injection in drill.injections:
        injection.handled_at = card.handled_at.get(injection.id)
