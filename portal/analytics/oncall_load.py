"""On-call load: how often each person was paged, per week, and how many of those pages came
at night (22:00–07:00) or at a weekend in the paging team's zone — from `oncall_pages`, whose
rows carry the night and weekend flags decided when the page went out
(`portal.oncall.pages`).

A page is one row: a person paged about one alert (repeats counted apart, as `times_paged`).
Weeks are UTC weeks starting on Monday, in the analytics page's months. One statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.analytics.filters import months_back
from portal.clock import ensure_utc
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.oncall.pages import OncallPage

CSV_HEADING = ("Week (Monday, UTC)", "Person", "Pages", "Times paged (with repeats)",
               "Night pages", "Weekend pages", "Acknowledged by them")


@dataclass(frozen=True)
class Load:
    week: date
    user_id: int
    name: str
    pages: int
    times_paged: int
    night: int
    weekend: int
    acknowledged: int

    def csv_row(self) -> tuple:
        return (self.week.isoformat(), self.name, self.pages, self.times_paged, self.night,
                self.weekend, self.acknowledged)


def week_of(at: datetime) -> date:
    day = ensure_utc(at).astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def period_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """[first instant of `since`'s month, first instant after `until`'s month), in UTC."""
    return (datetime.combine(since, time(0), tzinfo=UTC),
            datetime.combine(months_back(until, -1), time(0), tzinfo=UTC))


def oncall_load(since: date, until: date) -> list[Load]:
    """Pages per person and week of the months `since` … `until`, by week then name (a
    drill's pages left out, as drills are from every figure)."""
    start, end = period_bounds(since, until)
    rows = db.session.execute(
        select(OncallPage.user_id, User.name, OncallPage.paged_at, OncallPage.repeats,
               OncallPage.night, OncallPage.weekend, OncallPage.acknowledged_by_id)
        .join(User, User.id == OncallPage.user_id)
        .join(Escalation, Escalation.id == OncallPage.escalation_id)
        .where(OncallPage.paged_at >= start, OncallPage.paged_at < end,
               Escalation.is_drill.is_(False))).all()  # a drill's pages are practice
    totals: dict[tuple[date, int], list] = defaultdict(lambda: [None, 0, 0, 0, 0, 0])
    for user_id, name, paged_at, repeats, night, weekend, acknowledged_by in rows:
        entry = totals[(week_of(paged_at), user_id)]
        entry[0] = name
        entry[1] += 1
        entry[2] += 1 + repeats
        entry[3] += bool(night)
        entry[4] += bool(weekend)
        entry[5] += acknowledged_by == user_id
    return sorted((Load(week, user_id, *values) for (week, user_id), values in totals.items()),
                  key=lambda load: (load.week, load.name, load.user_id))
