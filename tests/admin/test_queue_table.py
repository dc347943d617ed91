"""The queue's rows are drawn in Python now (admin/queue_table.py): every row reads exactly as
the template drew it (its source kept in tests/fixtures/queue_row_before.html), whatever the
row holds: flags, handoffs, customer requests, clocks, milestones, odd characters."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import g

from admin import queue_table
from portal import badges
from portal.enums import Segment, Status, Tier
from portal.escalations.listing import NextMilestone
from portal.escalations.queue import (
    CustomerRequest,
    Named,
    PendingHandoff,
    QueueEscalation,
    QueueRow,
    SlaState,
)

AT = datetime(2026, 3, 29, 1, 30, 15, tzinfo=UTC)  # Europe's spring-forward night
VIEWER = 7


def _escalation(n: int, **kw) -> QueueEscalation:
    values = dict(
        id=1000 + n, title=f"Checkout <fails> & \"retries\" {n}", severity=1 + n % 4,
        status=list(Status)[n % len(Status)], tier=list(Tier)[n % len(Tier)],
        product_area="Billing & <API>" if n % 2 else None, owner_id=3, communicator_id=4,
        organization_id=9, priority_score=40 + n,
        priority_breakdown={"severity": 35, "business_impact": 10.25, "segment": n % 7},
        opened_at=AT - timedelta(days=n % 3, minutes=17 * n),
        status_changed_at=AT - timedelta(hours=n * 5, seconds=n),
        updated_at=AT - timedelta(minutes=n), last_customer_update_at=None,
        ack_due_at=None, ack_at_risk_at=None, resolve_due_at=None, resolve_at_risk_at=None,
        next_update_due_at=None, is_drill=bool(n % 5 == 0),
        organization=Named("Acme & <Sons>", list(Segment)[n % len(Segment)]),
        owner=Named("Ana 'O' <Owner>"), communicator=Named("Cy & Co"))
    values.update(kw)
    return QueueEscalation(**values)


def _rows() -> list[QueueRow]:
    rows = []
    slas = [SlaState("breached", "Acknowledge", AT - timedelta(hours=2, minutes=3)),
            SlaState("at_risk", "Resolve", AT + timedelta(minutes=40)),
            SlaState("on_track", "Resolve", AT + timedelta(days=2, hours=1)),
            SlaState("paused"), SlaState("none")]
    milestones = [None, NextMilestone("Patch <in> staging", AT - timedelta(hours=1)),
                  NextMilestone("Root cause", AT + timedelta(days=1, minutes=5))]
    handoffs = [None, PendingHandoff("Bo <B>", VIEWER, AT - timedelta(minutes=45)),
                PendingHandoff("Di & Da", VIEWER + 1, AT - timedelta(hours=30))]
    requests = [None, CustomerRequest("Eve \"E\"", AT - timedelta(minutes=3), 1),
                CustomerRequest("Fay", AT - timedelta(days=2), 3)]
    people = [(Named("Ana <O>"), Named("Cy")), (None, None), (None, Named("Cy & Co"))]
    for n, (sla, milestone, handoff, request, (owner, communicator)) in enumerate(
            product(slas, milestones, handoffs, requests, people)):
        if n % 4:  # a quarter of the combinations is plenty; every value still occurs
            continue
        last_update = AT - timedelta(hours=n) if n % 3 else None
        escalation = _escalation(n, owner=owner, communicator=communicator,
                                 last_customer_update_at=last_update)
        rows.append(QueueRow(
            escalation=escalation, sla=sla, next_milestone=milestone,
            pending_handoff=handoff, customer_request=request,
            age=AT - escalation.opened_at, in_status=AT - escalation.status_changed_at,
            since_customer_update=AT - last_update if last_update else None,
            update_overdue=bool(n % 2)))
    return rows


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
@pytest.mark.parametrize("threshold", [None, 50])
def test_a_queue_row_reads_as_the_template_drew_it(app, zone, threshold):
    """Every row of the staff queue shows exactly what it showed before."""
    before = app.jinja_env.from_string(
        (Path(__file__).parent.parent / "fixtures" / "queue_row_before.html").read_text()).module
    rows = _rows()
    assert len(rows) > 60
    with app.test_request_context("/admin/"):
        g.render_zone = ZoneInfo(zone)
        drawn = str(queue_table.rows(rows, at=AT, threshold=threshold, viewer_id=VIEWER))
        expected = "".join(str(before.row(row, AT, threshold, {"id": VIEWER})) for row in rows)
    assert drawn.split("\n        <tr") == expected.split("\n        <tr")


def test_no_rows_draw_nothing(app):
    with app.test_request_context("/admin/"):
        assert str(queue_table.rows([], at=AT, threshold=None, viewer_id=VIEWER)) == ""


def test_rows_of_one_score_show_their_own_breakdown(app):
    """Two escalations with the same score but different factors each show their own."""
    base = _rows()[0]
    first = replace(base, escalation=_escalation(1, priority_score=60,
                                                 priority_breakdown={"severity": 60}))
    second = replace(base, escalation=_escalation(2, priority_score=60,
                                                  priority_breakdown={"business_impact": 60}))
    with app.test_request_context("/admin/"):
        for _ in range(2):  # drawn, then remembered
            drawn = str(queue_table.rows([first, second, first], at=AT, threshold=50,
                                         viewer_id=VIEWER))
            cells = [str(badges.priority_compact(row.escalation, 50))
                     for row in (first, second, first)]
            assert [cell in drawn for cell in cells] == [True, True, True]
            assert drawn.index(cells[0]) < drawn.index(cells[1])
