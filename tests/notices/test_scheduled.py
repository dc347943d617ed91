"""Scheduled proactive notices: the sweep, occurrences, and the console pages that manage them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at, now
from portal.enums import Role, Status
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.notices.models import Audience, Notice, ScheduledNotice, ScheduleStatus
from portal.outreach import dispatch
from portal.outreach.scheduled import queue_due_scheduled_notices, schedule_notice
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories import CANARY


def _schedule(session, world, **overrides) -> int:
    values = dict(subject="Status for {customer_name}",
                  body="Hello {recipient_name}, the next update is due {next_update_time}.",
                  audience=Audience.SUBSCRIBERS, first_send_at=now() + timedelta(minutes=5),
                  repeat_hours=None)
    values.update(overrides)
    schedule = schedule_notice(session.get(Escalation, world.escalation_a.id),
                               actor=session.merge(world.staff[Role.ACCOUNT_MANAGER]), **values)
    session.flush()
    return schedule.id


def _keys(session):
    return sorted(session.scalars(select(Notice.key).where(Notice.event == "scheduled")))


def test_a_due_one_off_notice_is_queued_once_per_subscriber_and_sent(as_staff, world,
                                                                     smtp_server):
    """At its time the notice goes to each customer once, personalised, with List-Unsubscribe."""
    with as_staff() as session:
        schedule_id = _schedule(session, world)
    with as_staff():
        assert queue_due_scheduled_notices() == 0  # not yet due
    with frozen_at(now() + timedelta(minutes=6)), as_staff() as session:
        assert queue_due_scheduled_notices() == 3
        assert queue_due_scheduled_notices() == 0
        customer_ids = sorted(u.id for u in world.customers_a.values())
        assert _keys(session) == sorted(f"scheduled:{schedule_id}:1:{uid}:email"
                                        for uid in customer_ids)
        assert session.get(ScheduledNotice, schedule_id).status == ScheduleStatus.FINISHED
        assert dispatch.dispatch_all().sent == 3
    messages = smtp_server.mailbox.messages
    assert {m["To"] for m in messages} == {u.email for u in world.customers_a.values()}
    for message in messages:
        text = message.get_body(("plain",)).get_content()
        assert message["Subject"] == f"[{world.escalation_a.reference}] Status for Acme Logistics"
        assert "{" not in text and "Hello Customer Person" in text
        assert message["List-Unsubscribe"].startswith("<http")
        assert CANARY not in message.as_string()


def test_a_recurring_notice_sends_only_the_latest_missed_occurrence(as_staff, world):
    """After ten hours of downtime an every-2-hours notice goes once, not five times."""
    start = now() + timedelta(minutes=1)
    with as_staff() as session:
        schedule_id = _schedule(session, world, first_send_at=start, repeat_hours=2,
                                audience=Audience.EXECUTIVES)
    with frozen_at(start + timedelta(hours=10, minutes=30)), as_staff() as session:
        assert queue_due_scheduled_notices() == 1  # one executive, one occurrence
        schedule = session.get(ScheduledNotice, schedule_id)
        assert schedule.occurrences == 1 and schedule.status == ScheduleStatus.ACTIVE
        assert schedule.next_send_at == start + timedelta(hours=12)
    with frozen_at(start + timedelta(hours=12)), as_staff() as session:
        assert queue_due_scheduled_notices() == 1
        executive = world.customers_a[Role.EXECUTIVE].id
        assert _keys(session) == [f"scheduled:{schedule_id}:1:{executive}:email",
                                  f"scheduled:{schedule_id}:2:{executive}:email"]


def test_a_recurring_notice_stops_when_the_escalation_resolves(as_staff, world):
    """Resolving the escalation finishes its repeating notices: nothing more is queued."""
    start = now() + timedelta(minutes=1)
    with as_staff() as session:
        schedule_id = _schedule(session, world, first_send_at=start, repeat_hours=1)
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED):
            ops.change_status(escalation, status, actor=agent,
                              resolution_summary="Patched" if status == Status.RESOLVED else "")
    with frozen_at(start + timedelta(hours=3)), as_staff() as session:
        assert queue_due_scheduled_notices() == 0
        assert session.get(ScheduledNotice, schedule_id).status == ScheduleStatus.FINISHED


def test_unsubscribed_customers_get_no_subscriber_notice(as_staff, world):
    """Someone who stopped following the escalation is not among its subscribers."""
    with as_staff() as session:
        viewer = session.merge(world.customers_a[Role.VIEWER])
        ops.set_subscription(session.get(Escalation, world.escalation_a.id), viewer,
                             subscribed=False)
        _schedule(session, world, first_send_at=now())
    with as_staff() as session:
        assert queue_due_scheduled_notices() == 2
        viewer_id = world.customers_a[Role.VIEWER].id
        assert not any(f":{viewer_id}:email" in key for key in _keys(session))


def _form(**overrides):
    data = {"subject": "Checkpoint for {customer_name}",
            "body": "Hi {recipient_name}: **still working** on {reference}.",
            "audience": "subscribers", "first_send_at": (now() + timedelta(days=1)).strftime(
                "%Y-%m-%dT%H:%M"), "repeat_hours": ""}
    data.update(overrides)
    return data


def _owned_by_manager(as_staff, world):
    with as_staff() as session:
        org = session.merge(world.org_a)
        org.account_manager_id = world.staff[Role.ACCOUNT_MANAGER].id


def test_an_account_manager_previews_then_schedules(client, auth, as_staff, world):
    """The first POST only previews (placeholders filled); scheduling needs that preview."""
    _owned_by_manager(as_staff, world)
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    url = f"/admin/escalations/{world.escalation_a.id}/scheduled/new"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    page = client.post(url, data=_form(csrf_token=token, preview="y"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Checkpoint for Acme Logistics" in html and "<strong>still working</strong>" in html
    assert "Hi Customer Person" in html and "3 recipients" in html
    with as_staff() as session:
        assert session.scalars(select(ScheduledNotice)).all() == []
    previewed = html.split('name="previewed" type="hidden" value="')[1].split('"')[0]
    done = client.post(url, data=_form(csrf_token=token, schedule="y", previewed=previewed))
    assert done.status_code == 302
    with as_staff() as session:
        schedule = session.scalars(select(ScheduledNotice)).one()
        assert schedule.subject == "Checkpoint for {customer_name}"
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "ScheduledNotice")).all() == ["scheduled_notice.created"]
    tab = client.get(f"/admin/escalations/{world.escalation_a.id}/delivery")
    assert "Checkpoint for {customer_name}" in tab.get_data(as_text=True)


def test_scheduling_without_a_matching_preview_shows_the_preview(client, auth, as_staff, world):
    """Changed text after the preview is previewed again, not scheduled blind."""
    _owned_by_manager(as_staff, world)
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    url = f"/admin/escalations/{world.escalation_a.id}/scheduled/new"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    page = client.post(url, data=_form(csrf_token=token, schedule="y", previewed="stale"))
    assert page.status_code == 200 and "changed since its last preview" in page.get_data(
        as_text=True)
    with as_staff() as session:
        assert session.scalars(select(ScheduledNotice)).all() == []


def test_an_unknown_placeholder_is_refused_beside_its_field(client, auth, as_staff, world):
    """A typo in a placeholder answers 422 with the message at the field; nothing is saved."""
    _owned_by_manager(as_staff, world)
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    url = f"/admin/escalations/{world.escalation_a.id}/scheduled/new"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    page = client.post(url, data=_form(csrf_token=token, preview="y", body="Hi {custmer}"))
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="body-error"' in html and "Unknown placeholder: {custmer}" in html


def test_edit_and_cancel_are_audited(client, auth, as_staff, world):
    """Editing records before/after; cancelling stops the schedule and says so."""
    _owned_by_manager(as_staff, world)
    with as_staff() as session:
        schedule_id = _schedule(session, world, repeat_hours=4)
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    url = f"/admin/scheduled/{schedule_id}/edit"
    html = client.get(url).get_data(as_text=True)
    token = csrf_token_from(html)
    with as_staff() as session:
        first = session.get(ScheduledNotice, schedule_id).first_send_at
        zone = session.merge(world.staff[Role.ACCOUNT_MANAGER]).zone
        local = first.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    form = _form(csrf_token=token, first_send_at=local, repeat_hours="6",
                 subject="Status for {customer_name}")
    preview = client.post(url, data=dict(form, preview="y")).get_data(as_text=True)
    previewed = preview.split('name="previewed" type="hidden" value="')[1].split('"')[0]
    assert client.post(url, data=dict(form, schedule="y", previewed=previewed)).status_code == 302
    assert client.post(f"/admin/scheduled/{schedule_id}/cancel",
                       data={"csrf_token": token}).status_code == 302
    with as_staff() as session:
        schedule = session.get(ScheduledNotice, schedule_id)
        assert schedule.status == ScheduleStatus.CANCELLED and schedule.repeat_hours == 6
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "ScheduledNotice").order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["scheduled_notice.created",
                                              "scheduled_notice.edited",
                                              "scheduled_notice.cancelled"]
        assert events[1].detail["before"]["repeat_hours"] == 4
        assert events[1].detail["after"]["repeat_hours"] == 6
    with frozen_at(now() + timedelta(days=3)), as_staff():
        assert queue_due_scheduled_notices() == 0


def test_who_may_schedule(client, auth, as_staff, world):
    """Agents cannot schedule; account managers only on their own accounts."""
    with as_staff() as session:
        factories.detach_account_manager(session, world)
    url = f"/admin/escalations/{world.escalation_a.id}/scheduled/new"
    auth.login(world.staff[Role.AGENT].email)
    assert client.get(url).status_code == 403
    auth.logout("/admin/")
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    assert client.get(url).status_code == 403  # not their account
    _owned_by_manager(as_staff, world)
    assert client.get(url).status_code == 200
    assert client.get("/admin/scheduled").status_code == 200


def test_the_global_list_shows_active_schedules_in_few_queries(client, auth, as_staff, world,
                                                               count_queries):
    """The list's query count does not grow with the number of schedules."""
    with as_staff() as session:
        for n in range(3):
            _schedule(session, world, subject=f"Notice {n}")
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    client.get("/admin/scheduled")
    with count_queries() as few:
        html = client.get("/admin/scheduled").get_data(as_text=True)
    with as_staff() as session:
        for n in range(3, 10):
            _schedule(session, world, subject=f"Notice {n}")
    with count_queries() as many:
        html = client.get("/admin/scheduled").get_data(as_text=True)
    assert "Notice 9" in html and len(many) == len(few)
