"""Stored SLA due instants follow the pure clocks through every input change."""

from datetime import timedelta

from portal.clock import frozen_at, now
from portal.enums import Status, Visibility
from portal.escalations import operations as ops
from portal.escalations.clocks import clocks_for
from tests.factories import make_escalation, make_organization, make_staff


def _stored(escalation):
    return (escalation.ack_due_at, escalation.ack_at_risk_at, escalation.resolve_due_at,
            escalation.resolve_at_risk_at, escalation.next_update_due_at)


def test_due_instants_match_the_clocks_and_pause_while_waiting(as_staff):
    start = now().replace(microsecond=0)
    with as_staff():
        with frozen_at(start):
            agent = make_staff()
            escalation = make_escalation(make_organization(), actor=agent, severity=1)
            # 24x7 Sev 1: acknowledge 15 min, resolve 240 min (tests/factories.make_policy).
            assert escalation.ack_due_at == start + timedelta(minutes=15)
            assert escalation.ack_at_risk_at == start + timedelta(minutes=15 * 0.75)
            assert escalation.resolve_due_at == start + timedelta(minutes=240)
            assert escalation.resolve_at_risk_at == start + timedelta(minutes=180)
            assert escalation.next_update_due_at == clocks_for(escalation).next_update.due_at

        with frozen_at(start + timedelta(minutes=10)):
            ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
            assert escalation.ack_due_at is None and escalation.ack_at_risk_at is None
            ops.change_status(escalation, Status.WAITING_ON_CUSTOMER, actor=agent)
            assert escalation.resolve_due_at is None  # paused: nothing is due
        with frozen_at(start + timedelta(minutes=70)):
            ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
            # Paused for 60 minutes: the resolve target moves by as much.
            assert escalation.resolve_due_at == start + timedelta(minutes=300)
            ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER, body="Hi",
                            next_update_by=now() + timedelta(minutes=45))
            assert escalation.next_update_due_at == now() + timedelta(minutes=45)
            ops.change_status(escalation, Status.RESOLVED, actor=agent,
                              resolution_summary="Patched the checkout service.")
            assert _stored(escalation) == (None,) * 5


def test_a_milestone_reached_keeps_the_promised_next_update(as_staff):
    """The automatic "Milestone reached" entry is customer-visible but not a written update:
    the next-update time customers were promised stays where it was."""
    start = now().replace(microsecond=0)
    with as_staff(), frozen_at(start):
        agent = make_staff()
        escalation = make_escalation(make_organization(), actor=agent, severity=2)
        promised = start + timedelta(hours=20)
        ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER, body="Hi",
                        next_update_by=promised)
        milestone = ops.add_milestone(escalation, actor=agent, title="Patch built",
                                      due_at=start + timedelta(hours=2))
        ops.complete_milestone(milestone, actor=agent)
        assert escalation.next_update_due_at == promised
        assert clocks_for(escalation).next_update.due_at == promised
