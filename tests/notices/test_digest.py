"""Daily digests: held updates for digest readers, executives' open escalations, the managers'
queue — once a day, from about 08:00 in each reader's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.clock import frozen_at, now
from portal.enums import NotificationPreference, Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.notices.models import Notice, NoticeStatus
from portal.outreach import dispatch
from portal.outreach.digest import queue_daily_digests
from tests.factories import CANARY


def _tomorrow_utc(hour: int, minute: int = 0) -> datetime:
    day = (now() + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _digest_reader_with_updates(as_staff, world):
    with as_staff() as session:
        viewer = session.merge(world.customers_a[Role.VIEWER])
        ops.set_notification_preference(viewer, NotificationPreference.DIGEST)
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        for body in ("First digest update", "Second digest update"):
            ops.post_update(escalation, author=agent, body=body, visibility=Visibility.CUSTOMER)
        ops.post_update(escalation, author=agent, body=f"{CANARY} internal",
                        visibility=Visibility.INTERNAL)
        held = session.scalars(select(Notice).where(Notice.digest.is_(True))).all()
        assert {n.recipient_user_id for n in held} == {viewer.id} and len(held) == 2
    return world.customers_a[Role.VIEWER]


def test_each_reader_gets_each_digest_once_a_day(as_staff, world, smtp_server):
    """At 08:30 in Berlin: the digest reader, both executives and the manager, once each."""
    viewer = _digest_reader_with_updates(as_staff, world)
    at = _tomorrow_utc(7, 30)  # 08:30 in Berlin; 02:30 in New York; 07:30 UTC for staff
    with frozen_at(at), as_staff() as session:
        assert queue_daily_digests() == 2
        day = at.date().isoformat()
        keys = sorted(session.scalars(select(Notice.key).where(Notice.event == "digest")))
        assert keys == sorted([f"digest:updates:{viewer.id}:{day}",
                               f"digest:executive:{world.customers_a[Role.EXECUTIVE].id}:{day}"])
        assert queue_daily_digests() == 0
    with frozen_at(_tomorrow_utc(13)), as_staff() as session:  # 08:00 in New York
        assert queue_daily_digests() == 2  # Globex's executive, and the manager (UTC)
        assert queue_daily_digests() == 0
        assert dispatch.dispatch_all().sent == 4 + 4  # and the updates to the two others
        assert session.scalars(select(Notice).where(
            Notice.digest.is_(True), Notice.status != NoticeStatus.SENT)).all() == []
    mail = {m["To"]: m for m in smtp_server.mailbox.messages if "[ESC-" not in m["Subject"]}
    digest = mail[viewer.email]
    text = digest.get_body(("plain",)).get_content()
    assert digest["Subject"] == "Your daily digest: 2 updates"
    assert "First digest update" in text and "Second digest update" in text
    assert CANARY not in digest.as_string()
    executive = mail[world.customers_a[Role.EXECUTIVE].email]
    assert world.escalation_a.reference in executive.get_body(("plain",)).get_content()
    assert world.escalation_b.reference not in executive.as_string()
    manager = mail[world.staff[Role.ESCALATION_MANAGER].email]
    assert manager["Subject"].startswith("Daily queue: ")
    with frozen_at(_tomorrow_utc(23)), as_staff():
        assert queue_daily_digests() == 0  # still the same local day for everyone


def test_nothing_goes_before_the_local_digest_hour(as_staff, world):
    """At 06:30 (07:30 in summer) in Berlin nobody's digest is due yet."""
    _digest_reader_with_updates(as_staff, world)
    with frozen_at(_tomorrow_utc(5, 30)), as_staff():
        assert queue_daily_digests() == 0


def test_the_queue_digest_counts_breaches_from_stored_due_instants(as_staff, world):
    """Two days on, both unacknowledged Sev 2 escalations have breached."""
    from portal.outreach.digest import queue_state

    with frozen_at(now() + timedelta(days=2)), as_staff():
        state = queue_state(now())
    assert state["open"] == 2 and state["breached"] == 2 and len(state["urgent"]) == 2
    with as_staff():
        fresh = queue_state(now())
    assert fresh["breached"] == 0


def test_a_sweep_that_loses_the_digest_row_to_another_scheduler_keeps_the_updates_held(
        as_staff, world):
    """Another scheduler queued the reader's digest with only the first update, between this
    sweep's read and its insert: the second update stays held for the next digest."""
    from sqlalchemy import event

    from portal.notices.outbox import email_row, insert_returning_keys
    from portal.outreach.digest import digest_key

    viewer = _digest_reader_with_updates(as_staff, world)
    at = _tomorrow_utc(7, 30)  # 08:30 in Berlin
    with frozen_at(at), as_staff() as session:
        first, second = session.scalars(select(Notice).where(Notice.digest.is_(True))
                                        .order_by(Notice.id)).all()
        key = digest_key("updates", viewer.id, at.date())
        rival_done = []

        @event.listens_for(session, "do_orm_execute")
        def the_other_scheduler_commits_first(state):
            if state.is_insert and not rival_done:  # this sweep's INSERT is about to run
                rival_done.append(True)
                assert insert_returning_keys([email_row(
                    key=key, event="digest", user_id=viewer.id, email=viewer.email,
                    organization_id=viewer.organization_id, template="daily_digest",
                    context={"kind": "updates",
                             "update_ids": [first.context["update_id"]]})]) == {key}
                first.status = NoticeStatus.SENT  # it carries the first update

        queue_daily_digests()
        event.remove(session, "do_orm_execute", the_other_scheduler_commits_first)
        assert rival_done
        session.flush()
        session.expire_all()
        assert session.get(Notice, second.id).status == NoticeStatus.PENDING
        carried = session.scalars(select(Notice).where(Notice.key == key)).one()
        assert carried.context["update_ids"] == [first.context["update_id"]]
