"""The executive figures and the resolved history, against numbers worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from portal.clock import frozen_at
from portal.enums import Party, Role, Status, StepStatus, Visibility
from portal.escalations import operations as ops
from portal.escalations import reporting
from portal.escalations.models import Escalation
from portal.extensions import db
from tests import factories

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(days=30)
MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

ACK = (Status.ACKNOWLEDGED,)


def walk(org, agent, *, severity: int, opened: datetime, moves, title: str | None = None,
         product_area: str = "") -> Escalation:
    """Open an escalation at `opened` and move it through (offset, status) steps in time."""
    with frozen_at(opened):
        escalation = factories.make_escalation(org, actor=agent, severity=severity, title=title,
                                               product_area=product_area)
    for offset, status in moves:
        with frozen_at(opened + offset):
            extra = {"resolution_summary": "Rolled back the release."} \
                if status == Status.RESOLVED else {}
            ops.change_status(escalation, status, actor=agent, **extra)
    return escalation


@dataclass
class ReportingWorld:
    org: object
    other_org: object
    agent: object
    escalations: dict


def build_reporting_world() -> ReportingWorld:
    """Worked by hand (24×7 policy: Sev 1 ack 15 min / resolve 4 h; Sev 2 1 h / 24 h; as of NOW):

    E1 Sev 1: ack after 10 min, resolved after 3 h            → ack met,    resolve met
    E2 Sev 2: ack after 90 min, resolved after 20 h           → ack missed, resolve met
    E3 Sev 2: ack after 30 min, waiting on customer 10 h,
              resolved after 30 h (20 h counted)              → ack met,    resolve met
    E4 Sev 3: ack after 1 h, still investigating              (open; counts for MTTA only)
    E5 Sev 2: resolved 100 days before T0                     (outside the 90 days)
    E6 Sev 1: opened an hour before NOW, not acknowledged     (open)
    E7 another organization's, resolved in the window          (never counted)

    MTTA = (10 + 90 + 30 + 60) / 4 = 47.5 min over 4; MTTR = (3 + 20 + 30) / 3 h = 17 h 40 min
    over 3; attainment 2 of 3 (ack met 2, resolve met 3); open: Sev 1 → 1, Sev 3 → 1.
    """
    agent = factories.make_staff(Role.AGENT)
    org = factories.make_organization("Reporting Co")
    other = factories.make_organization("Elsewhere Inc")
    done = [(10 * MIN, Status.ACKNOWLEDGED), (20 * MIN, Status.INVESTIGATING)]
    e = {
        "E1": walk(org, agent, severity=1, opened=T0, moves=[*done, (3 * HOUR, Status.RESOLVED)],
                   title="Checkout down", product_area="Payments"),
        "E2": walk(org, agent, severity=2, opened=T0 + DAY, title="Slow exports",
                   product_area="Reporting",
                   moves=[(90 * MIN, Status.ACKNOWLEDGED), (2 * HOUR, Status.INVESTIGATING),
                          (20 * HOUR, Status.RESOLVED), (22 * HOUR, Status.CLOSED)]),
        "E3": walk(org, agent, severity=2, opened=T0 + 2 * DAY, title="SSO loops",
                   product_area="Identity",
                   moves=[(30 * MIN, Status.ACKNOWLEDGED), (HOUR, Status.INVESTIGATING),
                          (2 * HOUR, Status.WAITING_ON_CUSTOMER),
                          (12 * HOUR, Status.INVESTIGATING), (30 * HOUR, Status.RESOLVED)]),
        "E4": walk(org, agent, severity=3, opened=T0 + 3 * DAY,
                   moves=[(HOUR, Status.ACKNOWLEDGED), (2 * HOUR, Status.INVESTIGATING)]),
        "E5": walk(org, agent, severity=2, opened=T0 - 101 * DAY, title="Old outage",
                   moves=[(30 * MIN, Status.ACKNOWLEDGED), (HOUR, Status.INVESTIGATING),
                          (DAY, Status.RESOLVED)]),
        "E6": walk(org, agent, severity=1, opened=NOW - HOUR, moves=[]),
        "E7": walk(other, agent, severity=1, opened=T0, moves=[*done, (5 * HOUR, Status.RESOLVED)]),
    }
    db.session.flush()
    return ReportingWorld(org=org, other_org=other, agent=agent, escalations=e)


@pytest.fixture
def built(staff_session):
    return build_reporting_world()


def test_open_escalations_are_counted_by_severity(built):
    """Open now: one Sev 1 and one Sev 3; resolved and closed ones are not open."""
    assert reporting.open_by_severity(built.org.id) == {1: 1, 2: 0, 3: 1, 4: 0}


def test_mean_time_to_acknowledge_over_the_last_90_days(built):
    """47.5 minutes over the four escalations acknowledged in the window."""
    figure = reporting.mean_time_to_acknowledge(built.org.id, now=NOW)
    assert figure == reporting.MeanDuration(timedelta(minutes=47, seconds=30), 4)


def test_mean_time_to_resolve_over_the_last_90_days(built):
    """17 h 40 min over the three escalations resolved in the window; the old one is left out."""
    figure = reporting.mean_time_to_resolve(built.org.id, now=NOW)
    assert figure == reporting.MeanDuration(timedelta(hours=17, minutes=40), 3)


def test_sla_attainment_uses_the_clocks_with_the_customer_wait_paused(built):
    """Two of three met both clocks; E3 met its resolve target only because waiting paused it."""
    attainment = reporting.sla_attainment(built.org.id, now=NOW)
    assert attainment == reporting.Attainment(counted=3, met_both=2, acknowledge_met=2,
                                              resolve_met=3)
    assert attainment.share == pytest.approx(2 / 3)


def test_figures_replay_for_an_earlier_instant(built):
    """As of five hours after T0 only E1 had happened: the report says so."""
    at = T0 + 5 * HOUR
    assert reporting.mean_time_to_acknowledge(built.org.id, now=at).count == 1
    assert reporting.sla_attainment(built.org.id, now=at) == reporting.Attainment(1, 1, 1, 1)


def test_an_empty_period_has_no_means_and_no_attainment(staff_session):
    """A new customer sees dashes, not zeros that look like perfect service."""
    org = factories.make_organization()
    summary = reporting.executive_summary(org.id, now=NOW)
    assert summary.time_to_acknowledge == reporting.MeanDuration(None, 0)
    assert summary.attainment.share is None
    assert summary.open_total == 0


def _count_queries(run) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_executive_summary_runs_a_constant_number_of_queries(built):
    """Ten more resolved escalations cost no extra query: histories load in one batch."""
    org_id = built.org.id
    db.session.expire_all()
    before = _count_queries(lambda: reporting.executive_summary(org_id, now=NOW))
    for n in range(10):
        walk(built.org, built.agent, severity=2, opened=T0 + (4 + n) * DAY,
             moves=[(30 * MIN, Status.ACKNOWLEDGED), (HOUR, Status.INVESTIGATING),
                    (5 * HOUR, Status.RESOLVED)])
    db.session.flush()
    db.session.expire_all()
    after = _count_queries(lambda: reporting.executive_summary(org_id, now=NOW))
    assert after == before == 4
    assert reporting.sla_attainment(built.org.id, now=NOW).counted == 13


def test_history_lists_resolved_and_closed_newest_resolution_first(built):
    """E3 (resolved last) comes first; open ones and other organizations' never appear."""
    rows = db.session.scalars(reporting.history_for_organization(built.org.id, now=NOW)).all()
    e = built.escalations
    assert [r.id for r in rows] == [e["E3"].id, e["E2"].id, e["E1"].id, e["E5"].id]


@pytest.mark.parametrize("filters, expected", [
    ({"severity": 1}, ["E1"]),
    ({"product_area": "Identity"}, ["E3"]),
    ({"within_days": 90}, ["E3", "E2", "E1"]),
    ({"search": "exports"}, ["E2"]),
    ({"search": "ESC-{E1}"}, ["E1"]),
    ({"search": "{E1}"}, ["E1"]),
    ({"search": "100%_"}, []),
])
def test_history_filters(built, filters, expected):
    """Severity, product area, period and search narrow the history as a customer expects."""
    e = built.escalations
    if "search" in filters:
        filters = {"search": filters["search"].format(E1=e["E1"].id + 1000)}
    rows = db.session.scalars(
        reporting.history_for_organization(built.org.id, now=NOW, **filters)).all()
    assert [r.id for r in rows] == [e[name].id for name in expected]


def test_remediation_progress_counts_customer_visible_steps_only(built):
    """"1 of 2 done, next: …": internal steps neither count nor show as next."""
    escalation = built.escalations["E1"]
    agent = built.agent
    first = ops.add_remediation_step(escalation, actor=agent, title="Add pool size check")
    ops.add_remediation_step(escalation, actor=agent, title=f"{factories.CANARY} internal",
                             visibility=Visibility.INTERNAL)
    second = ops.add_remediation_step(escalation, actor=agent, title="Rotate your API keys",
                                      owner_party=Party.CUSTOMER)
    first.status = StepStatus.DONE
    db.session.flush()
    progress = reporting.remediation_progress_for([escalation.id, built.escalations["E2"].id])
    assert set(progress) == {escalation.id}
    assert (progress[escalation.id].total, progress[escalation.id].done) == (2, 1)
    assert progress[escalation.id].next_step.id == second.id
    assert progress[escalation.id].outstanding
