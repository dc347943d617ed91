"""Which timeline entries a review's report carries: staff choose, entry by entry.

The escalation's customer-visible timeline is long and mostly conversation. By default a
report carries what staff told the customer and the milestones reached (`default_choice`):
the updates that keep the promise to hear from us (`promises.counts_as_update`) and the
milestone entries — not every customer comment word for word. Staff tick more or fewer on the
review page; the choice is stored on the review (`Review.timeline_choices`, update ids) and
the report is built from it. Timeline highlights staff write themselves are kept beside it.

Only customer-visible entries of the escalation can be chosen: an id of an internal note, a
retracted update or another escalation's entry is refused at save and never read when the
report is built (`chosen_entries` reads through `customer_timeline`).
"""

from __future__ import annotations

from sqlalchemy import select

from portal.enums import UpdateKind
from portal.escalations.models import Escalation, Update
from portal.escalations.promises import counts_as_update
from portal.escalations.queries import customer_visible
from portal.extensions import db
from portal.operations import OperationError
from portal.reports import limits

# Bounds of what one report may hold (the renderer's size limits rely on them).
MAX_TIMELINE_ROWS = 400
MAX_ENTRY_CHARS = limits.MAX_HIGHLIGHT_CHARS  # a chosen entry prints as a highlight does
#: What the default choice may take of the report's total (limits.MAX_TOTAL_CHARS).
DEFAULT_BUDGET = 30_000

KIND_LABELS = {
    UpdateKind.NOTE: "Update",
    UpdateKind.STATUS_CHANGE: "Status",
    UpdateKind.SEVERITY_CHANGE: "Severity",
    UpdateKind.TIER_CHANGE: "Tier",
    UpdateKind.OWNERSHIP: "Owner",
    UpdateKind.MILESTONE: "Milestone",
    UpdateKind.CUSTOMER_COMMENT: "Your team",
}


def customer_timeline(escalation: Escalation) -> list[Update]:
    """The escalation's customer-visible timeline, oldest first (bounded)."""
    return list(
        db.session.scalars(
            select(Update)
            .where(Update.escalation_id == escalation.id, customer_visible(Update))
            .order_by(Update.created_at, Update.id)
            .limit(MAX_TIMELINE_ROWS)
        )
    )


def chosen_by_default(update: Update) -> bool:
    """Staff's own updates to the customer and milestones; not comments nor system entries."""
    return counts_as_update(update) or update.kind == UpdateKind.MILESTONE


def default_choice(updates: list[Update]) -> list[int]:
    """The entries a new review starts with ticked: those `chosen_by_default` that the report
    can show as they are (`limits.fits`), up to DEFAULT_BUDGET characters in all, so a first
    save is never refused for a choice staff did not make. The rest are offered unticked."""
    chosen, used = [], 0
    for update in updates:
        if not chosen_by_default(update) or not limits.fits(update.body, MAX_ENTRY_CHARS):
            continue
        used += len(update.body)
        if used > DEFAULT_BUDGET:
            break
        chosen.append(update.id)
    return chosen


def clean_choice(escalation: Escalation, ids: list[int]) -> list[int]:
    """The chosen ids in timeline order. Raises OperationError (by `timeline_choices`) for an
    id that is not a customer-visible entry of this escalation."""
    known = [update.id for update in customer_timeline(escalation)]
    wanted = set(ids)
    if not wanted <= set(known):
        raise OperationError(
            "Choose among this escalation's customer-visible entries.", "timeline_choices"
        )
    return [update_id for update_id in known if update_id in wanted]


def chosen_entries(updates: list[Update], choice: list[int] | None) -> list[Update]:
    """The entries of `updates` (customer-visible) that the choice names, in timeline order."""
    wanted = set(choice or ())
    return [update for update in updates if update.id in wanted]


def entry_item(update: Update) -> dict:
    """One chosen entry as the report's content holds it (plain JSON)."""
    return {
        "at": update.created_at.isoformat(),
        "text": update.body[:MAX_ENTRY_CHARS],
        "label": KIND_LABELS.get(update.kind, ""),
    }
