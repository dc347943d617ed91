"""Each feed as a validator and a document: the views answer 304 from the validator alone
(one aggregate statement) and build the document only when it changed.

Every read here runs after `portal.feeds.access.open_feed` scoped the session to the owner's
organization; updates and milestones go through `customer_visible()` (DESIGN.md invariant 2),
and the validators are built from customer-visible change stamps only, so neither a document
nor an ETag moves when an internal note is written.

Statements per feed, whatever the number of rows: organization Atom 2, escalation Atom 2,
calendar 3 (plus the token's one, in access).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.escalations.listing import weak_etag
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.feeds import atom, queries
from portal.feeds import calendar as ical
from portal.feeds.access import FeedOwner

#: Bump when what a feed shows changes, so no reader keeps a representation of the old one.
REPRESENTATION_VERSION = "1"
ATOM = "application/atom+xml; charset=utf-8"
CALENDAR = "text/calendar; charset=utf-8"
#: An organization without escalations yet: its feed's <updated> needs some instant.
NO_CHANGE_YET = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    etag: str
    last_modified: datetime | None
    mimetype: str
    render: Callable[[Links], bytes]


@dataclass(frozen=True)
class Links:
    """The absolute URLs a document points at, made by the view (it knows the routes)."""

    self_url: str
    page_url: str
    escalation_url: Callable[[int], str]
    update_url: Callable[[int, int], str]


def _etag(owner: FeedOwner, kind: str, *parts: object) -> str:
    return weak_etag(REPRESENTATION_VERSION, kind, str(owner.token_id), *map(str, parts))


def organization_updates(owner: FeedOwner) -> Feed:
    """The organization's newest customer-visible updates (queries.ENTRIES of them)."""
    digest = db.session.execute(
        queries.organization_digest(owner.organization_id, open_only=False)).one()
    changed = digest[2]

    def render(links: Links) -> bytes:
        rows = db.session.execute(queries.organization_updates(owner.organization_id)).all()
        return atom.build(
            feed_id=atom.urn("organization", owner.organization_id, "updates"),
            title=f"{owner.organization_name} — escalation updates",
            subtitle=f"Updates on the escalations of {owner.organization_name}, newest first.",
            links=atom.FeedLinks(links.self_url, links.page_url, links.update_url),
            entries=rows, fallback_updated=changed or NO_CHANGE_YET)

    return Feed(_etag(owner, "organization-atom", *digest), changed, ATOM, render)


def escalation_updates(owner: FeedOwner, escalation_id: int) -> Feed | None:
    """One escalation's customer-visible updates; None when the organization has no such
    escalation (missing and another organization's read the same: the scope hides it)."""
    found = db.session.execute(queries.escalation_validator(escalation_id)).first()
    if found is None:
        return None
    changed, title = found
    reference = Escalation.reference_of(escalation_id)

    def render(links: Links) -> bytes:
        rows = db.session.execute(queries.escalation_updates(escalation_id)).all()
        return atom.build(
            feed_id=atom.urn("escalation", escalation_id, "updates"),
            title=f"{reference} {title} — updates",
            subtitle=f"Updates on {reference} for {owner.organization_name}, newest first.",
            links=atom.FeedLinks(links.self_url, links.page_url, links.update_url),
            entries=rows, fallback_updated=changed)

    return Feed(_etag(owner, "escalation-atom", escalation_id, changed.isoformat(), title),
                changed, ATOM, render)


def organization_calendar(owner: FeedOwner) -> Feed:
    """Milestones and promised next-update times of the organization's open escalations."""
    digest = db.session.execute(
        queries.organization_digest(owner.organization_id, open_only=True)).one()

    def render(links: Links) -> bytes:
        promises = db.session.execute(queries.promised_updates(owner.organization_id)).all()
        milestones = db.session.execute(queries.open_milestones(owner.organization_id)).all()
        events = [*(_promise_event(row, links) for row in promises),
                  *(_milestone_event(row, links) for row in milestones)]
        return ical.build(f"{owner.organization_name} escalations", events,
                          description="Milestones and promised update times of "
                                      f"the open escalations of {owner.organization_name}.")

    return Feed(_etag(owner, "organization-calendar", *digest), digest[2], CALENDAR, render)


def _promise_event(row, links: Links) -> ical.CalendarEvent:
    reference = Escalation.reference_of(row.id)
    return ical.CalendarEvent(
        uid=ical.uid_for("next-update", row.id),
        summary=f"Next update due: {reference} {row.title}",
        start=row.next_update_due_at, changed_at=row.customer_changed_at,
        description=(f"We promised the next update on {reference} ({row.title}) by this time."
                     f"\n\n{links.escalation_url(row.id)}"),
        url=links.escalation_url(row.id), categories=("Clearpath", "Next update"))


def _milestone_event(row, links: Links) -> ical.CalendarEvent:
    reference = Escalation.reference_of(row.escalation_id)
    done = row.completed_at is not None
    return ical.CalendarEvent(
        uid=ical.uid_for("milestone", row.id),
        summary=f"{'Done: ' if done else ''}{row.title} ({reference})",
        start=row.due_at, changed_at=row.customer_changed_at,
        description=(f"Milestone of {reference} ({row.escalation})"
                     f"{', done' if done else ''}.\n\n{links.escalation_url(row.escalation_id)}"),
        url=links.escalation_url(row.escalation_id), categories=("Clearpath", "Milestone"))
