"""The webhook events an endpoint can choose from. Every event here is about something a
customer can already see (a customer-visible update of one kind), so an organization's
endpoint may take any of them; staff team endpoints choose from the same list. `ping` is the
"send a test event" delivery, sent only when asked and whatever the selection."""

from __future__ import annotations

from wtforms import SelectChoice

CATALOGUE: dict[str, str] = {
    "update.note": "A customer update is posted",
    "update.status_change": "The status changes",
    "update.severity_change": "The severity changes",
    "update.tier_change": "The support tier changes",
    "update.ownership": "The owner changes",
    "update.milestone": "A milestone is reached",
}
PING = "ping"
#: Events about the vendor's own staff (never about what a customer sees): only a staff team's
#: endpoint (no organization) may choose them.
STAFF_ONLY: dict[str, str] = {
    "oncall.paged": "Someone on call is paged (staff team endpoints only)",
}


def catalogue_for(organization_id: int | None) -> dict[str, str]:
    """The events an endpoint of this organization (None: a staff team's) may choose."""
    return CATALOGUE if organization_id is not None else {**CATALOGUE, **STAFF_ONLY}


def topic_of(update_kind: str) -> str:
    """The event name of a customer-visible update of this kind."""
    return f"update.{update_kind}"


def choices(*, staff: bool = False) -> list[SelectChoice]:
    offered = {**CATALOGUE, **STAFF_ONLY} if staff else CATALOGUE
    return [SelectChoice(name, label) for name, label in offered.items()]


def labels(selected: list[str] | None) -> list[str]:
    """What a page shows for an endpoint's selection (None: all of them)."""
    return [label for name, label in {**CATALOGUE, **STAFF_ONLY}.items()
            if (selected is None and name in CATALOGUE) or (selected and name in selected)]
