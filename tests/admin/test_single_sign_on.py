"""The console's single sign-on pages: administrators set an organization's provider and the
staff's; bad input answers 422 by the field and leaves nothing; the secret is sealed, never
shown back, never audited."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.accounts.single_sign_on.models import IdentityProvider, IdentityProviderDomain
from portal.accounts.single_sign_on.sealing import unseal
from portal.audit import AuditEvent
from portal.enums import Role

SECRET = "a-very-secret-client-secret-4242"


def _token(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _form(client, path, **overrides) -> dict:
    data = {"csrf_token": _token(client, path), "enabled": "y",
            "issuer": "https://login.acme.example.com/realms/acme", "client_id": "clearpath",
            "client_secret": SECRET, "domains": "acme.example.com, Acme-Group.example.com",
            "default_role": "viewer"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_sets_up_an_organizations_provider(app, client, auth, world,
                                                            as_staff):
    """Saved, sealed, listed on the organization's page, audited without the secret."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}/single-sign-on"
    answer = client.post(path, data=_form(client, path, default_role="executive"))
    assert answer.status_code == 302
    detail = client.get(f"/admin/organizations/{world.org_a.id}").get_data(as_text=True)
    assert "On for acme-group.example.com, acme.example.com" in detail
    page = client.get(path).get_data(as_text=True)
    assert SECRET not in page and "ends in …4242" in page
    with as_staff() as session, app.test_request_context():
        provider = session.scalar(select(IdentityProvider))
        assert provider.organization_id == world.org_a.id
        assert provider.default_role == Role.EXECUTIVE
        assert SECRET not in provider.client_secret_sealed
        assert unseal(provider.client_secret_sealed) == SECRET
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "sso.provider_configured"))
        assert SECRET not in str(event.detail) and event.detail["client_secret_changed"]
        assert event.organization_id == world.org_a.id


def test_an_empty_secret_keeps_the_stored_one(app, client, auth, world, as_staff):
    """Saving again without typing the secret keeps it."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}/single-sign-on"
    client.post(path, data=_form(client, path))
    assert client.post(path, data=_form(client, path, client_secret="")).status_code == 302
    with as_staff() as session, app.test_request_context():
        assert unseal(session.scalar(select(IdentityProvider)).client_secret_sealed) == SECRET


def test_bad_input_answers_by_the_field_and_leaves_nothing(client, auth, world, as_staff):
    """A plain-http issuer, a bad domain, a missing secret: 422 beside the field, no row."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}/single-sign-on"
    for overrides, message in [
        ({"issuer": "http://login.acme.example.com"}, "https:// URL"),
        ({"domains": "not a domain!"}, "is not an email domain"),
        ({"client_secret": ""}, "Give the client secret"),
        ({"default_role": "administrator"}, "Not a valid choice"),
        ({"require_sso": "y"}, "Name a break-glass admin"),
    ]:
        answer = client.post(path, data=_form(client, path, **overrides))
        assert answer.status_code == 422, overrides
        assert message in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(IdentityProvider)) == 0
        assert session.scalar(select(func.count()).select_from(IdentityProviderDomain)) == 0


def test_a_domain_belongs_to_one_provider(client, auth, world):
    """Globex cannot claim Acme's domain."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path_a = f"/admin/organizations/{world.org_a.id}/single-sign-on"
    client.post(path_a, data=_form(client, path_a))
    path_b = f"/admin/organizations/{world.org_b.id}/single-sign-on"
    answer = client.post(path_b, data=_form(client, path_b, domains="acme.example.com"))
    assert answer.status_code == 422
    assert "already sign in through another provider" in answer.get_data(as_text=True)


def test_require_sso_names_an_active_customer_admin_of_the_organization(client, auth, world):
    """The break-glass admin must be this organization's customer admin."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}/single-sign-on"
    foreign = world.customers_b[Role.CUSTOMER_ADMIN].id
    refused = client.post(path, data=_form(client, path, require_sso="y",
                                           break_glass_user_id=str(foreign)))
    assert refused.status_code == 422
    own = world.customers_a[Role.CUSTOMER_ADMIN]
    assert client.post(path, data=_form(client, path, require_sso="y",
                                        break_glass_user_id=str(own.id))).status_code == 302
    detail = client.get(f"/admin/organizations/{world.org_a.id}").get_data(as_text=True)
    assert f"required (break-glass: {own.name})" in detail


def test_the_staff_provider_offers_staff_roles_only(client, auth, world, as_staff):
    """Staff just-in-time people default to agent; administrator cannot be the default."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    page = client.get("/admin/single-sign-on").get_data(as_text=True)
    assert '<option selected value="agent">' in page or 'value="agent" selected' in page
    assert 'value="administrator"' not in page
    answer = client.post("/admin/single-sign-on", data=_form(
        client, "/admin/single-sign-on", domains="vendor.example.com", default_role="agent"))
    assert answer.status_code == 302
    with as_staff() as session:
        provider = session.scalar(select(IdentityProvider))
        assert provider.for_staff and provider.organization_id is None


def test_only_administrators_reach_the_pages(client, auth, world):
    """An escalation manager gets 403 on both pages."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    assert client.get("/admin/single-sign-on").status_code == 403
    assert client.get(f"/admin/organizations/{world.org_a.id}/single-sign-on").status_code == 403
