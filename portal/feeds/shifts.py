"""A staff member's own on-call shifts as an iCalendar feed ("My shifts").

Every team the person is in, and every team an override puts them on for, over the next
SHIFT_WEEKS weeks, from the same schedule the console shows (`portal.oncall.queries.schedule`,
overrides included). Times are UTC instants (the builder's rule): every calendar app shows
them in its own zone, and the description gives the team's local times, DST included.

Each stretch's UID is made of the team, the person and its start instant: an unchanged shift
keeps its event, a moved or split one becomes a new event. The document is computed and its
hash is the ETag (a few statements: the teams, their overrides, the people); its stamps are
the team's and the overrides' creation times, so an unchanged schedule is byte for byte the
same document and answers 304.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from portal.clock import ensure_utc, now
from portal.extensions import db
from portal.feeds import calendar as ical
from portal.feeds.access import FeedOwner
from portal.feeds.documents import CALENDAR, REPRESENTATION_VERSION, Feed, Links
from portal.oncall import queries
from portal.oncall.models import RosterOverride, Team, TeamMember

SHIFT_WEEKS = 8


def teams_of(user_id: int, start: datetime, end: datetime) -> list[Team]:
    """Teams the person is in, or covers by an override overlapping [start, end)."""
    member = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    covering = select(RosterOverride.team_id).where(
        RosterOverride.user_id == user_id, RosterOverride.starts_at < end,
        RosterOverride.ends_at > start)
    return db.session.scalars(queries.teams().where(
        or_(Team.id.in_(member), Team.id.in_(covering)))).all()


def shifts_of(user_id: int, start: datetime, end: datetime):
    """(team, OnCall, changed_at) for each stretch the person is on call in [start, end)."""
    found = []
    for team in teams_of(user_id, start, end):
        stamps = [ensure_utc(team.created_at), *(
            ensure_utc(at) for at in db.session.scalars(
                select(RosterOverride.created_at).where(RosterOverride.team_id == team.id,
                                                        RosterOverride.starts_at < end,
                                                        RosterOverride.ends_at > start)))]
        changed = max(stamps)
        found.extend((team, stretch, changed) for stretch in queries.schedule(team, start, end)
                     if stretch.user.id == user_id)
    return sorted(found, key=lambda row: (row[1].shift.starts_at, row[0].name))


def _event(team: Team, stretch, changed: datetime) -> ical.CalendarEvent:
    shift = stretch.shift
    zone = team.zone
    local = (f"{shift.starts_at.astimezone(zone):%a %d %b %H:%M %Z} – "
             f"{shift.ends_at.astimezone(zone):%a %d %b %H:%M %Z} ({team.timezone})")
    why = f"\n\nOverride: {shift.reason}" if shift.reason else ""
    return ical.CalendarEvent(
        uid=ical.uid_for(f"oncall-shift-{team.id}-{shift.user_id}",
                         int(shift.starts_at.timestamp())),
        summary=f"On call: {team.name}", start=shift.starts_at, changed_at=changed,
        duration=shift.ends_at - shift.starts_at,
        description=f"You are on call for {team.name}: {local}.{why}",
        categories=("Clearpath", "On call"))


def my_shifts(owner: FeedOwner, at: datetime | None = None) -> Feed:
    """The owner's shifts from now for SHIFT_WEEKS weeks (a shift running now included)."""
    start = at or now()
    rows = shifts_of(owner.user_id, start, start + timedelta(weeks=SHIFT_WEEKS))
    document = ical.build("My on-call shifts", [_event(*row) for row in rows],
                          description="Your on-call shifts in Clearpath, every team, "
                                      "overrides included.")
    digest = hashlib.sha256(document).hexdigest()[:32]
    etag = f"{REPRESENTATION_VERSION}-shifts-{owner.token_id}-{digest}"

    def render(links: Links) -> bytes:
        return document

    return Feed(etag, None, CALENDAR, render)
