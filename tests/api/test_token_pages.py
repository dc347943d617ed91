"""The token pages: administrators issue service tokens in the console, customer admins their
organization's; a token is shown once, works at once, and stops when revoked."""

from __future__ import annotations

import re

import pytest

from portal.enums import Role

SECRET_RE = re.compile(r'<code class="token-secret">(cp_live_[^<]+)</code>')


def _issue(client, auth, page: str, data: dict) -> tuple[int, str]:
    token = auth.csrf_token(page)
    response = client.post(page, data={"csrf_token": token, **data})
    return response.status_code, response.get_data(as_text=True)


def test_an_administrator_issues_a_service_token_shown_once(client, auth, world):
    """The new token is on the page once, works as a bearer token, and the list shows only
    its prefix afterwards."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    status, html = _issue(client, auth, "/admin/api-tokens",
                          {"name": "helpdesk sync", "scopes": ["read", "updates:write"]})
    assert status == 200
    secret = SECRET_RE.search(html).group(1)
    listed = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "helpdesk sync" in listed and secret not in listed and secret[:14] in listed
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["scopes"] == ["read", "updates:write"] and me["role"] == "administrator"


def test_the_token_form_refuses_with_the_forms_messages(client, auth, world):
    """No name and no scope: 422 with both messages beside their fields."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    status, html = _issue(client, auth, "/admin/api-tokens", {"name": ""})
    assert status == 422
    assert "Name the token after what will use it." in html
    assert "Choose at least one scope." in html


def test_agents_cannot_reach_the_token_page(client, auth, world):
    """Only administrators manage service tokens."""
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/admin/api-tokens").status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE])
def test_only_customer_admins_issue_customer_tokens(client, auth, world, role):
    """Viewers and executives are refused the customer token page."""
    auth.login(world.customers_a[role].email)
    assert client.get("/team/api-tokens").status_code == 403


def test_a_customer_admin_issues_and_revokes_an_organization_token(client, auth, world):
    """The customer's token sees the organization's escalations and stops once revoked; the
    other organization's admin cannot revoke it (404)."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    status, html = _issue(client, auth, "/team/api-tokens",
                          {"name": "our dashboard", "scopes": ["read"]})
    assert status == 200
    secret = SECRET_RE.search(html).group(1)
    bearer = {"Authorization": f"Bearer {secret}"}
    items = client.get("/api/v1/escalations", headers=bearer).get_json()["items"]
    assert [item["id"] for item in items] == [world.escalation_a.id]
    assert client.post(f"/api/v1/escalations/{world.escalation_a.id}/comments",
                       json={"body": "hi"}, headers=bearer).status_code == 403  # read only
    token_id = int(re.search(r'id="token-(\d+)"', html).group(1))
    auth.logout("/team/api-tokens")
    auth.login(world.customers_b[Role.CUSTOMER_ADMIN].email)
    csrf = auth.csrf_token("/team/api-tokens")
    assert "our dashboard" not in client.get("/team/api-tokens").get_data(as_text=True)
    assert client.post(f"/team/api-tokens/{token_id}/revoke",
                       data={"csrf_token": csrf}).status_code == 404
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    auth.logout("/team/api-tokens")
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    csrf = auth.csrf_token("/team/api-tokens")
    assert client.post(f"/team/api-tokens/{token_id}/revoke",
                       data={"csrf_token": csrf}).status_code == 302
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_the_team_page_and_the_console_link_to_the_api(client, auth, world):
    """The customer admin's team page and the console's navigation lead to the API pages."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    team = client.get("/team").get_data(as_text=True)
    assert "/team/api-tokens" in team and "/api/v1/docs" in team
    auth.logout("/team")
    auth.login(world.staff[Role.AGENT].email)
    assert "/api/v1/docs" in client.get("/admin/").get_data(as_text=True)
