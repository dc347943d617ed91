"""Organizations in the console: the list, creating and editing accounts, their people and
invitations; every change audited with before and after values."""

from __future__ import annotations

import re
from functools import partial

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Invitation, Organization, SlaPolicy, User
from portal.audit import AuditEvent
from portal.enums import Role, Segment
from portal.escalations.models import Escalation
from portal.notices.models import Notice
from tests import factories
from tests.querycount import counted_queries as counting


def _form(client, path: str) -> dict:
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return {"csrf_token": token}


def _org_data(client, path, **overrides):
    data = _form(client, path)
    data.update(name="Initech", slug="initech", segment="enterprise",
                annual_revenue="25000000", timezone="Europe/Paris", sla_policy_id="",
                account_manager_id="")
    data.update(overrides)
    return data


counted_queries = partial(counting, kinds=None)  # every statement


def test_the_list_shows_segment_plan_manager_and_open_escalations(client, auth, world,
                                                                  as_staff):
    """Staff see every account with its plan, manager and how many escalations are open."""
    with as_staff() as session:
        plan = session.get(SlaPolicy, world.org_a.sla_policy_id).name
        session.get(Organization, world.org_a.id).account_manager_id = \
            world.staff[Role.ACCOUNT_MANAGER].id
    auth.login(world.staff[Role.AGENT].email)
    html = client.get("/admin/organizations").get_data(as_text=True)
    row = re.search(rf'<tr id="organization-{world.org_a.id}">.*?</tr>', html, re.S).group(0)
    assert "Acme Logistics" in row and "Strategic" in row
    assert plan in row and world.staff[Role.ACCOUNT_MANAGER].name in row
    assert re.search(r'data-label="Open escalations"><div>1</div>', row)
    assert "New organization" not in html  # agents read, they do not manage


def test_the_list_costs_the_same_queries_for_more_organizations(app, client, auth, world,
                                                                 as_staff):
    """The list's query count does not grow with the number of accounts."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    with counted_queries(app) as before:
        client.get("/admin/organizations")
    with as_staff():
        manager = factories.make_staff(Role.ACCOUNT_MANAGER)
        for _ in range(5):
            org = factories.make_organization()
            org.account_manager_id = manager.id
    with counted_queries(app) as after:
        client.get("/admin/organizations")
    assert len(after) == len(before)


def test_an_administrator_creates_an_organization(client, auth, world, as_staff):
    """A new account is saved with its plan and manager, and the creation is audited."""
    admin = world.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    manager = world.staff[Role.ACCOUNT_MANAGER]
    data = _org_data(client, "/admin/organizations/new",
                     sla_policy_id=str(world.org_a.sla_policy_id),
                     account_manager_id=str(manager.id))
    answer = client.post("/admin/organizations/new", data=data)
    assert answer.status_code == 302
    with as_staff() as session:
        org = session.scalar(select(Organization).where(Organization.slug == "initech"))
        assert (org.name, org.segment, org.annual_revenue, org.timezone) == (
            "Initech", Segment.ENTERPRISE, 25_000_000, "Europe/Paris")
        assert org.account_manager_id == manager.id
        entry = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "organization.created", AuditEvent.object_id == org.id))
        assert entry.actor_id == admin.id and entry.organization_id == org.id
        assert entry.detail["after"]["timezone"] == "Europe/Paris"
        assert entry.ip_address == "127.0.0.1"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "Give the organization"),
    ({"name": "Acme Logistics"}, "name", "already has this name"),
    ({"slug": "Not A Slug"}, "slug", "Use lowercase letters"),
    ({"annual_revenue": "-5"}, "annual_revenue", "cannot be negative"),
    ({"annual_revenue": "lots"}, "annual_revenue", "Not a valid integer"),
    ({"timezone": "Mars/Olympus"}, "timezone", "Choose a timezone from the list"),
    ({"segment": "galactic"}, "segment", "Not a valid choice"),
    ({"sla_policy_id": ""}, "sla_policy_id", "Choose the support plan"),
    ({"sla_policy_id": "999999"}, "sla_policy_id", "Choose the support plan"),
    ({"account_manager_id": "AGENT"}, "account_manager_id", "Choose an active account manager"),
])
def test_bad_organization_input_is_explained_and_saves_nothing(client, auth, world, as_staff,
                                                               overrides, field, message):
    """Each bad value answers 422 with the message beside its field; nothing is created."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    if overrides.get("account_manager_id") == "AGENT":
        overrides["account_manager_id"] = str(world.staff[Role.AGENT].id)
    data = _org_data(client, "/admin/organizations/new",
                     sla_policy_id=str(world.org_a.sla_policy_id))
    data.update(overrides)
    answer = client.post("/admin/organizations/new", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == 2


def test_editing_an_account_audits_before_and_after_and_moves_its_escalations(
        client, auth, world, as_staff):
    """New revenue, segment and timezone: the audit keeps both values; priorities and SLA
    deadlines of its open escalations are recomputed."""
    admin = world.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    with as_staff() as session:
        business = factories.make_policy(business_hours={
            str(day): [["09:00", "17:00"]] for day in range(5)})
        business_id = business.id
        before = session.get(Escalation, world.escalation_a.id)
        old_score, old_due = before.priority_score, before.resolve_due_at
    data = _org_data(client, f"/admin/organizations/{world.org_a.id}/edit",
                     name="Acme Logistics", slug=world.org_a.slug, segment="growth",
                     annual_revenue="1000", timezone="Asia/Tokyo",
                     sla_policy_id=str(business_id))
    answer = client.post(f"/admin/organizations/{world.org_a.id}/edit", data=data)
    assert answer.status_code == 302
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.priority_score < old_score
        assert escalation.resolve_due_at != old_due
        entry = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "organization.updated"))
        assert entry.detail["before"] == {
            "segment": "strategic", "annual_revenue": 10_000_000, "timezone": "Europe/Berlin",
            "sla_policy_id": world.org_a.sla_policy_id}
        assert entry.detail["after"] == {"segment": "growth", "annual_revenue": 1000,
                                         "timezone": "Asia/Tokyo", "sla_policy_id": business_id}


def test_saving_an_unchanged_account_writes_no_audit_event(client, auth, world, as_staff):
    """Only changes are audited."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    org = world.org_a
    data = _org_data(client, f"/admin/organizations/{org.id}/edit", name=org.name,
                     slug=org.slug, segment=org.segment.value,
                     annual_revenue=str(org.annual_revenue), timezone=org.timezone,
                     sla_policy_id=str(org.sla_policy_id))
    assert client.post(f"/admin/organizations/{org.id}/edit", data=data).status_code == 302
    with as_staff() as session:
        assert not session.scalar(select(AuditEvent).where(
            AuditEvent.action == "organization.updated"))


def test_a_bad_edit_changes_nothing(client, auth, world, as_staff):
    """A refused edit leaves the account as it was."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    data = _org_data(client, f"/admin/organizations/{world.org_a.id}/edit",
                     name="Renamed", slug=world.org_a.slug, timezone="Nowhere/Land",
                     sla_policy_id=str(world.org_a.sla_policy_id))
    assert client.post(f"/admin/organizations/{world.org_a.id}/edit",
                       data=data).status_code == 422
    with as_staff() as session:
        assert session.get(Organization, world.org_a.id).name == "Acme Logistics"


def test_the_detail_page_lists_people_and_open_invitations(client, auth, world):
    """An account's page shows its people with role, status and last sign-in, and who is
    still invited."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    # Addresses may break after "@" and dots (<wbr>), never mid-word: read them joined.
    html = client.get(f"/admin/organizations/{world.org_a.id}").get_data(as_text=True).replace(
        "<wbr>", "")
    for person in world.customers_a.values():
        assert person.name in html and person.email in html
    assert "Customer admin" in html and "Never" in html
    assert world.invitation_a.email in html
    assert world.customers_b[Role.VIEWER].email not in html
    assert "Send invitation" not in html  # escalation managers do not manage accounts


def test_staff_invite_a_customer_admin_and_the_email_is_queued(client, auth, world, as_staff):
    """An administrator invites anyone into an account, with any customer role."""
    admin = world.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    path = f"/admin/organizations/{world.org_b.id}"
    data = _form(client, path)
    data.update({"invite-email": "Boss@Globex.example.com", "invite-name": "Pat Boss",
                 "invite-role": "customer_admin"})
    assert client.post(f"{path}/invitations", data=data).status_code == 302
    with as_staff() as session:
        invitation = session.scalar(select(Invitation).where(
            Invitation.email == "boss@globex.example.com"))
        assert invitation.role == Role.CUSTOMER_ADMIN and invitation.invited_by_id == admin.id
        assert invitation.organization_id == world.org_b.id
        assert session.scalar(select(Notice).where(Notice.recipient == invitation.email))
        assert session.scalar(select(AuditEvent).where(
            AuditEvent.action == "invitation.created", AuditEvent.actor_id == admin.id))


@pytest.mark.parametrize(("email", "role", "message"), [
    ("not-an-address", "viewer", "email address"),
    ("", "viewer", "Give the person"),
    ("new@example.com", "administrator", "Not a valid choice"),
    ("EXISTING", "viewer", "already has a Clearpath account"),
])
def test_bad_invitations_are_explained(client, auth, world, as_staff, email, role, message):
    """A refused invitation answers 422 beside its field and sends nothing."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    if email == "EXISTING":
        email = world.customers_b[Role.VIEWER].email
    path = f"/admin/organizations/{world.org_a.id}"
    data = _form(client, path)
    data.update({"invite-email": email, "invite-role": role})
    answer = client.post(f"{path}/invitations", data=data)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_staff_revoke_an_invitation(client, auth, world, as_staff):
    """Revoking makes the link stop working, and is audited."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}"
    answer = client.post(f"{path}/invitations/{world.invitation_a.id}/revoke",
                         data=_form(client, path))
    assert answer.status_code == 302
    with as_staff() as session:
        assert session.get(Invitation, world.invitation_a.id).revoked_at is not None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.revoked"))


def test_an_invitation_of_another_organization_is_a_404(client, auth, world):
    """The URL's organization must own the invitation."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}"
    answer = client.post(f"{path}/invitations/{world.invitation_b.id}/revoke",
                         data=_form(client, path))
    assert answer.status_code == 404


def test_staff_deactivate_and_reactivate_a_customer(client, auth, world, as_staff):
    """From the account's page, a customer is deactivated (audited) and later let back in."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    viewer = world.customers_a[Role.VIEWER]
    path = f"/admin/organizations/{world.org_a.id}"
    answer = client.post(f"/admin/people/{viewer.id}/deactivate", data=_form(client, path))
    assert answer.status_code == 302 and answer.location.endswith(path)
    with as_staff() as session:
        assert not session.get(User, viewer.id).active
        entry = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "auth.user_deactivated"))
        assert (entry.detail["before"], entry.detail["after"]) == ({"active": True},
                                                                   {"active": False})
    assert "Reactivate" in client.get(path).get_data(as_text=True)
    client.post(f"/admin/people/{viewer.id}/reactivate", data=_form(client, path))
    with as_staff() as session:
        assert session.get(User, viewer.id).active


def test_unknown_organization_is_a_404(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/admin/organizations/999999").status_code == 404


def test_the_policy_select_lists_every_plan(client, auth, world, as_staff):
    """The plan choices come from the policies."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    html = client.get("/admin/organizations/new").get_data(as_text=True)
    with as_staff() as session:
        for name in session.scalars(select(SlaPolicy.name)):
            assert name in html


def test_a_departed_account_manager_is_kept_until_someone_changes_it(client, auth, world,
                                                                     as_staff):
    """Editing the revenue of an account whose manager was deactivated keeps the manager
    (the form shows them as deactivated) instead of silently dropping them."""
    manager = world.staff[Role.ACCOUNT_MANAGER]
    with as_staff() as session:
        session.get(Organization, world.org_a.id).account_manager_id = manager.id
        session.get(User, manager.id).active = False
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    path = f"/admin/organizations/{world.org_a.id}/edit"
    assert f"{manager.name} (deactivated)" in client.get(path).get_data(as_text=True)
    data = _org_data(client, path, name=world.org_a.name, slug=world.org_a.slug,
                     segment="strategic", annual_revenue="5", timezone="Europe/Berlin",
                     sla_policy_id=str(world.org_a.sla_policy_id),
                     account_manager_id=str(manager.id))
    assert client.post(path, data=data).status_code == 302
    with as_staff() as session:
        assert session.get(Organization, world.org_a.id).account_manager_id == manager.id
