"""A customer admin manages the organization's webhook endpoints; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.enums import Role
from portal.notices import signing
from portal.notices.models import WebhookEndpoint
from tests.webhooks.conftest import secret_on


def _endpoint(as_staff, organization_id, **kw) -> int:
    with as_staff() as session:
        endpoint = WebhookEndpoint(organization_id=organization_id,
                                   name=kw.get("name", "Existing"),
                                   url=kw.get("url", "https://93.184.215.14/existing"),
                                   kind="generic",
                                   secret_sealed=signing.seal("whsec_existing-secret"))
        session.add(endpoint)
        session.flush()
        return endpoint.id


def test_adding_an_endpoint_shows_its_secret_once(portal_as, world, as_staff, client):
    """The secret is on the page that answers the add, stored sealed, and never shown again."""
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    answer = portal.add()
    html = answer.get_data(as_text=True)
    secret = secret_on(html)
    assert answer.status_code == 200 and secret and secret.startswith("whsec_")
    assert "shown only this once" in html
    with as_staff() as session:
        endpoint = session.scalar(select(WebhookEndpoint).where(
            WebhookEndpoint.organization_id == world.org_a.id))
        assert signing.current_secret(endpoint) == secret and secret not in endpoint.secret_sealed
        assert endpoint.events == ["update.note", "update.status_change"]
        endpoint_id = endpoint.id
    assert secret not in client.get("/webhooks").get_data(as_text=True)
    page = client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert secret not in page and f"…{secret[-4:]}" in page


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": ""}, "name", "Give the endpoint a name."),
    ({"url": ""}, "url", "Enter the URL that receives the events."),
    ({"url": "http://93.184.215.14/hook"}, "url", "https only"),
    ({"url": "https://127.0.0.1/hook"}, "url", "loopback"),
    ({"url": "https://169.254.169.254/latest"}, "url", "cloud metadata"),
    ({"url": "ftp://example.com/x"}, "url", "Enter a full https:// URL."),
    ({"events": ()}, "events", "Choose at least one event to send."),
])
def test_a_refused_endpoint_answers_422_with_the_message_by_its_field(
        portal_as, world, app, monkeypatch, data, field, message):
    """Each refusal is shown beside the field it is about, and nothing is saved."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    answer = portal.add(**data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    error_block = html.split(f'id="endpoint-{field}-error"', 1)[1].split("</ul>", 1)[0]
    assert message in error_block
    assert secret_on(html) is None


def test_another_organizations_endpoint_is_not_found(portal_as, world, as_staff):
    """A customer admin of B asking for A's endpoint, or posting to it, gets 404."""
    endpoint_id = _endpoint(as_staff, world.org_a.id)
    portal = portal_as(world.customers_b[Role.CUSTOMER_ADMIN])
    assert portal.client.get(f"/webhooks/{endpoint_id}").status_code == 404
    for action in ("", "/test", "/pause", "/rotate", "/delete"):
        assert portal.post(f"/webhooks/{endpoint_id}{action}").status_code == 404
    assert "Existing" not in portal.client.get("/webhooks").get_data(as_text=True)
    with as_staff() as session:
        assert session.get(WebhookEndpoint, endpoint_id).active


def test_a_staff_team_endpoint_is_invisible_to_customers(portal_as, world, as_staff):
    """Endpoints without an organization belong to staff: a customer cannot even find them."""
    endpoint_id = _endpoint(as_staff, None, name="Staff bridge")
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    assert portal.client.get(f"/webhooks/{endpoint_id}").status_code == 404
    assert "Staff bridge" not in portal.client.get("/webhooks").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE])
def test_customers_who_are_not_admins_cannot_manage_endpoints(portal_as, world, as_staff, role):
    """Viewers and executives get 403 on every webhook page and action, and no nav link."""
    endpoint_id = _endpoint(as_staff, world.org_a.id)
    portal = portal_as(world.customers_a[role], base="/escalations")
    assert portal.client.get("/webhooks").status_code == 403
    assert portal.client.get(f"/webhooks/{endpoint_id}").status_code == 403
    assert 'href="/webhooks"' not in portal.client.get("/escalations").get_data(as_text=True)
    assert portal.post("/webhooks", page="/escalations").status_code == 403
    for action in ("/test", "/pause", "/delete"):
        refused = portal.post(f"/webhooks/{endpoint_id}{action}", page="/escalations")
        assert refused.status_code == 403


def test_pause_resume_edit_and_delete(portal_as, world, as_staff):
    """The admin pauses, resumes, changes the events, then deletes the endpoint."""
    endpoint_id = _endpoint(as_staff, world.org_a.id)
    portal = portal_as(world.customers_a[Role.CUSTOMER_ADMIN])
    page = f"/webhooks/{endpoint_id}"
    assert portal.post(f"{page}/pause", page=page).status_code == 302
    with as_staff() as session:
        assert session.get(WebhookEndpoint, endpoint_id).paused
    portal.post(f"{page}/resume", page=page)
    from tests.conftest import csrf_token_from
    token = csrf_token_from(portal.client.get(page).get_data(as_text=True))
    edited = portal.client.post(page, data={
        "edit-csrf_token": token, "edit-name": "Renamed",
        "edit-url": "https://93.184.215.14/renamed", "edit-kind": "slack",
        "edit-events": ["update.milestone"]})
    assert edited.status_code == 302
    with as_staff() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert (endpoint.active, endpoint.name, endpoint.kind.value, endpoint.events) == (
            True, "Renamed", "slack", ["update.milestone"])
    assert portal.post(f"{page}/delete", page=page).status_code == 302
    with as_staff() as session:
        assert session.get(WebhookEndpoint, endpoint_id) is None
