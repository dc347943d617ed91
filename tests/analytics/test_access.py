"""Who reads the analytics and enters ticket volumes: account managers, escalation managers and
administrators; agents and customers never."""

from __future__ import annotations

import pytest

from portal.enums import Role

PAGES = ("/admin/analytics", "/admin/analytics.csv", "/admin/analytics/ticket-volumes")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.AGENT, 403),
        (Role.ACCOUNT_MANAGER, 200),
        (Role.ESCALATION_MANAGER, 200),
        (Role.ADMINISTRATOR, 200),
    ],
)
def test_staff_roles_read_the_analytics_as_their_capability_allows(
    client, auth, world, role, status
):
    auth.login(world.staff[role].email)
    for page in PAGES:
        assert client.get(page).status_code == status, page


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN])
def test_customers_never_reach_the_analytics(client, auth, world, role):
    auth.login(world.customers_a[role].email)
    for page in PAGES:
        assert client.get(page).status_code == 403, page


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_agent_cannot_record_a_ticket_volume(client, auth, world, as_staff):
    """The POST answers 403 and nothing is stored."""
    from sqlalchemy import func, select

    from portal.analytics.models import TicketVolume

    auth.login(world.staff[Role.AGENT].email)
    token = auth.csrf_token("/admin/")
    response = client.post(
        "/admin/analytics/ticket-volumes",
        data={
            "csrf_token": token,
            "organization": world.org_a.id,
            "month": "2026-01",
            "tickets": "10",
        },
    )
    assert response.status_code == 403
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(TicketVolume)) == 0
