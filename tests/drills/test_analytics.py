"""A drill never counts: the staff analytics, the executive view's SLA attainment and the
quarter's summary read the same figures before and after a drill that was opened,
acknowledged late, resolved and closed in the period."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from portal.accounts.models import Organization
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.report import analytics_report
from portal.clock import frozen_at
from portal.drills import operations as drills
from portal.drills.models import Drill
from portal.enums import Role, Status
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.escalations.reporting import executive_summary, open_by_severity
from portal.reports.summary import organization_summary, quarter
from tests.drills.conftest import START

LATER = START + timedelta(days=2)


def _figures(session, organization_id: int) -> dict:
    organization = session.get(Organization, organization_id)
    filters = AnalyticsFilter(since=date(2026, 1, 1), until=date(2026, 12, 1))
    by_org = AnalyticsFilter(since=date(2026, 1, 1), until=date(2026, 12, 1),
                             organization_id=organization_id, group_by="severity")
    summary = organization_summary(organization, quarter(2026, 4, ZoneInfo("UTC")), at=LATER)
    return {
        "analytics": repr(analytics_report(filters, now=LATER)),
        "analytics_by_org": repr(analytics_report(by_org, now=LATER)),
        "executive": repr(asdict(executive_summary(organization_id, now=LATER))),
        "open": open_by_severity(organization_id),
        "summary": repr(summary),
    }


def test_a_drill_leaves_every_figure_as_it_was(world, as_staff, start_drill):
    with as_staff() as session:
        before = _figures(session, world.org_a.id)
    drill_id, escalation_id = start_drill()
    with frozen_at(START + timedelta(hours=5)), as_staff() as session:
        agent = session.merge(world.staff[Role.AGENT])
        escalation = session.get(Escalation, escalation_id)
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)  # the target missed
        ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent,
                          resolution_summary="Drill over.")
    with frozen_at(START + timedelta(hours=6)), as_staff() as session:
        drills.end_drill(session.get(Drill, drill_id),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
    with as_staff() as session:
        after = _figures(session, world.org_a.id)
    assert after == before


def test_the_same_escalation_not_flagged_would_count(world, as_staff, start_drill):
    """Control: the figures do move when that escalation is real, so the test above can
    fail."""
    with as_staff() as session:
        before = _figures(session, world.org_a.id)
    _, escalation_id = start_drill()
    with frozen_at(START + timedelta(hours=5)), as_staff() as session:
        escalation = session.get(Escalation, escalation_id)
        escalation.is_drill = False
        agent = session.merge(world.staff[Role.AGENT])
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent,
                          resolution_summary="Over.")
    with as_staff() as session:
        after = _figures(session, world.org_a.id)
    assert after["analytics"] != before["analytics"]
    assert after["analytics_by_org"] != before["analytics_by_org"]
    assert after["executive"] != before["executive"]
    assert after["summary"] != before["summary"]
