"""The scheduler plays a drill's script at its minutes (a controlled clock): nothing early,
each event once however often or however many schedulers sweep, nothing after the drill
ended; resolving the escalation ends the drill; only participants hear of it."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.clock import frozen_at
from portal.config import TestConfig, settings_of
from portal.drills import operations as drills
from portal.drills.jobs import run_drills
from portal.drills.models import Drill, DrillInjection, DrillScenario
from portal.enums import Role, Status, UpdateKind, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Update
from portal.escalations.operations.tiers import route_for_senior_involvement
from portal.extensions import db
from portal.notices.models import Notice
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.drills.conftest import SCRIPT, START, scenario_settings
from tests.pgschema import own_schema


def _injected(session, drill_id) -> list[tuple[int, bool]]:
    return [(i.minute, i.injected_at is not None) for i in session.scalars(
        select(DrillInjection).where(DrillInjection.drill_id == drill_id)
        .order_by(DrillInjection.position))]


def test_events_arrive_at_their_minutes_and_once(world, as_staff, start_drill):
    """Minute 1: nothing; minute 2: the customer's comment; minute 9: the rest — each
    entry on the timeline once, however many sweeps run."""
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=1, seconds=59)), as_staff() as session:
        assert run_drills() == 0
        assert _injected(session, drill_id) == [(2, False), (5, False), (9, False)]
    with frozen_at(START + timedelta(minutes=2)), as_staff() as session:
        assert run_drills() == 1
        assert run_drills() == 0
        comment = session.scalar(select(Update).where(
            Update.escalation_id == escalation_id, Update.kind == UpdateKind.CUSTOMER_COMMENT))
        assert comment.body == SCRIPT[0]["text"] and comment.created_at == START + timedelta(
            minutes=2)
        assert comment.visibility == Visibility.CUSTOMER and comment.author_id is None
    with frozen_at(START + timedelta(minutes=30)), as_staff() as session:
        assert run_drills() == 2
        assert run_drills() == 0
        assert _injected(session, drill_id) == [(2, True), (5, True), (9, True)]
        escalation = session.get(Escalation, escalation_id)
        assert escalation.severity == 2  # raised by the customer, from Sev 3
        alert = session.scalar(select(Update).where(
            Update.escalation_id == escalation_id, Update.body.contains("Monitoring alert")))
        assert alert.visibility == Visibility.INTERNAL
        injections = session.scalars(select(DrillInjection).where(
            DrillInjection.drill_id == drill_id)).all()
        assert all(i.update_id for i in injections if i.kind.value != "severity_raised")


def test_a_claimed_event_is_not_injected_again(world, as_staff, start_drill):
    """Asking to inject an event someone already injected does nothing and says so."""
    drill_id, _ = start_drill()
    with frozen_at(START + timedelta(minutes=3)), as_staff() as session:
        first = session.scalar(select(DrillInjection.id).where(
            DrillInjection.drill_id == drill_id, DrillInjection.minute == 2))
        assert drills.inject(first) is True
        assert drills.inject(first) is False
        count = len(session.scalars(select(Update).join(
            Drill, Drill.escalation_id == Update.escalation_id).where(
            Drill.id == drill_id, Update.kind == UpdateKind.CUSTOMER_COMMENT)).all())
        assert count == 1


def test_an_ended_drill_injects_nothing_more(world, as_staff, start_drill):
    """Events still to come when the drill ends are never played."""
    drill_id, _ = start_drill()
    with frozen_at(START + timedelta(minutes=3)), as_staff() as session:
        run_drills()
        drills.end_drill(session.get(Drill, drill_id),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
    with frozen_at(START + timedelta(hours=1)), as_staff() as session:
        assert run_drills() == 0
        assert _injected(session, drill_id) == [(2, True), (5, False), (9, False)]


def test_resolving_the_escalation_ends_the_drill_and_closes_it(world, as_staff, start_drill):
    """The owner resolves the drill's escalation; the next sweep scores and closes it."""
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=4)), as_staff() as session:
        agent = session.merge(world.staff[Role.AGENT])
        escalation = session.get(Escalation, escalation_id)
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
            ops.change_status(escalation, status, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent,
                          resolution_summary="Rolled back the release.")
    with frozen_at(START + timedelta(minutes=5)), as_staff() as session:
        run_drills()
        drill = session.get(Drill, drill_id)
        assert drill.ended_at == START + timedelta(minutes=5)
        assert drill.end_reason == "resolved" and drill.ended_by_id is None
        assert drill.ack_seconds == 4 * 60
        assert session.get(Escalation, escalation_id).status == Status.CLOSED


def test_ending_closes_an_open_drill_through_the_workflow(world, as_staff, start_drill):
    """Ending a drill still new walks it to closed with internal entries only."""
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=1)), as_staff() as session:
        drills.end_drill(session.get(Drill, drill_id),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
        escalation = session.get(Escalation, escalation_id)
        assert escalation.status == Status.CLOSED
        entries = session.scalars(select(Update).where(
            Update.escalation_id == escalation_id,
            Update.kind == UpdateKind.STATUS_CHANGE)).all()
        assert entries and all(e.visibility == Visibility.INTERNAL for e in entries)


def test_only_participants_hear_of_a_drill(world, as_staff, start_drill):
    """Senior routing mails the escalation managers — of a drill, only those taking part;
    no customer notice is ever queued for it."""
    with as_staff() as session:
        outsider = factories.make_staff(Role.ESCALATION_MANAGER)
        session.flush()
        outsider_id = outsider.id
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=30)), as_staff() as session:
        run_drills()
        agent = session.merge(world.staff[Role.AGENT])
        escalation = session.get(Escalation, escalation_id)
        assert route_for_senior_involvement(escalation, threshold=0, actor=agent)
        ops.post_update(escalation, author=agent, body="Drafted for the customer.",
                        visibility=Visibility.CUSTOMER)
        session.flush()
        participants = {p.user_id for p in session.get(Drill, drill_id).participants}
        notices = session.scalars(select(Notice).where(
            Notice.escalation_id == escalation_id)).all()
        assert {n.event for n in notices} >= {"priority_threshold", "customer_comment",
                                              "drill_started"}
        assert {n.recipient_user_id for n in notices} <= participants
        assert outsider_id not in {n.recipient_user_id for n in notices}
        assert all(n.channel.value == "email" for n in notices)
        assert participants == {world.staff[Role.AGENT].id,
                                world.staff[Role.ESCALATION_MANAGER].id}


def test_two_schedulers_at_once_inject_each_event_once(database_url, tmp_path):
    """Two sweeps running together on their own connections (committing for real): three
    events, three timeline entries, each claimed by exactly one of them."""
    with ExitStack() as stack:
        url = (stack.enter_context(own_schema(database_url, "drill_race"))
               if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'race.sqlite3'}")
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context():
            upgrade()
            set_scope(db.session(), Scope.unscoped("test setup"))
            world = factories.build_world()
            manager = world.staff[Role.ESCALATION_MANAGER]
            with frozen_at(START):
                scenario = drills.create_scenario(scenario_settings(world), actor=manager)
                db.session.flush()
                drill = drills.start_drill(db.session.get(DrillScenario, scenario.id),
                                           participants=[], owner=world.staff[Role.AGENT],
                                           actor=manager)
            db.session.commit()
            drill_id, escalation_id = drill.id, drill.escalation_id
            db.session.remove()
        barrier, results, errors = threading.Barrier(2), [], []

        def sweep():
            try:
                with app.app_context():
                    set_scope(db.session(), Scope.unscoped("test: a scheduler"))
                    barrier.wait(timeout=10)
                    results.append(run_drills())
                    db.session.remove()
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        # The clock is frozen once, here: frozen_at is process-wide, and two threads each
        # freezing and restoring it would leave it frozen for whatever runs next.
        with frozen_at(START + timedelta(minutes=30)):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert not errors, errors
        assert sum(results) == 3
        with app.app_context():
            set_scope(db.session(), Scope.unscoped("test check"))
            assert _injected(db.session, drill_id) == [(2, True), (5, True), (9, True)]
            entries = db.session.scalars(select(Update.body).where(
                Update.escalation_id == escalation_id, Update.author_id.is_(None),
                Update.kind.in_((UpdateKind.CUSTOMER_COMMENT, UpdateKind.NOTE)))).all()
            assert len(entries) == 2  # the comment and the alert; the severity moved once
            assert db.session.get(Escalation, escalation_id).severity == 2
            db.session.remove()
            db.engine.dispose()


def test_a_scheduled_notice_on_a_drill_reaches_no_customer(world, as_staff, start_drill):
    """A proactive notice scheduled on a drill falls due and queues nothing for customers
    (the bulk outbox insert keeps a drill's participants only)."""
    from portal.notices.models import Audience
    from portal.outreach.scheduled import queue_due_scheduled_notices, schedule_notice

    _, escalation_id = start_drill()
    with frozen_at(START + timedelta(minutes=1)), as_staff() as session:
        schedule_notice(session.get(Escalation, escalation_id),
                        actor=session.merge(world.staff[Role.ESCALATION_MANAGER]),
                        subject="Status for {customer_name}", body="Hello {recipient_name}.",
                        audience=Audience.SUBSCRIBERS,
                        first_send_at=START + timedelta(minutes=5), repeat_hours=None)
    with frozen_at(START + timedelta(minutes=6)), as_staff() as session:
        assert queue_due_scheduled_notices() == 0
        assert not session.scalars(select(Notice).where(
            Notice.escalation_id == escalation_id, Notice.event == "scheduled")).all()


def test_senior_routing_at_the_opening_tells_participants_only(world, as_staff, start_drill):
    """A drill whose score reaches the threshold at once is routed to Management as it opens;
    of the escalation managers, only those taking part are emailed."""
    from portal.escalations.priority import THRESHOLD_SETTING
    from portal.settings import set_setting

    with as_staff() as session:
        outsider = factories.make_staff(Role.ESCALATION_MANAGER)
        set_setting(THRESHOLD_SETTING[0], 0,
                    actor=session.merge(world.staff[Role.ADMINISTRATOR]))
        session.flush()
        outsider_id = outsider.id
    _, escalation_id = start_drill()
    with as_staff() as session:
        routed = session.scalars(select(Notice.recipient_user_id).where(
            Notice.escalation_id == escalation_id,
            Notice.event == "priority_threshold")).all()
        assert routed == [world.staff[Role.ESCALATION_MANAGER].id]
        assert outsider_id not in routed
