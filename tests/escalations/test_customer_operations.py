"""The operations behind what customers do: they validate, record, audit and notify."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at, now
from portal.enums import (
    NotificationPreference,
    Party,
    Role,
    Status,
    StepStatus,
    Tier,
    Trigger,
    UpdateKind,
    Visibility,
)
from portal.escalations import operations as ops
from portal.escalations.models import EscalationRequest, Subscription, Update
from portal.escalations.operations.customer import open_request_of
from portal.notices.models import Notice
from tests import factories


@pytest.fixture
def setup(staff_session):
    """An organization with two customers, a staff team and an escalation with a step the
    customer owns; plus another organization's customer."""
    world = factories.build_world()
    return staff_session, world


def _notice_recipients(session, event: str) -> set[str]:
    return set(session.scalars(select(Notice.recipient).where(Notice.key.startswith(event))))


def _audit(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _resolve(world, status=Status.RESOLVED):
    escalation, agent = world.escalation_a, world.staff[Role.AGENT]
    for step in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        ops.change_status(escalation, step, actor=agent)
    ops.change_status(escalation, Status.RESOLVED, actor=agent, resolution_summary="Fixed.")
    if status == Status.CLOSED:
        ops.change_status(escalation, Status.CLOSED, actor=agent)


# ----------------------------------------------------------------------------- comment

def test_comment_reaches_owner_and_communicator_not_colleagues(setup):
    """A customer's question lands on the timeline and in the owner's and communicator's
    inboxes, and nowhere else."""
    session, world = setup
    viewer = world.customers_a[Role.VIEWER]
    later = now() + timedelta(minutes=5)
    with frozen_at(later):
        update = ops.comment_on_escalation(world.escalation_a, author=viewer,
                                           body=" Is EU affected? ")
    assert (update.kind, update.visibility, update.body) == (
        UpdateKind.CUSTOMER_COMMENT, Visibility.CUSTOMER, "Is EU affected?")
    assert world.escalation_a.customer_changed_at == later
    recipients = _notice_recipients(session, f"customer_comment:{update.id}:")
    assert recipients == {world.staff[Role.AGENT].email,
                          world.staff[Role.ACCOUNT_MANAGER].email}
    assert not recipients & {c.email for c in world.customers_a.values()}
    assert [e.object_id for e in _audit(session, "update.posted")][-1] == update.id


def test_comment_refuses_empty_long_and_outsiders(setup):
    """Empty or overlong comments are refused by field; other organizations and staff cannot
    comment as customers."""
    _, world = setup
    with pytest.raises(ops.OperationError) as empty:
        ops.comment_on_escalation(world.escalation_a, author=world.customers_a[Role.VIEWER],
                                  body="  ")
    assert empty.value.field == "body"
    with pytest.raises(ops.OperationError):
        ops.comment_on_escalation(world.escalation_a, author=world.customers_a[Role.VIEWER],
                                  body="x" * 5001)
    for outsider in (world.customers_b[Role.VIEWER], world.staff[Role.AGENT]):
        with pytest.raises(PermissionError):
            ops.comment_on_escalation(world.escalation_a, author=outsider, body="hi")


# ------------------------------------------------------------------ escalation request

def test_request_escalation_records_a_customer_request_trigger(setup):
    """Asking for the next level leaves a request, a timeline entry, an audit event with the
    customer-request trigger, and notices for every active escalation manager (the owner hears
    through the timeline entry); the escalation keeps the trigger it was opened for."""
    session, world = setup
    escalation, viewer = world.escalation_a, world.customers_a[Role.VIEWER]
    idle_manager = factories.make_staff(Role.ESCALATION_MANAGER)
    idle_manager.active = False
    second_manager = factories.make_staff(Role.ESCALATION_MANAGER)
    request = ops.request_escalation(escalation, requested_by=viewer,
                                     reason="Orders failing for 3 h")
    assert (request.requested_by_id, request.reason, request.handled_at) == (
        viewer.id, "Orders failing for 3 h", None)
    assert escalation.trigger == Trigger.SEVERITY and escalation.tier == Tier.L1
    [event] = _audit(session, "escalation.escalation_requested")
    assert event.detail == {"trigger": "customer_request", "request_id": request.id,
                            "from_tier": "L1", "to_tier": "L2"}
    assert (event.actor_id, event.object_id) == (viewer.id, escalation.id)
    entry = session.scalars(select(Update).where(
        Update.body.startswith("Requested escalation"))).one()
    assert entry.body == "Requested escalation to the next level (L2): Orders failing for 3 h"
    assert entry.visibility == Visibility.CUSTOMER and entry.author_id == viewer.id
    assert _notice_recipients(session, f"escalation_request:{request.id}:") == {
        world.staff[Role.ESCALATION_MANAGER].email, second_manager.email}


def test_request_escalation_refusals(setup):
    """No empty reason, no second open request from the same person, nothing above
    Management, nothing once resolved; a handled request lets the person ask again."""
    session, world = setup
    escalation = world.escalation_a
    viewer, colleague = world.customers_a[Role.VIEWER], world.customers_a[Role.EXECUTIVE]
    with pytest.raises(ops.OperationError) as empty:
        ops.request_escalation(escalation, requested_by=viewer, reason=" ")
    assert empty.value.field == "reason"
    first = ops.request_escalation(escalation, requested_by=viewer, reason="Too slow")
    with pytest.raises(ops.OperationError, match="already asked"):
        ops.request_escalation(escalation, requested_by=viewer, reason="Still slow")
    ops.request_escalation(escalation, requested_by=colleague, reason="Agree, too slow")
    first.handled_at = now()
    ops.request_escalation(escalation, requested_by=viewer, reason="Slow again")
    assert session.query(EscalationRequest).count() == 3
    escalation.tier = Tier.MANAGEMENT
    with pytest.raises(ops.OperationError, match="management"):
        ops.request_escalation(escalation, requested_by=world.customers_a[Role.CUSTOMER_ADMIN],
                               reason="Faster")
    escalation.tier = Tier.L2
    _resolve(world)
    with pytest.raises(ops.OperationError, match="resolved"):
        ops.request_escalation(escalation, requested_by=world.customers_a[Role.CUSTOMER_ADMIN],
                               reason="Faster")
    with pytest.raises(PermissionError):
        ops.request_escalation(world.escalation_b, requested_by=viewer, reason="x")


# ----------------------------------------------------------- subscription & preference

def test_unsubscribed_customer_hears_nothing_until_subscribing_again(setup):
    """An unsubscribed customer gets no notice for the next update; subscribing again
    restores them. One row per person records the choice."""
    session, world = setup
    escalation, viewer = world.escalation_a, world.customers_a[Role.VIEWER]
    agent = world.staff[Role.AGENT]
    ops.set_subscription(escalation, viewer, False)
    quiet = ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                            body="Patch deployed")
    recipients = _notice_recipients(session, f"update:{quiet.id}:")
    assert viewer.email not in recipients
    assert world.customers_a[Role.EXECUTIVE].email in recipients
    ops.set_subscription(escalation, viewer, True)
    heard = ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                            body="Verified")
    assert viewer.email in _notice_recipients(session, f"update:{heard.id}:")
    rows = session.scalars(select(Subscription).where(Subscription.user_id == viewer.id)).all()
    assert [row.subscribed for row in rows] == [True]
    assert [e.detail["subscribed"] for e in _audit(session, "subscription.changed")] == [
        False, True]
    with pytest.raises(PermissionError):
        ops.set_subscription(world.escalation_b, viewer, False)


def test_digest_preference_holds_update_notices_for_the_digest(setup):
    """A customer who chose the daily digest gets updates held for it; bad values and staff
    are refused."""
    session, world = setup
    viewer = world.customers_a[Role.VIEWER]
    ops.set_notification_preference(viewer, "daily_digest")
    assert viewer.notification_preference == NotificationPreference.DIGEST
    [event] = _audit(session, "user.notification_preference_changed")
    assert event.detail == {"preference": "daily_digest", "previous": "immediate"}
    update = ops.post_update(world.escalation_a, author=world.staff[Role.AGENT],
                             visibility=Visibility.CUSTOMER, body="Progress")
    notice = session.scalars(select(Notice).where(
        Notice.key.startswith(f"update:{update.id}:"), Notice.recipient == viewer.email)).one()
    assert notice.digest
    with pytest.raises(ops.OperationError) as bad:
        ops.set_notification_preference(viewer, "hourly")
    assert bad.value.field == "preference"
    with pytest.raises(PermissionError):
        ops.set_notification_preference(world.staff[Role.AGENT], "daily_digest")


# ----------------------------------------------------------------- customer-owned steps

def test_customer_completes_their_step_with_a_note(setup):
    """The step is done, by whom and when, with the note; the timeline tells the owner."""
    session, world = setup
    step, viewer = world.customer_step_a, world.customers_a[Role.VIEWER]
    later = now() + timedelta(minutes=3)
    with frozen_at(later):
        update = ops.complete_customer_step(step, user=viewer, note="Patched all nodes")
    assert (step.status, step.completed_at, step.completed_by_id, step.completion_note) == (
        StepStatus.DONE, later, viewer.id, "Patched all nodes")
    assert update.body == (f"{viewer.name} marked “Apply patch 4.2.1 on your side” done: "
                           "Patched all nodes")
    assert update.visibility == Visibility.CUSTOMER
    assert world.escalation_a.customer_changed_at == later
    assert world.staff[Role.AGENT].email in _notice_recipients(
        session, f"customer_comment:{update.id}:")
    [event] = _audit(session, "remediation_step.completed")
    assert (event.object_id, event.actor_id) == (step.id, viewer.id)
    with pytest.raises(ops.OperationError, match="already done"):
        ops.complete_customer_step(step, user=viewer, note="again")


def test_step_completion_refusals(setup):
    """Vendor and internal steps are not the customer's; a note is required; other
    organizations cannot touch the step."""
    _, world = setup
    escalation, agent = world.escalation_a, world.staff[Role.AGENT]
    viewer = world.customers_a[Role.VIEWER]
    vendor = ops.add_remediation_step(escalation, actor=agent, title="Vendor fix")
    internal = ops.add_remediation_step(escalation, actor=agent, title="Hidden",
                                        owner_party=Party.CUSTOMER,
                                        visibility=Visibility.INTERNAL)
    for step in (vendor, internal):
        with pytest.raises(PermissionError):
            ops.complete_customer_step(step, user=viewer, note="done")
    with pytest.raises(ops.OperationError) as empty:
        ops.complete_customer_step(world.customer_step_a, user=viewer, note="")
    assert empty.value.field == "note"
    with pytest.raises(PermissionError):
        ops.complete_customer_step(world.customer_step_b, user=viewer, note="done")
    assert world.customer_step_a.status == StepStatus.PLANNED


# ------------------------------------------------------------------------------ survey

@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_survey_once_per_person_after_resolution(setup, status):
    """Resolved or closed escalations take one CSAT answer per person."""
    session, world = setup
    viewer, colleague = world.customers_a[Role.VIEWER], world.customers_a[Role.EXECUTIVE]
    with pytest.raises(ops.OperationError, match="once the escalation is resolved"):
        ops.answer_survey(world.escalation_a, user=viewer, score=5)
    _resolve(world, status)
    answer = ops.answer_survey(world.escalation_a, user=viewer, score=4, comment=" Clear ")
    assert (answer.score, answer.comment, answer.user_id) == (4, "Clear", viewer.id)
    with pytest.raises(ops.OperationError, match="already rated"):
        ops.answer_survey(world.escalation_a, user=viewer, score=5)
    ops.answer_survey(world.escalation_a, user=colleague, score=2)
    assert [e.detail["score"] for e in _audit(session, "survey.answered")] == [4, 2]


def test_survey_refuses_scores_outside_one_to_five(setup):
    """Only 1 to 5 counts; other organizations cannot answer."""
    _, world = setup
    _resolve(world)
    viewer = world.customers_a[Role.VIEWER]
    for bad in (0, 6, "5", True, None):
        with pytest.raises(ops.OperationError) as refused:
            ops.answer_survey(world.escalation_a, user=viewer, score=bad)
        assert refused.value.field == "score"
    with pytest.raises(PermissionError):
        ops.answer_survey(world.escalation_a, user=world.customers_b[Role.VIEWER], score=5)


def test_escalating_the_tier_answers_open_requests(setup):
    """When staff take the escalation up a level, the customer's request counts as handled and
    they may ask again later."""
    _, world = setup
    viewer = world.customers_a[Role.VIEWER]
    request = ops.request_escalation(world.escalation_a, requested_by=viewer,
                                     reason="Still down")
    ops.change_tier(world.escalation_a, Tier.L2, actor=world.staff[Role.AGENT],
                    reason="Customer asked; needs L2")
    session, _ = setup
    session.refresh(request)
    assert request.handled_at is not None
    assert open_request_of(world.escalation_a, viewer) is None
