"""The analytics CSV: the page's figures, safe to open in a spreadsheet, audited."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from tests.customer.test_exports import rows_of
from tests.factories import make_escalation

HOSTILE = '=HYPERLINK("http://evil.example","click")'


def test_group_names_that_look_like_formulas_are_written_as_text(client, auth, world, as_staff):
    with as_staff() as session:
        org = session.get(type(world.org_a), world.org_a.id)
        agent = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
        make_escalation(org, actor=agent, product_area=HOSTILE)
        make_escalation(org, actor=agent, product_area="@SUM(A1:A9)")
        org.name = "+Acme -1"
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    cells = {row[2] for row in rows_of(client.get("/admin/analytics.csv?group_by=product_area"))}
    assert "'" + HOSTILE in cells and "'@SUM(A1:A9)" in cells
    assert HOSTILE not in cells
    cells = {row[2] for row in rows_of(client.get("/admin/analytics.csv?group_by=organization"))}
    assert "'+Acme -1" in cells


def test_the_export_is_audited_with_its_filters(client, auth, world, as_staff):
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    response = client.get(f"/admin/analytics.csv?severity=2&organization={world.org_a.id}")
    rows_of(response)
    with as_staff() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "export.downloaded")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.detail["export"] == "analytics"
        assert event.detail["filters"] == {"severity": "2", "organization": str(world.org_a.id)}
        assert event.actor_id == world.staff[Role.ACCOUNT_MANAGER].id


def test_a_refused_filter_answers_the_page_with_its_message(client, auth, world):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    for query in (
        "since=2026-13",
        "since=2026-05&until=2026-01",
        "since=2020-01&until=2026-01",
        "severity=9",
        "group_by=colour",
    ):
        response = client.get(f"/admin/analytics.csv?{query}")
        assert response.status_code == 422 and response.mimetype == "text/html", query
        assert 'class="field-errors"' in response.get_data(as_text=True), query


def test_the_page_offers_the_export_of_what_it_shows(client, auth, world):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    page = client.get("/admin/analytics?severity=1&group_by=tier").get_data(as_text=True)
    assert 'href="/admin/analytics.csv?severity=1&amp;group_by=tier" download' in page
