"""A small iCalendar (RFC 5545) builder: any feed of dated events, for any owner.

The customer calendar (portal.feeds.organization_calendar) uses it today; a person's on-call
shifts can use it tomorrow: describe each event as a `CalendarEvent` and call `build`.

What makes calendar apps behave:
* every event has a stable `uid` (`uid_for(kind, id)`): a moved milestone updates its event
  rather than adding a second one, and a token reset does not duplicate anything;
* times are UTC instants (`…Z`), so no VTIMEZONE is needed and every app shows local time;
* DTSTAMP and LAST-MODIFIED are the event's own change time, not "now": an unchanged calendar
  is byte-for-byte the same document, and apps see which events really changed;
* events are TRANSPARENT (a due time is not a meeting: it does not block anyone's free/busy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration

PRODID = "-//Clearpath//Escalation feeds//EN"
UID_DOMAIN = "clearpath.feeds"
DEFAULT_DURATION = timedelta(minutes=30)
#: How often apps should fetch again (RFC 7986 REFRESH-INTERVAL and the common X- property).
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: datetime
    changed_at: datetime
    duration: timedelta = DEFAULT_DURATION
    description: str = ""
    url: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    cancelled: bool = False


def uid_for(kind: str, object_id: int) -> str:
    """A stable UID: the same object always has the same event."""
    return f"{kind}-{object_id}@{UID_DOMAIN}"


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return at.astimezone(UTC)


def build(name: str, events: Iterable[CalendarEvent], *, description: str = "") -> bytes:
    """The VCALENDAR document (CRLF lines, folded as RFC 5545 says) of these events."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    if description:
        calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for item in events:
        calendar.add_component(_event(item))
    return calendar.to_ical()


def _event(item: CalendarEvent) -> Event:
    event = Event()
    start = _utc(item.start)
    changed = _utc(item.changed_at)
    event.add("uid", item.uid)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("dtstart", start)
    event.add("dtend", start + item.duration)
    event.add("summary", item.summary)
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    if item.categories:
        event.add("categories", list(item.categories))
    return event
