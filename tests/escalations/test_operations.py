"""Operations change state, stamp the lifecycle, and write their audit events together."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at, now
from portal.enums import Role, Status, Tier, Visibility
from portal.escalations import operations as ops
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation, Handoff
from portal.escalations.workflow import IllegalTransition
from tests import factories


@pytest.fixture
def setup(staff_session):
    agent = factories.make_staff(Role.AGENT)
    other = factories.make_staff(Role.AGENT)
    org = factories.make_organization()
    escalation = factories.make_escalation(org, actor=agent, owner=agent, severity=1)
    return staff_session, agent, other, org, escalation


def _actions(session, escalation):
    return [e.action for e in session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "Escalation",
                                 AuditEvent.object_id == escalation.id).order_by(AuditEvent.id))]


def test_open_escalation_gets_a_reference_priority_and_audit(setup):
    """A new escalation has an ESC reference, a scored priority with breakdown, and a record."""
    session, agent, _, _, escalation = setup
    assert escalation.reference == f"ESC-{escalation.id + 1000}"
    assert Escalation.id_from_reference(escalation.reference) == escalation.id
    assert 0 < escalation.priority_score <= 100
    assert set(escalation.priority_breakdown) >= {"severity", "business_impact"}
    assert _actions(session, escalation) == ["escalation.opened"]


def test_open_escalation_needs_the_handoff_template(staff_session):
    """Without steps taken, the receiver would have to ask: refused."""
    agent = factories.make_staff()
    org = factories.make_organization()
    with pytest.raises(ops.OperationError) as refused:
        ops.open_escalation(org, actor=agent, title="x", severity=2,
                            trigger=factories.Trigger.SEVERITY,
                            handoff=factories.handoff_template(steps_taken="  "))
    assert refused.value.field == "steps_taken"


def test_status_walk_stamps_lifecycle_times(setup):
    """Acknowledging, containing, resolving and closing stamp their times; reopen clears."""
    session, agent, _, _, escalation = setup
    for target in (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.CONTAINED):
        ops.change_status(escalation, target, actor=agent)
    ops.change_status(escalation, Status.RESOLVED, actor=agent,
                      resolution_summary="Rolled back the bad deploy")
    ops.change_status(escalation, Status.CLOSED, actor=agent)
    assert escalation.acknowledged_at and escalation.contained_at and escalation.closed_at
    ops.change_status(escalation, Status.INVESTIGATING, actor=agent, reason="It came back")
    assert escalation.resolved_at is None and escalation.closed_at is None
    assert _actions(session, escalation)[-1] == "escalation.reopened"


def test_illegal_status_change_leaves_nothing_behind(setup):
    """A refused move writes no history, no timeline entry and no audit event."""
    session, agent, _, _, escalation = setup
    before = len(_actions(session, escalation)), len(escalation.status_history)
    with pytest.raises(IllegalTransition):
        ops.change_status(escalation, Status.CLOSED, actor=agent)
    assert (len(_actions(session, escalation)), len(escalation.status_history)) == before
    assert escalation.status == Status.NEW


def test_resolving_requires_a_summary(setup):
    """Customers are owed an explanation of the fix."""
    _, agent, _, _, escalation = setup
    for target in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        ops.change_status(escalation, target, actor=agent)
    with pytest.raises(ops.OperationError, match="resolved"):
        ops.change_status(escalation, Status.RESOLVED, actor=agent)


def test_handoff_stays_pending_until_the_receiver_acknowledges(setup):
    """Ownership moves at once, but the handoff is pending until the receiver confirms."""
    session, agent, other, _, escalation = setup
    handoff = ops.transfer_ownership(escalation, other, actor=agent,
                                     template=factories.handoff_template())
    assert escalation.owner_id == other.id and handoff.is_pending
    with pytest.raises(PermissionError):
        ops.acknowledge_handoff(handoff, actor=agent)
    ops.acknowledge_handoff(handoff, actor=other)
    assert not handoff.is_pending
    pending = session.scalars(select(Handoff).where(Handoff.acknowledged_at.is_(None))).all()
    assert handoff not in pending


def test_tier_change_needs_a_reason_and_lands_on_the_timeline(setup):
    """Escalating a tier records why, for the customer to see."""
    _, agent, _, _, escalation = setup
    with pytest.raises(ops.OperationError):
        ops.change_tier(escalation, Tier.L2, actor=agent, reason="")
    ops.change_tier(escalation, Tier.L2, actor=agent, reason="Needs database expertise")
    assert escalation.tier == Tier.L2


def test_severity_change_applies_new_targets_to_the_whole_history(setup):
    """Raising severity can turn an on-track clock into a breached one, as helpdesks do."""
    session, agent, _, org, _ = setup
    opened = now() - timedelta(hours=3)
    with frozen_at(opened):
        escalation = factories.make_escalation(org, actor=agent, severity=4)
    assert clocks_for(escalation).acknowledge.state == "on_track"
    ops.change_severity(escalation, 1, actor=agent, reason="Now blocking all orders")
    assert clocks_for(escalation).acknowledge.state == "breached"


def test_customer_update_commitment_drives_next_update(setup):
    """An explicit "next update by" wins over the cadence."""
    _, agent, _, _, escalation = setup
    promised = now() + timedelta(hours=5)
    ops.post_update(escalation, author=agent, body="Patch in testing",
                    visibility=Visibility.CUSTOMER, next_update_by=promised)
    next_update = clocks_for(escalation).next_update
    assert next_update.due_at == promised and next_update.basis == "commitment"


def test_internal_update_cannot_promise_the_customer_anything(setup):
    """A commitment on an internal note would never reach the customer: refused."""
    _, agent, _, _, escalation = setup
    with pytest.raises(ops.OperationError):
        ops.post_update(escalation, author=agent, body="note", visibility=Visibility.INTERNAL,
                        next_update_by=now() + timedelta(hours=1))


def test_customers_cannot_post_internal_notes(setup, staff_session):
    """A customer's comment is always customer-visible and on their own escalation."""
    _, _, _, org, escalation = setup
    customer = factories.make_customer(org)
    with pytest.raises(PermissionError):
        ops.post_update(escalation, author=customer, body="hi", visibility=Visibility.INTERNAL)
    comment = ops.post_update(escalation, author=customer, body="Any news?",
                              visibility=Visibility.CUSTOMER)
    assert comment.kind == "customer_comment"


def test_audit_events_are_append_only(setup):
    """Nobody edits or deletes history."""
    session, _, _, _, escalation = setup
    event = session.scalars(select(AuditEvent)).first()
    event.action = "tampered"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()


def test_customer_comment_does_not_reset_the_next_update_clock(setup, staff_session):
    """A customer asking "any news?" does not push back what we promised them."""
    _, agent, _, org, escalation = setup
    promised = now() + timedelta(hours=1)
    ops.post_update(escalation, author=agent, body="Patch in testing",
                    visibility=Visibility.CUSTOMER, next_update_by=promised)
    customer = factories.make_customer(org)
    with frozen_at(now() + timedelta(minutes=5)):
        ops.post_update(escalation, author=customer, body="Any news?",
                        visibility=Visibility.CUSTOMER)
    assert clocks_for(escalation).next_update.due_at == promised
