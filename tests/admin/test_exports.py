"""The console's CSV exports: the queue, the audit log and the delivery log, each exactly as
filtered on screen, streamed in batches, safe in a spreadsheet, audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from portal.exports import BATCH
from tests.admin.test_queue import HX, _escalations, _references
from tests.customer.test_exports import rows_of
from tests.factories import CANARY
from tests.querycount import counted_queries


def _signed_in(auth, world, role=Role.AGENT):
    auth.login(world.staff[role].email)


def test_the_queue_export_has_the_pages_rows_in_the_pages_order(client, auth, as_staff,
                                                                 world):
    _escalations(as_staff, world, 6)
    _signed_in(auth, world)
    for args in ("", "?severity=1&sort=sla", "?view=mine"):
        shown = _references(client.get(f"/admin/{args}", headers=HX).get_data(as_text=True))
        heading, *rows = rows_of(client.get(f"/admin/queue.csv{args}"))
        assert heading[:3] == ["Reference", "Organization", "Title"]
        assert [row[0] for row in rows] == shown, args


def test_the_queue_page_offers_the_export_of_what_it_shows(client, auth, as_staff, world):
    _escalations(as_staff, world, 2)
    _signed_in(auth, world)
    page = client.get("/admin/?severity=1").get_data(as_text=True)
    link = re.search(r'href="(/admin/queue\.csv[^"]*)" download>Download this list as CSV',
                     page)
    assert link and "severity=1" in link[1]


def test_the_queue_export_reads_in_batches(app, client, auth, as_staff, world):
    """The same statements for 3 escalations or 30 (one batch), never one per row."""
    _signed_in(auth, world)
    counts = []
    for count in (3, 27):
        _escalations(as_staff, world, count)
        with counted_queries(app) as statements:
            client.get("/admin/queue.csv").get_data()
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert BATCH > 30  # both runs fit in one batch: the count is per batch


def test_a_refused_queue_filter_answers_the_queue_with_its_message(client, auth, world):
    _signed_in(auth, world)
    response = client.get("/admin/queue.csv?severity=9")
    assert response.status_code == 422 and response.mimetype == "text/html"


def test_the_audit_log_export_keeps_its_filters_and_is_itself_audited(client, auth, world,
                                                                      as_staff):
    _signed_in(auth, world, Role.ADMINISTRATOR)
    client.get("/admin/queue.csv").get_data()
    _, *rows = rows_of(client.get("/admin/audit.csv?action=export.downloaded"))
    assert rows and {row[2] for row in rows} == {"export.downloaded"}
    assert rows[0][1] == world.staff[Role.ADMINISTRATOR].email
    with as_staff() as session:
        exports = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "export.downloaded")).all()
    assert {"queue", "audit-log"} <= {detail["export"] for detail in exports}
    assert any(detail.get("filters") == {"action": "export.downloaded"} for detail in exports)


def test_only_those_who_read_the_audit_log_export_it(client, auth, world):
    _signed_in(auth, world, Role.AGENT)
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_delivery_export_keeps_its_filters(client, auth, world, as_staff):
    _signed_in(auth, world, Role.ADMINISTRATOR)
    page = client.get("/admin/delivery?channel=email").get_data(as_text=True)
    heading, *rows = rows_of(client.get("/admin/delivery.csv?channel=email"))
    assert heading[1:4] == ["Event", "Channel", "Recipient"]
    total = int(re.search(r"([\d,]+) notices? match", page)[1].replace(",", ""))
    assert total > 0 and len(rows) == total and {row[2] for row in rows} == {"email"}


@pytest.mark.parametrize("path", ["/admin/queue.csv", "/admin/audit.csv",
                                  "/admin/delivery.csv"])
def test_customers_get_no_console_export(client, auth, world, path):
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    response = client.get(path)
    assert response.status_code == 403 and CANARY not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["/admin/", "/admin/audit", "/admin/delivery",
                                  "/admin/analytics"])
def test_every_console_export_link_says_it_is_preparing_while_it_works(client, auth, world,
                                                                       as_staff, page):
    """A large export takes seconds: its link turns into 'Preparing the CSV…' (progress.js)."""
    _escalations(as_staff, world, 1)
    _signed_in(auth, world, Role.ADMINISTRATOR)
    client.get("/admin/queue.csv").get_data()  # something for the audit log and delivery
    body = client.get(page).get_data(as_text=True)
    links = re.findall(r'<a [^>]*href="[^"]*\.csv[^"]*"[^>]*>', body)
    assert links, page
    assert all('data-busy="Preparing the CSV…"' in link for link in links), links
