"""The scheduled SLA-breach sweep records each breach once."""

from datetime import timedelta

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at, now
from portal.escalations.jobs import BREACH_ACTION, record_sla_breaches
from tests import factories


def test_breach_is_recorded_once_per_clock(staff_session):
    """An unacknowledged Sev 1 past its target gets one audit event, not one per sweep."""
    agent = factories.make_staff()
    org = factories.make_organization()
    with frozen_at(now() - timedelta(hours=3)):
        escalation = factories.make_escalation(org, actor=agent, severity=1)
    assert record_sla_breaches() == 1  # acknowledge (15 min) breached; resolve (4 h) not yet
    assert record_sla_breaches() == 0
    events = staff_session.scalars(select(AuditEvent).where(
        AuditEvent.action == BREACH_ACTION, AuditEvent.object_id == escalation.id)).all()
    assert [event.detail["clock"] for event in events] == ["acknowledge"]
