"""Staff enter each organization's monthly ticket volume; a refused entry answers 422 with the
message by its field and stores nothing; a saved one is audited and moves the escalation rate."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.analytics.models import TicketVolume
from portal.audit import AuditEvent
from portal.enums import Role

URL = "/admin/analytics/ticket-volumes"


def _post(client, auth, **fields):
    token = auth.csrf_token(URL)
    return client.post(URL, data={"csrf_token": token, **fields})


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", found[1]).replace("Error:", "").strip() if found else ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"organization": "999999", "month": "2026-01", "tickets": "10"},
            "organization",
            "Choose the organization.",
        ),
        ({"month": "", "tickets": "10"}, "month", "Give the month, as YYYY-MM."),
        ({"month": "January", "tickets": "10"}, "month", "Give a month as YYYY-MM"),
        ({"month": "2026-13", "tickets": "10"}, "month", "Give a month as YYYY-MM"),
        ({"month": "2099-01", "tickets": "10"}, "month", "Enter a month that has begun."),
        ({"month": "2026-01", "tickets": ""}, "tickets", "Give the number of tickets."),
        ({"month": "2026-01", "tickets": "-4"}, "tickets", "Give a whole number from 0"),
        ({"month": "2026-01", "tickets": "many"}, "tickets", "Not a valid integer value."),
    ],
)
def test_a_refused_entry_says_why_by_its_field(
    client, auth, world, as_staff, fields, field, message
):
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    fields = {"organization": str(world.org_a.id), **fields}
    response = _post(client, auth, **fields)
    assert response.status_code == 422
    assert _error_of(response.get_data(as_text=True), field).startswith(message)
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(TicketVolume)) == 0


def test_a_missing_organization_is_refused(client, auth, world, as_staff):
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    response = _post(client, auth, month="2026-01", tickets="10")
    assert response.status_code == 422
    assert _error_of(response.get_data(as_text=True), "organization") == "Choose the organization."


def test_a_saved_volume_is_listed_audited_and_corrected_by_a_second_entry(
    client, auth, world, as_staff
):
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    for tickets in ("250", "260"):
        response = _post(
            client, auth, organization=str(world.org_a.id), month="2026-03", tickets=tickets
        )
        assert response.status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "Mar 2026" in page and "260" in page and "Ticket volume saved." in page
    with as_staff() as session:
        volumes = session.scalars(select(TicketVolume)).all()
        assert [(v.organization_id, v.month, v.tickets) for v in volumes] == [
            (world.org_a.id, date(2026, 3, 1), 260)
        ]
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "analytics.ticket_volume_recorded")
            .order_by(AuditEvent.id)
        ).all()
        assert [(e.detail.get("before"), e.detail["tickets"]) for e in events] == [
            (None, 250),
            (250, 260),
        ]
        assert events[0].actor_id == world.staff[Role.ESCALATION_MANAGER].id
