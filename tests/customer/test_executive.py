"""The executive view: open escalations by severity, response times and SLA attainment."""

from __future__ import annotations

import re

import pytest

from portal.clock import frozen_at
from portal.enums import Role
from tests import factories
from tests.escalations.test_reporting import NOW, build_reporting_world


@pytest.mark.parametrize("role, status", [
    (Role.EXECUTIVE, 200), (Role.CUSTOMER_ADMIN, 200), (Role.VIEWER, 403),
])
def test_who_sees_the_executive_view(client, auth, world, role, status):
    """Executives and admins see it; viewers are refused."""
    auth.login(world.customers_a[role].email)
    response = client.get("/executive")
    assert response.status_code == status
    assert factories.CANARY not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.VIEWER, Role.CUSTOMER_ADMIN])
def test_reports_are_in_every_customers_navigation(client, auth, world, role):
    """Published reports are one click from anywhere, for every customer role."""
    auth.login(world.customers_a[role].email)
    page = client.get("/escalations").get_data(as_text=True)
    nav = page[page.index('aria-label="Main"'):page.index("</nav>")]
    assert '<a href="/reports">Reports</a>' in nav
    assert client.get("/reports").status_code == 200


def test_the_quarter_summary_link_names_what_it_opens(client, auth, world):
    """It opens a page (which offers the PDF), so its words do not promise a PDF."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    page = client.get("/executive").get_data(as_text=True)
    link = re.search(r'<a href="/reports/summary">([^<]*)</a>', page)
    assert link[1] == "Escalation summary for the quarter"
    summary = client.get("/reports/summary")
    assert summary.mimetype == "text/html" and "PDF" in summary.get_data(as_text=True)


def test_staff_are_sent_to_their_console(client, auth, world):
    """The executive view is a customer page."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    assert client.get("/executive").headers["Location"] == "/admin/"


@pytest.fixture
def reporting_executive(as_staff):
    """The hand-computed world of tests/escalations/test_reporting.py, with an executive."""
    with as_staff():
        built = build_reporting_world()
        executive = factories.make_customer(built.org, Role.EXECUTIVE)
        titles = {name: e.title for name, e in built.escalations.items()}
        refs = {name: e.reference for name, e in built.escalations.items()}
        email = executive.email
    return email, titles, refs


def test_the_figures_match_the_hand_computed_ones(client, auth, reporting_executive):
    """47 min to acknowledge, 17 h 40 min to resolve, 67 % (2 of 3) met, as worked out by hand."""
    email, titles, refs = reporting_executive
    with frozen_at(NOW):
        auth.login(email)
        body = client.get("/executive").get_data(as_text=True)
    assert "47 min" in body and "over 4 escalations acknowledged" in body
    assert "17 h 40 min" in body and "over 3 escalations resolved" in body
    assert "67 %" in body
    assert "2 of 3 escalations resolved in the period met both" in body
    assert "acknowledge met 2, resolve met 3" in body
    # The open Sev 1 is listed; the open Sev 3 and the resolved ones are not.
    assert refs["E6"] in body
    assert refs["E4"] not in body and refs["E1"] not in body
    # Another organization's escalation never shows.
    assert refs["E7"] not in body
    assert "Post-resolution reports" in body


def test_open_counts_by_severity_are_shown_with_text(client, auth, reporting_executive):
    """Each count sits under a badge that names its severity in words."""
    email, _, _ = reporting_executive
    with frozen_at(NOW):
        auth.login(email)
        body = client.get("/executive").get_data(as_text=True)
    for label, count in (("Sev 1 · Critical", 1), ("Sev 2 · High", 0), ("Sev 3 · Medium", 1),
                         ("Sev 4 · Low", 0)):
        assert re.search(rf'{label}</span></span>\s*<span class="stat-value">{count}</span>', body)
    assert "Open now <span class=\"muted\">· 2 escalations</span>" in body


def test_a_new_customer_sees_dashes_not_perfect_scores(client, auth, as_staff):
    """With nothing in the period the view says so instead of showing 0 or 100 %."""
    with as_staff():
        org = factories.make_organization()
        email = factories.make_customer(org, Role.EXECUTIVE).email
    auth.login(email)
    body = client.get("/executive").get_data(as_text=True)
    assert "No escalation was resolved in the period" in body
    assert "No escalation was acknowledged in the period" in body
    assert "No Sev 1 or Sev 2 escalation is open." in body


def test_the_page_costs_the_same_queries_for_more_escalations(app, client, auth, as_staff,
                                                              reporting_executive):
    """More resolved and open escalations add no query to the executive view."""
    from datetime import timedelta

    from sqlalchemy import event

    from portal.enums import Status
    from portal.escalations.models import Escalation
    from portal.extensions import db
    from tests.escalations.test_reporting import walk

    email, _, refs = reporting_executive
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def measure() -> int:
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            with frozen_at(NOW):
                assert client.get("/executive").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    with frozen_at(NOW):
        auth.login(email)
    before = measure()
    with as_staff() as session:
        first = session.get(Escalation, Escalation.id_from_reference(refs["E1"]))
        agent = first.owner
        for n in range(8):
            walk(first.organization, agent, severity=1 + n % 2, opened=NOW - timedelta(days=n + 2),
                 moves=[(timedelta(minutes=5), Status.ACKNOWLEDGED),
                        (timedelta(minutes=10), Status.INVESTIGATING)]
                 + ([(timedelta(hours=2), Status.RESOLVED)] if n % 2 else []))
    assert measure() == before <= 10


def test_the_sev_1_and_2_table_says_each_ones_service_level_and_next_update(client, auth,
                                                                            as_staff, world):
    """Beside who owns it and how long it has been open: whether the clocks are kept, and when
    the customer hears next."""
    from portal.escalations.models import Escalation

    with as_staff() as session:
        severe = factories.make_escalation(session.merge(world.org_a),
                                           actor=session.merge(world.staff[Role.AGENT]),
                                           severity=1, title="Checkout down everywhere")
        session.flush()
        reference, due = severe.reference, session.get(Escalation, severe.id).next_update_due_at
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    body = client.get("/executive").get_data(as_text=True)
    table = body[body.index('id="severe-heading"'):]
    table = table[:table.index("</table>")]
    assert '<th scope="col">Service level</th>' in table
    row = table[table.index(reference):]
    row = row[:row.index("</tr>")]
    assert re.search(r'data-label="Service level">\s*<div><span class="sla sla-(on_track|at_risk)">'
                     r'<span class="sla-state">(On track|At risk)</span></span>\s*'
                     r'<div class="small muted">Acknowledge due in ', row), row
    assert due is not None and f'<time datetime="{due.isoformat()}"' in row
