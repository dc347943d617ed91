"""On-call load in staff analytics: pages per person and week, night and weekend pages — the
page's table and its CSV equal the same figures worked out with plain SQL over the seeded
`oncall_pages` rows; night and weekend follow the team's zone, DST included."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from portal.clock import frozen_at
from portal.enums import Role
from portal.extensions import db
from portal.oncall.pages import OncallPage, is_night, is_weekend
from tests import factories
from tests.customer.test_exports import rows_of
from tests.oncall.paging import london_team

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
SINCE, UNTIL = "2026-02", "2026-04"
NOW = datetime(2026, 5, 2, 12, tzinfo=UTC)


def test_night_and_weekend_follow_the_teams_zone_across_dst():
    """06:30 UTC is night in London on Saturday 28 March (06:30 GMT) and morning on Monday
    30 March (07:30 BST); 03:00 UTC on a Saturday is still Friday in New York (EDT)."""
    assert is_night(datetime(2026, 3, 28, 6, 30, tzinfo=UTC), LONDON)
    assert not is_night(datetime(2026, 3, 30, 6, 30, tzinfo=UTC), LONDON)
    assert is_night(datetime(2026, 3, 30, 21, 30, tzinfo=UTC), LONDON)  # 22:30 BST
    assert is_weekend(datetime(2026, 3, 28, 3, tzinfo=UTC), LONDON)
    assert not is_weekend(datetime(2026, 3, 28, 3, tzinfo=UTC), NEW_YORK)  # Fri 23:00 EDT
    assert not is_night(datetime(2026, 3, 27, 23, tzinfo=UTC), NEW_YORK)  # Fri 19:00 EDT


@pytest.fixture
def seeded(as_staff, world):
    """Three months of pages for four people in two teams (London, New York), some repeated,
    some acknowledged by the person paged, some by a manager; and pages outside the period."""
    rng = random.Random(17)
    with as_staff():
        people = [factories.make_staff(name=f"Pager {n}") for n in range(4)]
        manager = factories.make_staff(Role.ESCALATION_MANAGER)
        london = london_team(people[:2], starts_on=date(2026, 1, 5))
        new_york = london_team(people[2:], starts_on=date(2026, 1, 5), name="Mobile",
                               area="Mobile app")
        new_york.timezone = "America/New_York"
        start = datetime(2026, 1, 25, tzinfo=UTC)
        for n in range(160):
            at = start + timedelta(minutes=rng.randrange(0, 100 * 24 * 60))
            team = london if n % 3 else new_york
            person = rng.choice(people[:2] if team is london else people[2:])
            acknowledged = rng.choice([None, person, manager])
            db.session.add(OncallPage(
                organization_id=world.org_a.id, escalation_id=world.escalation_a.id,
                team_id=team.id, user_id=person.id, reason=rng.choice(["breach", "at_risk"]),
                clock="acknowledge", due_at=at - timedelta(minutes=n), paged_at=at,
                last_paged_at=at, repeats=rng.randrange(0, 4),
                acknowledged_at=at + timedelta(minutes=5) if acknowledged else None,
                acknowledged_by_id=acknowledged.id if acknowledged else None,
                night=is_night(at, ZoneInfo(team.timezone)),
                weekend=is_weekend(at, ZoneInfo(team.timezone))))
        db.session.flush()
    return world


def _plain_sql() -> dict[tuple[str, str], tuple[int, ...]]:
    """The same figures, straight from the table: the week's Monday in SQL, sums in SQL."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    week = ("date(p.paged_at, '-6 days', 'weekday 1')" if sqlite
            else "CAST(date_trunc('week', p.paged_at AT TIME ZONE 'UTC') AS date)")
    start, end = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    if sqlite:
        start, end = (s.strftime("%Y-%m-%d %H:%M:%S") for s in (start, end))
    rows = db.session.execute(text(
        f"SELECT {week} AS week, u.name, COUNT(*), SUM(1 + p.repeats), "
        "SUM(CASE WHEN p.night THEN 1 ELSE 0 END), SUM(CASE WHEN p.weekend THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN p.acknowledged_by_id = p.user_id THEN 1 ELSE 0 END) "
        "FROM oncall_pages p JOIN users u ON u.id = p.user_id "
        "WHERE p.paged_at >= :s AND p.paged_at < :t GROUP BY 1, u.id, u.name"),
        {"s": start, "t": end}).all()
    return {(str(r[0]), r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def test_the_csv_and_the_page_equal_plain_sql(client, auth, seeded, as_staff):
    with as_staff():
        expected = _plain_sql()
    assert len(expected) > 20 and any(v[3] for v in expected.values())
    auth.login(seeded.staff[Role.ESCALATION_MANAGER].email)
    with frozen_at(NOW):
        heading, *rows = rows_of(client.get(f"/admin/analytics/on-call.csv?since={SINCE}"
                                            f"&until={UNTIL}"))
        page = client.get(f"/admin/analytics?since={SINCE}&until={UNTIL}")
    assert heading[:3] == ["Week (Monday, UTC)", "Person", "Pages"]
    found = {(row[0], row[1]): tuple(int(v) for v in row[2:]) for row in rows}
    assert found == expected
    html = page.get_data(as_text=True)
    assert 'id="oncall-load"' in html
    nights = sum(v[2] for v in expected.values())
    assert nights > 0 and html.count('data-label="Night"') == len(expected)


def test_only_analytics_viewers_get_the_csv(client, auth, seeded):
    auth.login(seeded.staff[Role.AGENT].email)
    assert client.get("/admin/analytics/on-call.csv").status_code == 403
