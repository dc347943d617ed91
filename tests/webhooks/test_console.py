"""Staff see every endpoint in the console; those who may manage webhooks change them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.enums import Role
from portal.notices import signing
from portal.notices.models import WebhookEndpoint
from tests.conftest import csrf_token_from
from tests.webhooks.conftest import secret_on


def _add(client, **data):
    token = csrf_token_from(client.get("/admin/webhooks").get_data(as_text=True))
    form = {"endpoint-csrf_token": token, "endpoint-name": "Staff bridge",
            "endpoint-url": "https://93.184.215.14/staff", "endpoint-kind": "generic",
            "endpoint-events": ["update.note"], "endpoint-organization": ""}
    form.update({f"endpoint-{key}": value for key, value in data.items()})
    return client.post("/admin/webhooks", data=form)


def test_an_administrator_adds_a_staff_team_endpoint_and_sees_its_secret_once(
        client, auth, world, as_staff):
    """The console's form makes a staff team endpoint; the secret is on that answer only."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    answer = _add(client)
    secret = secret_on(answer.get_data(as_text=True))
    assert answer.status_code == 200 and secret
    with as_staff() as session:
        endpoint = session.scalar(select(WebhookEndpoint))
        assert endpoint.organization_id is None and signing.current_secret(endpoint) == secret
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Staff bridge" in listing and "Staff team" in listing and secret not in listing


def test_the_console_sees_every_organizations_endpoints(client, auth, world):
    """An agent reads the list and an endpoint's log, with A's and B's endpoints both there."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    _add(client, name="Acme hook", organization=str(world.org_a.id))
    _add(client, name="Globex hook", organization=str(world.org_b.id))
    auth.logout("/admin/webhooks")
    auth.login(world.staff[Role.AGENT].email)
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Acme hook" in listing and "Globex hook" in listing
    assert "Add an endpoint" not in listing


@pytest.mark.parametrize("role", [Role.AGENT, Role.ACCOUNT_MANAGER])
def test_staff_who_may_not_manage_webhooks_are_refused(client, auth, world, as_staff, role):
    """Agents and account managers read endpoints but get 403 on every change."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    _add(client, organization=str(world.org_a.id))
    auth.logout("/admin/webhooks")
    with as_staff() as session:
        endpoint_id = session.scalar(select(WebhookEndpoint.id))
    auth.login(world.staff[role].email)
    page = f"/admin/webhooks/{endpoint_id}"
    assert client.get(page).status_code == 200
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    assert _add(client).status_code == 403
    for action in ("/test", "/pause", "/rotate", "/delete"):
        assert client.post(page + action, data={"csrf_token": token}).status_code == 403


def test_a_console_url_refused_by_the_ssrf_rule_answers_422(client, auth, world, app,
                                                            monkeypatch):
    """The metadata address is refused in the console too, the reason beside the URL."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    answer = _add(client, url="https://[::ffff:169.254.169.254]/latest")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "cloud metadata" in html.split('id="endpoint-url-error"', 1)[1].split("</ul>", 1)[0]
