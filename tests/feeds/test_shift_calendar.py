"""My shifts: a staff member's own on-call shifts as an iCalendar feed, read by a real
iCalendar parser. Every team they are in and every override they cover, in UTC instants that
follow the team's wall-clock handoffs across the change to summer time; nobody else's shifts;
stable UIDs and a 304 for an unchanged calendar; a reset link stops the old one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from icalendar import Calendar
from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import frozen_at
from portal.enums import Role
from portal.feeds import operations
from portal.oncall.models import Team
from tests import factories
from tests.conftest import csrf_token_from
from tests.oncall.paging import holiday, london_team

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)  # a Friday, before the Monday 23 March handoff


def _path(token: str) -> str:
    return f"/feeds/{token}/shifts.ics"


def _events(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


def _rota(as_staff):
    """Platform (London, weekly): Ann, Ben, Cat from Monday 23 March. Mobile (Ben, Cat); Ann is
    in it only through an override covering Ben on Wednesday 1 April."""
    with as_staff():
        manager = factories.make_staff(Role.ESCALATION_MANAGER)
        ann, ben, cat = (factories.make_staff(name=n) for n in ("Ann", "Ben", "Cat"))
        london_team([ann, ben, cat], starts_on=date(2026, 3, 23))
        mobile = london_team([ben, cat], starts_on=date(2026, 3, 23), name="Mobile",
                             area="Mobile app")
        holiday(mobile, ann, datetime(2026, 4, 1, 9, tzinfo=UTC),
                datetime(2026, 4, 1, 17, tzinfo=UTC), manager)
        # Plain values: the rows expire when the block commits.
        return {"ann": SimpleNamespace(id=ann.id), "ben": SimpleNamespace(id=ben.id),
                "cat": SimpleNamespace(id=cat.id)}


def _fetch(client, token, **headers):
    with frozen_at(NOW):
        return client.get(_path(token), headers=headers)


def test_my_shifts_are_my_own_across_teams_with_overrides_and_dst(client, as_staff,
                                                                   feed_token):
    """Ann's calendar: her Platform weeks (the first ends at 09:00 BST = 08:00 UTC on 30
    March) and her Mobile override, each "On call: <team>"; none of Ben's or Cat's."""
    people = _rota(as_staff)
    answer = _fetch(client, feed_token(people["ann"]))
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert answer.headers["Cache-Control"].startswith("private")
    events = _events(answer.data)
    spans = [(str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND")) for e in events]
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    # Ann: week 1 (23–30 Mar), week 4 (13–20 Apr), week 7 (4–11 May) within eight weeks
    assert spans == [
        ("On call: Platform", utc(2026, 3, 23, 9), utc(2026, 3, 30, 8)),
        ("On call: Mobile", utc(2026, 4, 1, 9), utc(2026, 4, 1, 17)),
        ("On call: Platform", utc(2026, 4, 13, 8), utc(2026, 4, 20, 8)),
        ("On call: Platform", utc(2026, 5, 4, 8), utc(2026, 5, 11, 8)),
    ]
    assert "Override: Holiday" in str(events[1]["DESCRIPTION"])
    assert "GMT" in str(events[0]["DESCRIPTION"]) and "BST" in str(events[0]["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == 4
    for name in ("Ben", "Cat"):
        assert name not in answer.get_data(as_text=True)


def test_the_calendar_is_stable_and_answers_304_when_unchanged(client, as_staff, feed_token):
    """The same document twice (same UIDs, same bytes); If-None-Match answers 304; a new
    override changes the ETag."""
    people = _rota(as_staff)
    token = feed_token(people["ben"])
    first, second = _fetch(client, token), _fetch(client, token)
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert _fetch(client, token, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    with as_staff() as session:
        platform = session.scalar(select(Team).where(Team.name == "Platform"))
        holiday(platform, session.get(User, people["cat"].id),
                datetime(2026, 3, 31, 9, tzinfo=UTC), datetime(2026, 4, 2, 9, tzinfo=UTC),
                session.get(User, people["ann"].id))
    third = _fetch(client, token, **{"If-None-Match": first.headers["ETag"]})
    assert third.status_code == 200 and third.headers["ETag"] != first.headers["ETag"]


def test_a_reset_link_stops_the_old_one_and_customer_tokens_find_nothing(client, as_staff,
                                                                        world, feed_token):
    people = _rota(as_staff)
    old = feed_token(people["ann"])
    with as_staff() as session:
        operations.reset_feed_token(session.get(User, people["ann"].id))
    assert _fetch(client, old).status_code == 404
    assert _fetch(client, feed_token(people["ann"])).status_code == 200
    assert _fetch(client, feed_token(world.customers_a[Role.VIEWER])).status_code == 404
    assert _fetch(client, "cpf_not-a-real-token").status_code == 404


def test_staff_make_copy_and_reset_the_link_in_the_console(client, auth, world, as_staff):
    """My pages offers the link: create it, see it with its Copy button, reset it."""
    agent = world.staff[Role.AGENT]
    auth.login(agent.email)
    html = client.get("/admin/on-call/pages").get_data(as_text=True)
    assert "Create my shifts link" in html
    client.post("/admin/on-call/shifts-feed", data={"csrf_token": csrf_token_from(html)})
    html = client.get("/admin/on-call/pages").get_data(as_text=True)
    assert 'data-copy-from="shifts-feed"' in html and "/shifts.ics" in html
    first = html.split('id="shifts-feed" type="url" value="', 1)[1].split('"', 1)[0]
    client.post("/admin/on-call/shifts-feed/reset", data={"csrf_token": csrf_token_from(html)})
    html = client.get("/admin/on-call/pages").get_data(as_text=True)
    second = html.split('id="shifts-feed" type="url" value="', 1)[1].split('"', 1)[0]
    assert first != second
    path = first.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 404
    assert client.get("/" + second.split("://", 1)[1].split("/", 1)[1]).status_code == 200
