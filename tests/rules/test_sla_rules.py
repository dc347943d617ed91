"""SLA at risk and breached: the owner hears once per clock and due instant; paused clocks stay
quiet; a re-armed clock alerts again; administrators' tier rules escalate once per breach."""

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role, Status, Tier, UpdateKind, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Update
from portal.rules.models import SlaBreach
from portal.rules.settings import AUTO_TIER
from portal.settings import set_setting
from tests import factories
from tests.rules.helpers import minutes, outbox, sweep_at

SLA_EVENTS = ("sla_at_risk", "sla_breached")


def _sev1(owner=None, **kwargs):
    """A Sev 1 opened at T0 (acknowledge 15 min, resolve 4 h, updates hourly, 24×7)."""
    agent = owner or factories.make_staff()
    org = factories.make_organization()
    with frozen_at(minutes(0)):
        escalation = factories.make_escalation(org, actor=agent, owner=agent, severity=1,
                                               **kwargs)
    return escalation, agent


def test_ack_at_risk_then_breached_alert_the_owner_once_each(staff_session):
    """At 75 % of the 15-minute target the owner is warned; at 15 minutes told it is breached;
    sweeping again every minute adds nothing."""
    escalation, agent = _sev1()
    for n in range(0, 11):
        sweep_at(n)
    assert outbox(*SLA_EVENTS) == []
    sweep_at(11.25)
    assert outbox(*SLA_EVENTS) == [("sla_at_risk", agent.email)]
    for n in range(12, 15):
        sweep_at(n)
    assert len(outbox(*SLA_EVENTS)) == 1
    sweep_at(15)
    sweep_at(16)
    assert outbox(*SLA_EVENTS) == [("sla_at_risk", agent.email), ("sla_breached", agent.email)]


def test_an_unowned_breach_goes_to_the_escalation_managers(staff_session):
    """Nobody owns it: the escalation managers hear of the breach instead."""
    manager = factories.make_staff(Role.ESCALATION_MANAGER)
    agent = factories.make_staff()
    org = factories.make_organization()
    with frozen_at(minutes(0)):
        escalation = ops.open_escalation(org, actor=agent, title="Unowned", severity=1,
                                         trigger=factories.Trigger.SEVERITY,
                                         handoff=factories.handoff_template())
    assert escalation.owner_id is None
    sweep_at(20)
    assert ("sla_breached", manager.email) in outbox("sla_breached")


def test_a_paused_clock_is_quiet_and_alerts_again_once_resumed(staff_session):
    """Waiting on the customer pauses the resolve clock; resumed, its new due instant warns
    and breaches once more."""
    escalation, agent = _sev1()
    with frozen_at(minutes(5)):
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
    sweep_at(190)  # 190 of 240 counted: at risk
    assert outbox("sla_at_risk") == [("sla_at_risk", agent.email)]
    with frozen_at(minutes(200)):
        ops.change_status(escalation, Status.WAITING_ON_CUSTOMER, actor=agent)
    assert escalation.resolve_due_at is None
    for n in (240, 300, 399):
        sweep_at(n)
    assert outbox("sla_breached") == []
    with frozen_at(minutes(400)):
        ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
    assert escalation.resolve_due_at == minutes(440)  # 40 counted minutes left
    sweep_at(401)
    assert outbox("sla_at_risk") == [("sla_at_risk", agent.email)] * 2
    sweep_at(439)
    assert outbox("sla_breached") == []
    sweep_at(440)
    sweep_at(441)
    assert outbox("sla_breached") == [("sla_breached", agent.email)]


def test_the_breach_is_audited_once(staff_session):
    """The audit log gets one `sla.breached` per clock breach, however often the sweep runs."""
    escalation, _ = _sev1()
    for n in (15, 16, 17):
        sweep_at(n)
    events = staff_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "sla.breached", AuditEvent.object_id == escalation.id)).all()
    assert [event.detail["clock"] for event in events] == ["acknowledge"]


def test_tier_rule_escalates_once_per_breach_with_the_sla_breach_trigger(staff_session):
    """Sev 1 resolution missed → one tier up, on the timeline as an SLA-breach escalation;
    later sweeps leave the tier alone."""
    admin = factories.make_staff(Role.ADMINISTRATOR)
    set_setting(AUTO_TIER[0], {"1": {"acknowledge": "none", "resolve": "next"}}, actor=admin)
    escalation, agent = _sev1()
    with frozen_at(minutes(5)):
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
    counts = sweep_at(240)
    assert counts["tier_changes"] == 1
    for n in (241, 300, 600):
        assert sweep_at(n)["tier_changes"] == 0
    assert escalation.tier == Tier.L2
    entries = staff_session.scalars(select(Update).where(
        Update.escalation_id == escalation.id, Update.kind == UpdateKind.TIER_CHANGE)).all()
    # One move: the customer's entry in their words, the trigger on the internal one beside it.
    assert len(entries) == 2
    internal, = (entry for entry in entries if entry.visibility == Visibility.INTERNAL)
    shown, = (entry for entry in entries if entry.visibility == Visibility.CUSTOMER)
    assert "SLA breach" in internal.body and "SLA" not in shown.body
    audit = staff_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "rules.auto_tier", AuditEvent.object_id == escalation.id)).one()
    assert audit.detail["trigger"] == "sla_breach" and audit.detail["to_tier"] == "L2"
    breach = staff_session.scalars(select(SlaBreach).where(
        SlaBreach.escalation_id == escalation.id, SlaBreach.clock == "resolve")).one()
    assert breach.outcome == "L1→L2"


def test_tier_rule_to_management_walks_every_tier(staff_session):
    """"To Management" goes up one step at a time, as the workflow requires."""
    admin = factories.make_staff(Role.ADMINISTRATOR)
    set_setting(AUTO_TIER[0], {"1": {"acknowledge": "management"}}, actor=admin)
    escalation, _ = _sev1()
    sweep_at(15)
    assert escalation.tier == Tier.MANAGEMENT


def test_without_a_rule_the_tier_stays(staff_session):
    """The default is to do nothing: a breach alone never moves the tier."""
    escalation, _ = _sev1()
    sweep_at(300)
    assert escalation.tier == Tier.L1


def test_a_due_instant_moved_into_the_past_still_alerts(staff_session):
    """Sweeps read only news since the last one; a severity change that makes the clock
    already breached is news, so the owner still hears, once."""
    agent = factories.make_staff()
    org = factories.make_organization()
    with frozen_at(minutes(0)):
        escalation = factories.make_escalation(org, actor=agent, owner=agent, severity=3)
    sweep_at(30)
    with frozen_at(minutes(60)):
        ops.change_severity(escalation, 1, actor=agent, reason="Checkout is down for all.")
    assert escalation.ack_due_at == minutes(15)
    sweep_at(61)
    sweep_at(62)
    assert outbox("sla_breached") == [("sla_breached", agent.email)]
