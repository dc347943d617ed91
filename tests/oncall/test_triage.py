"""On-call triage, the job: a new escalation nobody owns goes to the person on call for the
team its rule names, with a handoff to acknowledge, the customer's ownership entry, an audit
event by "Triage" and an email; unacknowledged, it climbs to the next person, then the
manager, where it ends. Owners set by hand win; the job never does a step twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role, Status, Trigger, UpdateKind, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Handoff, Update
from portal.notices.models import Notice
from portal.oncall import triage
from portal.oncall.models import RosterOverride, RotationLength, Team, TeamMember
from portal.oncall.triage import triage_escalations
from portal.oncall.triage_models import EndedBecause, RoutingRule, TriageAssignment
from portal.oncall.triage_queries import seconds_to_assign, time_to_assign, triage_state
from portal.outreach.emails import render
from tests import factories
from tests.querycount import counted_queries

NIGHT = datetime(2026, 11, 30, 2, 10, tzinfo=UTC)  # Monday, 02:10 in London: the night shift
MINUTES = 15


def _run(at: datetime) -> dict:
    with frozen_at(at):
        return triage_escalations(at)


@pytest.fixture
def crew(world, staff_session):
    """A daily team in London (first, second, third on call; the escalation manager manages
    it) and one rule: Sev 2 or worse goes to it."""
    first = world.staff[Role.AGENT]
    second, third = factories.make_staff(), factories.make_staff()
    manager = world.staff[Role.ESCALATION_MANAGER]
    team = Team(name="Night desk", product_area="", timezone="Europe/London",
                rotation_length=RotationLength.DAILY, starts_on=date(2026, 11, 29),
                acknowledge_minutes=MINUTES, manager_id=manager.id,
                members=[TeamMember(user_id=u.id, position=n)
                         for n, u in enumerate((first, second, third))])
    staff_session.add(team)
    staff_session.flush()
    staff_session.add(RoutingRule(position=1, max_severity=2, team_id=team.id))
    staff_session.flush()
    return {"team": team, "manager": manager,
            # 29 Nov 09:00 begins member 1's day; so on the 30th at 02:10 it is still theirs.
            "on_call": first, "next": second, "third": third}


def _open(world, at=NIGHT, *, owner=None, severity=1, **kwargs) -> Escalation:
    with frozen_at(at):
        return ops.open_escalation(
            world.org_a, actor=None, title="Checkout down at night", severity=severity,
            trigger=Trigger.MONITORING_SIGNAL, handoff=factories.handoff_template(),
            owner=owner, **kwargs)


def _row(session, escalation) -> TriageAssignment:
    session.expire_all()
    return session.scalar(select(TriageAssignment).where(
        TriageAssignment.escalation_id == escalation.id))


def test_a_night_escalation_goes_to_the_person_on_call(world, staff_session, crew):
    """The job assigns it to the person on call through the ownership operation: a pending
    handoff from nobody, the customer's ownership entry, an audit event by Triage, an
    email to the person; the row says rule 1, step 0, due in the team's minutes."""
    escalation = _open(world)
    counts = _run(NIGHT + timedelta(minutes=1))
    assert counts["routed"] == 1
    row = _row(staff_session, escalation)
    person = crew["on_call"]
    assert (row.team_id, row.rule_number, row.step, row.assignee_id) == (
        crew["team"].id, 1, 0, person.id)
    assert row.due_at == NIGHT + timedelta(minutes=1 + MINUTES)
    assert escalation.owner_id == person.id
    handoff = staff_session.get(Handoff, row.handoff_id)
    assert handoff.from_user_id is None and handoff.acknowledged_at is None
    assert handoff.to_user_id == person.id
    entry = staff_session.scalar(select(Update).where(
        Update.escalation_id == escalation.id, Update.kind == UpdateKind.OWNERSHIP))
    assert entry.visibility == Visibility.CUSTOMER and person.name in entry.body
    event = staff_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "escalation.ownership_transferred",
        AuditEvent.object_id == escalation.id))
    assert event.actor_id is None and event.detail["acting_as"]["name"] == "Triage"
    routed = staff_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "oncall.triage_routed"))
    assert routed.detail["acting_as"]["name"] == "Triage" and routed.detail["rule"] == 1
    notice = staff_session.scalar(select(Notice).where(Notice.template == "oncall_triage"))
    assert notice.recipient_user_id == person.id and notice.escalation_id == escalation.id
    email = render(notice)
    assert email.subject == (f"[{escalation.reference}] Assigned to you: you are on call "
                             "for Night desk")
    assert "Acknowledge the handoff within 15 minutes" in email.text


def test_unacknowledged_it_goes_to_the_next_person_then_the_manager_and_ends(
        world, staff_session, crew):
    """After the team's minutes the next person in the rotation has it, then the manager;
    when the manager lets it lapse too, the ladder ends there (and says so)."""
    escalation = _open(world)
    _run(NIGHT)
    assert _run(NIGHT + timedelta(minutes=MINUTES - 1))["passed_on"] == 0
    assert _run(NIGHT + timedelta(minutes=MINUTES))["passed_on"] == 1
    row = _row(staff_session, escalation)
    assert (row.step, row.assignee_id, row.to_manager) == (1, crew["next"].id, False)
    assert escalation.owner_id == crew["next"].id
    _run(NIGHT + timedelta(minutes=2 * MINUTES))
    row = _row(staff_session, escalation)
    assert (row.step, row.assignee_id, row.to_manager) == (2, crew["manager"].id, True)
    assert _run(NIGHT + timedelta(minutes=3 * MINUTES))["ended"] == 1
    row = _row(staff_session, escalation)
    assert row.ended_because == EndedBecause.LADDER_DONE and row.assignee_id == crew[
        "manager"].id
    assert _run(NIGHT + timedelta(hours=2)) == {"acknowledged": 0, "overtaken": 0,
                                                "routed": 0, "unmatched": 0,
                                                "passed_on": 0, "ended": 0}
    notices = staff_session.scalars(select(Notice).where(
        Notice.template == "oncall_triage").order_by(Notice.id)).all()
    assert [n.recipient_user_id for n in notices] == [
        crew["on_call"].id, crew["next"].id, crew["manager"].id]
    assert "nobody acknowledged in 15 min" in render(notices[1]).subject
    assert "as the team's manager, it is yours now" in render(notices[2]).text
    handoffs = staff_session.scalar(select(func.count()).select_from(Handoff).where(
        Handoff.escalation_id == escalation.id))
    assert handoffs == 3


def test_an_acknowledgement_stops_the_ladder(world, staff_session, crew):
    """The person acknowledges in My handoffs' operation; the row follows it and nobody else
    is asked; the analytics' time to assign runs from opening to that acknowledgement."""
    escalation = _open(world)
    _run(NIGHT + timedelta(minutes=1))
    row = _row(staff_session, escalation)
    with frozen_at(NIGHT + timedelta(minutes=7)):
        ops.acknowledge_handoff(staff_session.get(Handoff, row.handoff_id),
                                actor=crew["on_call"])
    state = triage_state(escalation.id)
    assert state.acknowledged_at == NIGHT + timedelta(minutes=7)  # at once, on the page
    assert state.minutes_to_acknowledge == 6
    counts = _run(NIGHT + timedelta(minutes=30))
    assert counts["acknowledged"] == 1 and counts["passed_on"] == 0
    row = _row(staff_session, escalation)
    assert row.acknowledged_at == NIGHT + timedelta(minutes=7) and row.step == 0
    assert escalation.owner_id == crew["on_call"].id
    rows = staff_session.execute(time_to_assign(NIGHT - timedelta(days=1),
                                                NIGHT + timedelta(days=1))).all()
    assert [r.escalation_id for r in rows] == [escalation.id]
    assert seconds_to_assign(rows) == [7 * 60.0]


def test_owners_set_by_hand_are_left_alone(world, staff_session, crew):
    """Opened with an owner: never routed. Given an owner by hand before the job ran: never
    routed. Taken by hand while waiting for an acknowledgement: the ladder stops."""
    owned = _open(world, owner=crew["third"])
    taken = _open(world)
    with frozen_at(NIGHT):
        ops.transfer_ownership(taken, crew["third"], actor=crew["manager"],
                               template=factories.handoff_template())
    waiting = _open(world)
    _run(NIGHT + timedelta(minutes=1))
    assert _row(staff_session, owned) is None and _row(staff_session, taken) is None
    assert owned.owner_id == taken.owner_id == crew["third"].id
    with frozen_at(NIGHT + timedelta(minutes=5)):
        ops.transfer_ownership(waiting, crew["third"], actor=crew["manager"],
                               template=factories.handoff_template())
    counts = _run(NIGHT + timedelta(minutes=MINUTES + 5))
    assert counts["overtaken"] == 1 and counts["passed_on"] == 0
    assert _row(staff_session, waiting).ended_because == EndedBecause.OVERTAKEN
    assert waiting.owner_id == crew["third"].id


def test_escalations_no_rule_covers_wait_in_the_queue(world, staff_session, crew):
    """A Sev 3 matches no rule: nobody is assigned and no row is written."""
    escalation = _open(world, severity=3)
    assert _run(NIGHT)["unmatched"] == 1
    assert _row(staff_session, escalation) is None and escalation.owner_id is None


def test_nobody_on_call_and_no_manager_is_recorded(world, staff_session, crew):
    """A team with an empty rotation and no manager: routed, nobody assigned, and it says so."""
    empty = Team(name="Empty desk", product_area="Billing", timezone="UTC",
                 starts_on=date(2026, 11, 2))
    staff_session.add(empty)
    staff_session.flush()
    staff_session.add(RoutingRule(position=0, product_area="Billing", team_id=empty.id))
    staff_session.flush()
    escalation = _open(world, product_area="Billing")
    _run(NIGHT)
    row = _row(staff_session, escalation)
    assert row.ended_because == EndedBecause.NOBODY and row.assignee_id is None
    assert escalation.owner_id is None


def test_running_twice_never_does_a_step_twice(world, staff_session, crew):
    """Two runs at the same instant, routing or climbing: one row, one handoff, one email
    per step."""
    escalation = _open(world)
    _run(NIGHT)
    assert _run(NIGHT)["routed"] == 0
    late = NIGHT + timedelta(minutes=MINUTES)
    _run(late)
    assert _run(late)["passed_on"] == 0
    assert staff_session.scalar(select(func.count()).select_from(TriageAssignment)) == 1
    assert staff_session.scalar(select(func.count()).select_from(Handoff).where(
        Handoff.escalation_id == escalation.id)) == 2
    assert staff_session.scalar(select(func.count()).select_from(Notice).where(
        Notice.template == "oncall_triage")) == 2


def test_a_stale_step_is_not_taken_again(world, staff_session, crew):
    """A run that read the row before another run moved it up finds its claim refused (the
    conditional UPDATE on the step it read)."""
    escalation = _open(world)
    _run(NIGHT)
    row = _row(staff_session, escalation)
    late = NIGHT + timedelta(minutes=MINUTES)
    _run(late)  # another run: step 0 → 1
    stale = SimpleNamespace(id=row.id, step=0, team=row.team, to_manager=False,
                            assignee_id=crew["on_call"].id, escalation=escalation)
    with frozen_at(late):  # what the slower run had read: step 0, on call
        assert triage._climb(stale, {crew["next"].id, crew["third"].id, crew["manager"].id},
                             late) is False
    assert _row(staff_session, escalation).step == 1


def test_the_job_reads_the_same_statements_for_one_waiting_escalation_or_ten(
        world, staff_session, crew):
    """With nothing due, the job's statements do not grow with the escalations it watches."""
    _open(world)
    _run(NIGHT)
    quiet = NIGHT + timedelta(minutes=1)
    with counted_queries() as one:
        _run(quiet)
    for _ in range(9):
        _open(world)
    _run(NIGHT)
    with counted_queries() as ten:
        _run(quiet)
    assert staff_session.scalar(select(func.count()).select_from(TriageAssignment)) == 10
    assert len(ten) == len(one)


def test_one_escalation_has_one_triage_row(world, staff_session, crew):
    """The database itself refuses a second row for an escalation (a racing run's insert)."""
    escalation = _open(world)
    _run(NIGHT)
    row = _row(staff_session, escalation)
    with pytest.raises(IntegrityError), staff_session.begin_nested():
        staff_session.add(TriageAssignment(
            organization_id=row.organization_id, escalation_id=escalation.id,
            team_id=row.team_id, rule_number=1, routed_at=NIGHT))
        staff_session.flush()


def test_a_run_while_another_holds_the_lock_skips(database_url, world, staff_session, crew):
    """On PostgreSQL a second scheduler's run skips while the first one runs."""
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; the PostgreSQL pass of the suite runs this")
    _open(world)
    other = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                             poolclass=sa.pool.NullPool).connect()
    try:
        assert other.scalar(triage._TRY_LOCK) is True
        assert _run(NIGHT) == {"skipped": 1}
    finally:
        other.rollback()
        other.close()
    assert _run(NIGHT)["routed"] == 1


def test_a_resolved_escalation_stops_climbing(world, staff_session, crew):
    """Resolved before anyone acknowledged the handoff: nobody else is woken up for it."""
    escalation = _open(world)
    _run(NIGHT)
    with frozen_at(NIGHT + timedelta(minutes=5)):
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED):
            ops.change_status(escalation, status, actor=crew["manager"],
                              resolution_summary="The monitor was wrong.")
    counts = _run(NIGHT + timedelta(minutes=MINUTES))
    assert counts["overtaken"] == 1 and counts["passed_on"] == 0
    assert escalation.owner_id == crew["on_call"].id


def test_someone_covering_by_override_is_assigned(world, staff_session, crew):
    """The person on call by an override (from outside the rotation) gets it; when they let
    it lapse, the person they covered for is asked next."""
    staff_session.get(Team, crew["team"].id).starts_on = date(2026, 11, 28)  # 2nd's day
    cover = factories.make_staff()
    staff_session.add(RosterOverride(
        team_id=crew["team"].id, user_id=cover.id, starts_at=NIGHT - timedelta(hours=1),
        ends_at=NIGHT + timedelta(hours=8), reason="Swap", created_by_id=crew["manager"].id))
    staff_session.flush()
    escalation = _open(world)
    _run(NIGHT)
    assert _row(staff_session, escalation).assignee_id == cover.id
    _run(NIGHT + timedelta(minutes=MINUTES))
    assert _row(staff_session, escalation).assignee_id == crew["next"].id
