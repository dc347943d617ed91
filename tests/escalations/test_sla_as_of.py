"""Clocks as of any instant use only what had happened by then (DESIGN.md "SLA clocks,
exactly"), and only a person's update keeps the promise to the customer. Each case also runs
through `flask sla show --at … --json`, which audits "what did the customer see at T"."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from portal.clock import frozen_at
from portal.enums import OPEN_STATUSES, Role, Status, Visibility
from portal.escalations import operations as ops
from portal.escalations.clocks import clocks_as_of, clocks_for
from portal.escalations.dashboard import DashboardQuery, load_rows
from portal.escalations.models import Escalation
from portal.escalations.operations.common import senior_threshold
from tests import factories

DAY = datetime(2026, 5, 4, tzinfo=UTC)  # a Monday; the factory plan is 24x7 in UTC


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


@pytest.fixture
def people(staff_session):
    org = factories.make_organization()
    return org, factories.make_staff(Role.AGENT), factories.make_staff(Role.ESCALATION_MANAGER)


def _open(org, agent, severity=3):
    with frozen_at(at(10)):
        return factories.make_escalation(org, actor=agent, severity=severity)


def _show(runner, escalation, instant) -> dict:
    result = runner.invoke(args=["sla", "show", escalation.reference, "--at",
                                 instant.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["escalations"][0]


def test_the_severity_in_force_at_t_sets_the_targets(staff_session, runner, people):
    """A Sev 3 opened at 10:00 and raised to Sev 1 at 13:00 reads, as of 10:30, as a Sev 3
    whose four-hour acknowledge clock is on track — not as a breached Sev 1."""
    org, agent, _ = people
    escalation = _open(org, agent, severity=3)
    with frozen_at(at(13)):
        ops.change_severity(escalation, 1, actor=agent, reason="Every payment fails now.")
    staff_session.flush()
    then = clocks_as_of(escalation, at(10, 30)).acknowledge
    assert then.target == timedelta(minutes=240) and then.state == "on_track"
    row = _show(runner, escalation, at(10, 30))
    assert row["severity"] == 3
    assert row["clocks"]["acknowledge"]["state"] == "on_track"
    assert row["clocks"]["acknowledge"]["target_minutes"] == 240
    assert row["next_update"]["target_minutes"] == 1440
    later = _show(runner, escalation, at(13, 5))
    assert later["severity"] == 1 and later["clocks"]["acknowledge"]["state"] == "breached"


def test_an_update_posted_after_t_does_not_count_at_t(staff_session, runner, people):
    """The next-update clock at 11:00 runs from the opening, although at 12:00 an update
    promised the next one by 13:00; from 12:00 on, the commitment is what counts."""
    org, agent, _ = people
    escalation = _open(org, agent, severity=2)  # cadence 240 minutes
    with frozen_at(at(12)):
        ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                        body="We found the cause.", next_update_by=at(13))
    staff_session.flush()
    before = clocks_as_of(escalation, at(11)).next_update
    assert (before.due_at, before.basis) == (at(14), "cadence")
    after = clocks_as_of(escalation, at(12, 30)).next_update
    assert (after.due_at, after.basis) == (at(13), "commitment")
    row = _show(runner, escalation, at(11))
    assert row["next_update"]["due_at"] == at(14).isoformat()
    assert row["next_update"]["basis"] == "cadence"


def test_an_instant_in_an_earlier_resolved_period_reads_met(staff_session, runner, people):
    """Resolved at 11:00 and reopened at 12:00: at 11:30 the resolve clock had stopped (met)
    and no next update was owed; after the reopen it runs again, without the resolved hour."""
    org, agent, _ = people
    escalation = _open(org, agent, severity=2)
    for hour, status, extra in ((10.25, Status.ACKNOWLEDGED, {}),
                                (10.5, Status.INVESTIGATING, {}),
                                (11, Status.RESOLVED, {"resolution_summary": "Patched."}),
                                (12, Status.INVESTIGATING, {"reason": "It came back."})):
        with frozen_at(DAY + timedelta(hours=hour)):
            ops.change_status(escalation, status, actor=agent, **extra)
    staff_session.flush()
    then = clocks_as_of(escalation, at(11, 30))
    assert then.resolve.state == "met" and then.resolve.stopped_at == at(11)
    assert then.resolve.paused_since is None and then.next_update is None
    row = _show(runner, escalation, at(11, 30))
    assert row["status"] == "resolved"
    assert row["clocks"]["resolve"]["state"] == "met" and row["next_update"] is None
    now_clocks = clocks_as_of(escalation, at(13))
    assert now_clocks.resolve.is_running
    assert now_clocks.resolve.elapsed == timedelta(hours=2)  # 10–11 and 12–13


def test_system_entries_never_move_the_promise_later(staff_session, people):
    """A handoff, a tier change, a severity change and a milestone leave the next update where
    a person's update put it; a status change with staff's note restarts the cadence."""
    org, agent, manager = people
    escalation = _open(org, agent, severity=2)  # cadence 240 minutes
    with frozen_at(at(11, 15)):
        ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                        body="We are on it.")
    promised = at(15, 15)
    assert clocks_for(escalation, at=at(11, 16)).next_update.due_at == promised
    with frozen_at(at(12, 29)):
        ops.transfer_ownership(escalation, manager, actor=agent,
                               template=factories.handoff_template())
        ops.change_tier(escalation, escalation.tier.__class__("L2"), actor=agent,
                        reason="Needs the payments team")
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        milestone = ops.add_milestone(escalation, actor=agent, title="Fix deployed",
                                      due_at=at(18))
        ops.complete_milestone(milestone, actor=agent)
    with frozen_at(at(12, 40)):
        ops.change_severity(escalation, 3, actor=agent, reason="A workaround holds.")
    staff_session.flush()
    # Sev 3's cadence is 1440 minutes; the promise still runs from the 11:15 update.
    assert clocks_for(escalation, at=at(12, 45)).next_update.due_at == at(11, 15) + timedelta(
        minutes=1440)
    assert escalation.last_customer_update_at == at(11, 15)
    with frozen_at(at(12, 50)):
        ops.change_severity(escalation, 2, actor=agent, reason="The workaround failed.")
    staff_session.flush()
    assert clocks_for(escalation, at=at(12, 55)).next_update.due_at == promised
    with frozen_at(at(13)):
        ops.change_status(escalation, Status.INVESTIGATING, actor=agent,
                          reason="We are testing a fix on your account now.")
    assert clocks_for(escalation, at=at(13, 1)).next_update.due_at == at(17)


def test_an_automatic_tier_line_is_never_the_latest_update(staff_session, people):
    """A Sev 1 whose only timeline entry is the automatic senior-involvement line shows no
    "Latest update", and its next update still runs from the opening."""
    org, agent, _ = people
    with frozen_at(at(10)):
        escalation = factories.make_escalation(org, actor=agent, severity=1, users_affected=5000,
                                               core_operations_blocked=True)
    staff_session.flush()
    assert escalation.priority_score >= senior_threshold()
    assert escalation.tier.value == "Management"
    (row,) = load_rows(org.id, DashboardQuery(), at=at(10, 5))
    assert row.latest_update is None
    assert row.clocks.next_update.due_at == at(11)  # Sev 1 cadence: 60 minutes from opening
    assert staff_session.get(Escalation, escalation.id).last_customer_update_at is None


def test_the_dashboard_reads_the_clocks_the_escalation_page_does(staff_session, people):
    """The dashboard's one-statement page (histories as JSON, terms joined) gives every row
    exactly the clocks `clocks_for` gives from the models: paused and resumed, reopened,
    changes in the same instant, a business-hours plan in another zone."""
    org = factories.make_organization(
        timezone="America/Chicago",
        policy=factories.make_policy(business_hours={str(d): [["09:00", "18:00"]]
                                                     for d in range(5)}))
    _, agent, _ = people
    escalations = []  # in Chicago's business hours (14:00-23:00 UTC), where pauses count
    for severity in (1, 2, 3, 4):
        with frozen_at(at(15, severity)):
            escalations.append(factories.make_escalation(org, actor=agent, severity=severity))
    waiting, reopened, busy, quiet = escalations
    with frozen_at(at(16)):
        for escalation in (waiting, reopened, busy):
            ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(waiting, Status.WAITING_ON_CUSTOMER, actor=agent, reason="Logs?")
        ops.post_update(busy, author=agent, body="Looking.", visibility=Visibility.CUSTOMER,
                        next_update_by=at(20))
    with frozen_at(at(17, 30)):
        ops.change_status(waiting, Status.INVESTIGATING, actor=agent)
        ops.change_status(reopened, Status.INVESTIGATING, actor=agent)
        ops.change_status(reopened, Status.RESOLVED, actor=agent, resolution_summary="Fixed.")
        ops.change_status(busy, Status.WAITING_ON_CUSTOMER, actor=agent, reason="Which one?")
    with frozen_at(at(19)):
        ops.change_status(waiting, Status.WAITING_ON_CUSTOMER, actor=agent, reason="Again?")
        ops.change_status(reopened, Status.INVESTIGATING, actor=agent, reason="It is back.")
    staff_session.flush()
    rows = load_rows(org.id, DashboardQuery(sort="oldest"), at=at(21, 7))
    assert [row.escalation.id for row in rows] == [e.id for e in escalations
                                                   if e.status in OPEN_STATUSES]
    for row in rows:
        escalation = staff_session.get(Escalation, row.escalation.id)
        assert row.clocks == clocks_for(escalation, at=at(21, 7)), escalation.severity
    assert any(row.clocks.resolve.paused_since for row in rows)
