"""What keeps a promise to a customer: the one definition of "an update" (DESIGN.md "SLA clocks,
exactly"), used by the next-update clock, the customers' "Latest update", the sweeps (through
the stored due instants) and the reports.

An update counts only when a member of staff tells the customer something: a customer-visible
note a staff member posts, or a status change that carries staff's own note to the customer.
The entries the system writes for severity, tier, ownership, priority and milestone changes —
even when they show the reason staff gave — and customers' own comments never restart the
next-update cadence and never move a promised time later. Stored entries are not rewritten:
the rule is applied when clocks are computed, so it holds for old rows too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select

from portal.enums import UpdateKind, Visibility
from portal.escalations.models import Update

#: A status-change entry's body is its fixed words, then (after a blank line) staff's note.
NOTE_SEPARATOR = "\n\n"


def counts_as_update(update: Update) -> bool:
    """Whether this timeline entry keeps the promise to hear from us (see the module note), as
    it stands now (a retracted update no longer does)."""
    if update.visibility != Visibility.CUSTOMER or update.retracted_at is not None:
        return False
    if update.author_id is None and update.author is None:
        return False
    if update.kind == UpdateKind.NOTE:
        return True
    return update.kind == UpdateKind.STATUS_CHANGE and NOTE_SEPARATOR in (update.body or "")


def counting_update(entry=Update) -> ColumnElement[bool]:
    """`counts_as_update` as SQL criteria on `Update` (the same rule, for set-based reads);
    `entry` may be an alias of it (`aliased(Update)`)."""
    return and_(
        entry.visibility == Visibility.CUSTOMER,
        entry.author_id.is_not(None),
        or_(entry.kind == UpdateKind.NOTE,
            and_(entry.kind == UpdateKind.STATUS_CHANGE,
                 entry.body.contains(NOTE_SEPARATOR, autoescape=True))),
    )


def visible_at(at: datetime | None) -> ColumnElement[bool]:
    """Customers could read the entry at `at` (default: now): posted by then, not yet
    retracted. A later retraction does not erase what the customer saw at the time."""
    if at is None:
        return Update.retracted_at.is_(None)
    return and_(Update.created_at <= at,
                or_(Update.retracted_at.is_(None), Update.retracted_at > at))


def latest_update(escalation_id: int, *, at: datetime | None = None) -> Select:
    """The newest counting update of one escalation as of `at` (default now): its time and its
    "next update by" commitment, for the next-update clock."""
    return (
        select(Update.created_at, Update.next_update_by)
        .where(Update.escalation_id == escalation_id, counting_update(), visible_at(at))
        .order_by(Update.created_at.desc(), Update.id.desc())
        .limit(1)
    )
