"""Customers' CSV exports: the history as filtered and a review's remediation actions —
their organization's rows only, never an internal one, safe in a spreadsheet, audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import now
from portal.enums import Role
from portal.escalations.models import Escalation
from portal.exports import cell
from tests import factories
from tests.customer import test_history
from tests.customer.test_history import DAY, RESOLVE, _queries
from tests.escalations.test_reporting import walk

history = test_history.history  # the fixtures: two of organization A's, one of B's
viewer = test_history.viewer


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.mark.parametrize(("typed", "written"), [
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
    ("+1 555 0100", "'+1 555 0100"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("Checkout = broken", "Checkout = broken"), ("", ""),
])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(typed, written):
    assert cell(typed) == written


def test_numbers_and_missing_values_stay_what_they_are():
    assert (cell(-3), cell(2.5), cell(None), cell(True)) == (-3, 2.5, "", "yes")


def test_the_history_export_is_the_page_every_page_of_it(viewer, history, world):
    """The same rows as the page, newest resolution first; the other organization's and the
    open ones are not there; a step marked internal counts nowhere."""
    response = viewer.get("/history.csv")
    assert response.is_streamed
    heading, *rows = rows_of(response)
    assert heading[:4] == ["Reference", "Title", "Severity", "Status"]
    assert [row[0] for row in rows] == [history["recent"], history["old"]]
    assert rows[0][8:10] == ["1", "3"]  # customer-visible steps only: 1 of 3 done
    # The service level as the page says it (tests/customer/test_history.py).
    assert heading[-2:] == ["Acknowledge SLA", "Resolve SLA"]
    assert [row[-2:] for row in rows] == [["Missed", "Met"], ["Met", "Met"]]
    body = response.get_data(as_text=True)
    assert history["foreign"] not in body and factories.CANARY not in body
    assert world.escalation_a.reference not in body


def test_the_history_export_keeps_the_filters(viewer, history):
    _, *rows = rows_of(viewer.get("/history.csv?severity=3"))
    assert [row[0] for row in rows] == [history["old"]]
    page = viewer.get("/history?severity=3").get_data(as_text=True)
    assert 'href="/history.csv?severity=3" download>Download these as CSV' in page


def test_a_refused_filter_answers_the_page_with_its_message(viewer, history):
    response = viewer.get("/history.csv?severity=9")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_a_title_a_spreadsheet_would_run_is_exported_as_text(viewer, as_staff, world):
    with as_staff() as session:
        walk(session.merge(world.org_a), session.merge(world.staff[Role.AGENT]), severity=2,
             opened=now() - DAY, moves=RESOLVE, title="=cmd|' /C calc'!A0")
    _, row = rows_of(viewer.get("/history.csv"))
    assert row[1] == "'=cmd|' /C calc'!A0"


def test_every_export_is_audited_with_its_filters(viewer, history, as_staff, world):
    viewer.get("/history.csv?severity=1").get_data()
    with as_staff() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export.downloaded")).one()
        assert event.actor_id == world.customers_a[Role.VIEWER].id
        assert event.organization_id == world.org_a.id
        assert event.detail["filters"] == {"severity": "1"}
        assert event.detail["export"].startswith("escalation-history-")


def test_the_export_reads_in_batches_not_per_row(app, viewer, history, as_staff,
                                                 world):
    """Ten more escalations add no statement: progress is looked up per batch of rows."""
    before = _queries(app, lambda: viewer.get("/history.csv").get_data())
    with as_staff() as session:
        org_a = session.merge(world.org_a)
        agent = session.merge(world.staff[Role.AGENT])
        for n in range(10):
            walk(org_a, agent, severity=2, opened=now() - (20 + n) * DAY, moves=RESOLVE,
                 title=f"More {n}")
    assert _queries(app, lambda: viewer.get("/history.csv").get_data()) == before


def test_another_organizations_export_cannot_be_had(client, auth, history, world):
    auth.login(world.customers_b[Role.VIEWER].email)
    _, *rows = rows_of(client.get("/history.csv"))
    assert [row[0] for row in rows] == [history["foreign"]]


def test_staff_previewing_a_customer_cannot_export_in_their_name(client, auth, world):
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    viewer_id = world.customers_a[Role.VIEWER].id
    client.post(f"/admin/preview/{viewer_id}",
                data={"csrf_token": auth.csrf_token(f"/admin/preview/{viewer_id}")})
    response = client.get("/history.csv")
    assert response.status_code == 403
    assert "export as yourself" in response.get_data(as_text=True)


def test_signed_out_people_are_asked_to_sign_in(client):
    assert client.get("/history.csv").headers["Location"].startswith("/login")


def test_staff_get_no_customer_export(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/history.csv").headers["Location"] == "/admin/"


def test_an_escalations_count_matches_its_rows(viewer, as_staff, world):
    """Thirty resolved escalations: thirty rows (more than a page of the history)."""
    with as_staff() as session:
        org_a = session.merge(world.org_a)
        agent = session.merge(world.staff[Role.AGENT])
        for n in range(30):
            walk(org_a, agent, severity=2, opened=now() - (40 - n) * DAY, moves=RESOLVE,
                 title=f"Batch issue {n}")
        expected = session.scalar(select(Escalation.id).where(
            Escalation.title == "Batch issue 29"))
    _, *rows = rows_of(viewer.get("/history.csv"))
    assert len(rows) == 30 and rows[0][0] == Escalation.reference_of(expected)


def test_the_history_export_link_says_it_is_preparing_while_it_works(viewer, history):
    body = viewer.get("/history").get_data(as_text=True)
    assert '<a data-busy="Preparing the CSV…" href="/history.csv' in body
