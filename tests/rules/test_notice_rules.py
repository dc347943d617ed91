"""Missed commitments, milestones, handoffs and the satisfaction survey: the right people hear,
once, at the minute the instant passes; nothing fires for what was done in time."""

import pytest
from sqlalchemy import select

from portal.clock import frozen_at
from portal.enums import Role, Status, Visibility
from portal.escalations import operations as ops
from portal.extensions import db
from portal.notices.models import Notice
from portal.outreach.rendering import render_email
from portal.rules.settings import HOLDING_MESSAGE_ENABLED, NEXT_UPDATE_GRACE_MINUTES
from portal.settings import HANDOFF_ACKNOWLEDGE_MINUTES, set_setting
from tests import factories
from tests.rules.helpers import minutes, outbox, sweep_at


@pytest.fixture
def team(staff_session):
    """An owner, a communicator, an escalation manager and a customer organization."""
    org = factories.make_organization("Initech")
    return {
        "owner": factories.make_staff(name="Olive Owner"),
        "communicator": factories.make_staff(Role.ACCOUNT_MANAGER),
        "manager": factories.make_staff(Role.ESCALATION_MANAGER),
        "admin": factories.make_staff(Role.ADMINISTRATOR),
        "org": org,
        "viewer": factories.make_customer(org),
        "executive": factories.make_customer(org, Role.EXECUTIVE),
    }


def _escalation(team, severity=2):
    with frozen_at(minutes(0)):
        return factories.make_escalation(team["org"], actor=team["owner"], owner=team["owner"],
                                         severity=severity, communicator=team["communicator"])


def _committed(team, due_minutes=120):
    """Sev 2 with a customer update at T0+10 promising the next by T0+due_minutes."""
    escalation = _escalation(team)
    with frozen_at(minutes(10)):
        ops.post_update(escalation, author=team["owner"], visibility=Visibility.CUSTOMER,
                        body="Investigating.", next_update_by=minutes(due_minutes))
    return escalation


def test_missed_commitment_tells_owner_and_communicator_then_managers(team):
    """At the promised minute the owner and communicator hear; after the 30-minute grace the
    escalation managers; each once."""
    _committed(team)
    sweep_at(119)
    assert outbox("next_update_missed", "next_update_overdue") == []
    sweep_at(120)
    sweep_at(121)
    assert sorted(outbox("next_update_missed")) == sorted([
        ("next_update_missed", team["owner"].email),
        ("next_update_missed", team["communicator"].email)])
    sweep_at(149)
    assert outbox("next_update_overdue") == []
    sweep_at(150)
    sweep_at(200)
    assert outbox("next_update_overdue") == [("next_update_overdue", team["manager"].email)]
    assert outbox("holding_message") == []  # off by default


def test_a_kept_commitment_alerts_nobody(team):
    """An update posted before the promise passes moves the commitment: no alert for it."""
    escalation = _committed(team)
    with frozen_at(minutes(100)):
        ops.post_update(escalation, author=team["owner"], visibility=Visibility.CUSTOMER,
                        body="Patch ready.", next_update_by=minutes(300))
    for n in (120, 150, 299):
        sweep_at(n)
    assert outbox("next_update_missed", "next_update_overdue") == []


def test_holding_message_goes_to_subscribers_once_and_says_the_update_is_late(team):
    """Enabled, the customer's subscribers get one honest holding message after the grace
    period; an unsubscribed person does not."""
    set_setting(HOLDING_MESSAGE_ENABLED[0], True, actor=team["admin"])
    set_setting(NEXT_UPDATE_GRACE_MINUTES[0], 10, actor=team["admin"])
    escalation = _committed(team)
    ops.set_subscription(escalation, team["executive"], False)
    sweep_at(129)
    assert outbox("holding_message") == []
    sweep_at(130)
    sweep_at(131)
    assert outbox("holding_message") == [("holding_message", team["viewer"].email)]
    notice = db_notice("holding_message")
    email = render_email(notice)
    assert escalation.reference in email.subject
    assert "is late" in email.text and "Olive Owner" in email.text


def db_notice(event):
    return db.session.scalars(select(Notice).where(Notice.event == event)).first()


def test_milestones_remind_before_and_when_late_until_done(team):
    """Due soon (60 min before) and late, to the owner; a late customer milestone also to the
    communicator; a completed milestone is silent."""
    escalation = _escalation(team, severity=3)
    with frozen_at(minutes(1)):
        ops.add_milestone(escalation, actor=team["owner"], title="Patch in staging",
                          due_at=minutes(300))
        ops.add_milestone(escalation, actor=team["owner"], title="Internal check",
                          due_at=minutes(400), visibility=Visibility.INTERNAL)
        done = ops.add_milestone(escalation, actor=team["owner"], title="Logs collected",
                                 due_at=minutes(200))
    with frozen_at(minutes(100)):
        ops.complete_milestone(done, actor=team["owner"])
    sweep_at(239)
    assert outbox("milestone_due_soon", "milestone_late") == []
    sweep_at(240)
    assert outbox("milestone_due_soon") == [("milestone_due_soon", team["owner"].email)]
    sweep_at(300)
    assert sorted(outbox("milestone_late")) == sorted([
        ("milestone_late", team["owner"].email),
        ("milestone_late", team["communicator"].email)])
    sweep_at(340)
    sweep_at(400)
    sweep_at(460)
    late = outbox("milestone_late")
    assert late.count(("milestone_late", team["owner"].email)) == 2
    assert late.count(("milestone_late", team["communicator"].email)) == 1  # not the internal
    assert len(outbox("milestone_due_soon")) == 2


def test_a_rescheduled_milestone_reminds_again(team):
    """Moving a milestone's date re-arms its reminders (a new instant, a new key)."""
    escalation = _escalation(team, severity=3)
    with frozen_at(minutes(1)):
        milestone = ops.add_milestone(escalation, actor=team["owner"], title="Fix",
                                      due_at=minutes(100))
    sweep_at(100)
    milestone.due_at = minutes(500)  # moved (the plan editor's operation will do this)
    sweep_at(500)
    assert outbox("milestone_late").count(("milestone_late", team["owner"].email)) == 2


def test_unacknowledged_handoff_alerts_receiver_and_managers_once(team):
    """After the acknowledgement time the receiver and escalation managers hear, once; an
    acknowledged handoff stays quiet."""
    set_setting(HANDOFF_ACKNOWLEDGE_MINUTES[0], 20, actor=team["admin"])
    escalation = _escalation(team)
    receiver = factories.make_staff(name="Rita Receiver")
    with frozen_at(minutes(5)):
        ops.transfer_ownership(escalation, receiver, actor=team["owner"],
                               template=factories.handoff_template())
    sweep_at(24)
    assert outbox("handoff_unacknowledged") == []
    sweep_at(25)
    sweep_at(60)
    assert sorted(outbox("handoff_unacknowledged")) == sorted([
        ("handoff_unacknowledged", receiver.email),
        ("handoff_unacknowledged", team["manager"].email)])
    other = _escalation(team)
    with frozen_at(minutes(70)):
        handoff = ops.transfer_ownership(other, receiver, actor=team["owner"],
                                         template=factories.handoff_template())
    with frozen_at(minutes(80)):
        ops.acknowledge_handoff(handoff, actor=receiver)
    sweep_at(200)
    assert len(outbox("handoff_unacknowledged")) == 2


def test_resolution_sends_the_survey_once_to_the_customers(team):
    """Resolved: each subscribed customer who has not answered gets the survey, once; no staff."""
    escalation = _escalation(team)
    with frozen_at(minutes(30)):
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=team["owner"])
        ops.change_status(escalation, Status.INVESTIGATING, actor=team["owner"])
        ops.change_status(escalation, Status.RESOLVED, actor=team["owner"],
                          resolution_summary="Rolled back the release.")
    with frozen_at(minutes(30)):
        ops.answer_survey(escalation, user=team["executive"], score=5, comment="")
    sweep_at(31)
    sweep_at(90)
    assert outbox("csat_survey") == [("csat_survey", team["viewer"].email)]
    email = render_email(db_notice("csat_survey"))
    assert f"/escalations/{escalation.reference}#survey" in email.text


def test_every_rule_email_renders_for_its_recipient(team):
    """Each queued rule notice renders (subject, text, HTML) from its outbox context alone."""
    set_setting(HOLDING_MESSAGE_ENABLED[0], True, actor=team["admin"])
    escalation = _committed(team)
    with frozen_at(minutes(1)):
        ops.add_milestone(escalation, actor=team["owner"], title="Patch", due_at=minutes(90))
        ops.transfer_ownership(escalation, factories.make_staff(), actor=team["owner"],
                               template=factories.handoff_template())
    for n in (80, 1100, 2000):
        sweep_at(n)
    notices = db.session.scalars(select(Notice).where(Notice.template.in_([
        "sla_at_risk", "sla_breached", "next_update_missed", "next_update_overdue",
        "holding_message", "milestone_due_soon", "milestone_late",
        "handoff_unacknowledged"]))).all()
    assert {n.template for n in notices} == {
        "sla_breached", "next_update_missed", "next_update_overdue", "holding_message",
        "milestone_due_soon", "milestone_late", "handoff_unacknowledged", "sla_at_risk"}
    for notice in notices:
        email = render_email(notice)
        assert escalation.reference in email.subject and email.text and email.html


def test_milestone_of_a_closed_escalation_is_silent(team):
    """Resolved escalations' open milestones do not nag anyone."""
    escalation = _escalation(team)
    with frozen_at(minutes(1)):
        ops.add_milestone(escalation, actor=team["owner"], title="Fix", due_at=minutes(100))
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=team["owner"])
        ops.change_status(escalation, Status.INVESTIGATING, actor=team["owner"])
        ops.change_status(escalation, Status.RESOLVED, actor=team["owner"],
                          resolution_summary="Done.")
    for n in (50, 100, 160):
        sweep_at(n)
    assert outbox("milestone_late", "milestone_due_soon") == []
