"""The iCalendar feed, read as a calendar app reads it (icalendar)."""

from datetime import UTC, timedelta

from icalendar import Calendar

from portal.clock import now
from portal.enums import Role, Status, Visibility
from portal.escalations import operations as ops
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation, Milestone
from portal.escalations.operations.plan import edit_milestone
from tests.factories import CANARY
from tests.feeds.conftest import calendar_path


def _events(client, token) -> dict[str, object]:
    response = client.get(calendar_path(token))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _start(event):
    return event.decoded("DTSTART")


def test_a_calendar_holds_milestones_and_the_promised_update_time(client, world, feed_token,
                                                                  as_staff):
    """Acme's calendar shows the customer milestone and the next update we promised, at the
    instant the escalation's own SLA clock says, in UTC, linking back to the escalation."""
    events = _events(client, feed_token(world.customers_a[Role.VIEWER]))
    promise = events[f"next-update-{world.escalation_a.id}@clearpath.feeds"]
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        due = clocks_for(escalation).next_update.due_at
        milestone = session.query(Milestone).filter_by(
            escalation_id=escalation.id, title="Root cause confirmed").one()
        milestone_id, milestone_due = milestone.id, milestone.due_at
    assert _start(promise) == due.replace(microsecond=0)
    assert _start(promise).tzinfo is not None and _start(promise).utcoffset() == timedelta(0)
    assert str(promise["URL"]) == f"http://127.0.0.1:5000/escalations/{world.escalation_a.reference}"
    assert "Next update due" in str(promise["SUMMARY"])
    milestone_event = events[f"milestone-{milestone_id}@clearpath.feeds"]
    assert _start(milestone_event) == milestone_due.replace(microsecond=0)
    assert "Root cause confirmed" in str(milestone_event["SUMMARY"])
    assert _start(milestone_event).utcoffset() == timedelta(0)


def test_the_calendar_shows_no_internal_milestone_and_no_other_organization(
        client, world, feed_token):
    """The canary internal milestone and Globex's escalation never reach Acme's calendar."""
    response = client.get(calendar_path(feed_token(world.customers_a[Role.VIEWER])))
    body = response.get_data(as_text=True)
    assert CANARY not in body and CANARY not in str(response.headers)
    assert "Globex" not in body
    assert f"next-update-{world.escalation_b.id}@" not in body


def test_a_moved_milestone_keeps_its_event(client, world, feed_token, as_staff):
    """A calendar app updates the event when the milestone moves, instead of adding one."""
    token = feed_token(world.customers_a[Role.VIEWER])
    before = _events(client, token)
    with as_staff() as session:
        milestone = session.query(Milestone).filter_by(
            escalation_id=world.escalation_a.id, title="Root cause confirmed").one()
        new_due = now() + timedelta(days=2)
        edit_milestone(milestone, actor=session.merge(world.staff[Role.AGENT]),
                       title="Root cause confirmed", due_at=new_due,
                       visibility=Visibility.CUSTOMER)
        uid = f"milestone-{milestone.id}@clearpath.feeds"
    after = _events(client, token)
    assert set(after) == set(before)
    assert _start(after[uid]) == new_due.astimezone(UTC).replace(microsecond=0)
    assert after[uid].decoded("LAST-MODIFIED") >= before[uid].decoded("LAST-MODIFIED")


def test_a_promise_moves_with_a_new_update(client, world, feed_token, as_staff):
    """A new "next update by" moves the same event; a status change keeps it where the SLA
    clock says (the cadence does not pause while we wait on the customer)."""
    token = feed_token(world.customers_a[Role.VIEWER])
    uid = f"next-update-{world.escalation_a.id}@clearpath.feeds"
    promised = (now() + timedelta(hours=5)).replace(microsecond=0)
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                        body="Patch is building.", next_update_by=promised)
    assert _start(_events(client, token)[uid]) == promised
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.WAITING_ON_CUSTOMER):
            ops.change_status(escalation, status, actor=agent)
        due = clocks_for(escalation).next_update.due_at
    assert _start(_events(client, token)[uid]) == due.replace(microsecond=0)


def test_a_resolved_escalation_leaves_the_calendar(client, world, feed_token, as_staff):
    """Only open escalations have promises and milestones in the calendar."""
    token = feed_token(world.customers_a[Role.VIEWER])
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.CONTAINED):
            ops.change_status(escalation, status, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent,
                          resolution_summary="Rotated the certificate.")
    assert _events(client, token) == {}
