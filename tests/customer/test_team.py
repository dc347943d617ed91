"""A customer admin's team page: people, invitations, inviting, revoking, deactivating."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Invitation, User
from portal.administration.invitations import invite_colleague
from portal.audit import AuditEvent
from portal.enums import Role
from portal.notices.models import Notice
from portal.operations import OperationError
from tests.factories import CANARY

HX = {"HX-Request": "true", "HX-Target": "team-invitations"}


@pytest.fixture
def admin(client, auth, world):
    """Signed in as organization A's customer admin; returns a CSRF token."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    return auth.csrf_token("/team")


def _counts(as_staff) -> tuple[int, int]:
    with as_staff() as session:
        return (session.scalar(select(func.count()).select_from(Invitation)),
                session.scalar(select(func.count()).select_from(Notice)))


def test_admin_sees_people_and_open_invitations(client, admin, world):
    """Colleagues with role and status, the pending invitation, and the invite form."""
    body = client.get("/team").get_data(as_text=True).replace("<wbr>", "")
    for user in world.customers_a.values():
        assert user.email in body
    assert "Customer admin" in body and "Active" in body
    assert world.invitation_a.email in body
    assert world.invitation_b.email not in body
    assert world.customers_b[Role.VIEWER].email not in body
    assert world.staff[Role.AGENT].email not in body
    assert 'id="team-invitations"' in body and 'id="team-members"' in body
    assert CANARY not in body


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE])
def test_only_customer_admins_manage_the_team(client, auth, as_staff, world, role):
    """Viewers and executives are refused the page and every team action (403)."""
    auth.login(world.customers_a[role].email)
    token = auth.csrf_token("/escalations")
    before = _counts(as_staff)
    colleague = world.customers_a[Role.VIEWER if role == Role.EXECUTIVE else Role.EXECUTIVE]
    assert client.get("/team").status_code == 403
    assert client.post("/team/invitations", data={
        "csrf_token": token, "email": "x@acme.example.com", "role": "viewer"}).status_code == 403
    assert client.post(f"/team/invitations/{world.invitation_a.id}/revoke",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/team/users/{colleague.id}/deactivate",
                       data={"csrf_token": token}).status_code == 403
    assert _counts(as_staff) == before
    with as_staff() as session:
        assert session.get(User, colleague.id).active
        assert session.get(Invitation, world.invitation_a.id).revoked_at is None


def test_inviting_without_javascript_redirects_with_a_message(client, admin, as_staff, world):
    """The invitation is saved, its email queued, and the page says where it went."""
    response = client.post("/team/invitations", data={
        "csrf_token": admin, "email": "Dana.Doe@acme.example.com", "name": "Dana Doe",
        "role": "executive"})
    assert response.status_code == 302 and response.headers["Location"] == "/team"
    page = client.get("/team").get_data(as_text=True)
    assert "Invitation sent to dana.doe@acme.example.com" in page
    with as_staff() as session:
        invitation = session.scalar(select(Invitation).where(
            Invitation.email == "dana.doe@acme.example.com"))
        assert (invitation.role, invitation.organization_id, invitation.name) == (
            Role.EXECUTIVE, world.org_a.id, "Dana Doe")
        assert session.scalar(select(Notice).where(
            Notice.recipient == "dana.doe@acme.example.com")).template == "invitation"
        assert session.scalar(select(AuditEvent.action).where(
            AuditEvent.object_type == "Invitation", AuditEvent.object_id == invitation.id)) \
            == "invitation.created"


def test_inviting_with_htmx_swaps_the_invitations_section(client, admin):
    """htmx gets the refreshed section (new invitation listed, empty form), not a page."""
    response = client.post("/team/invitations", headers=HX, data={
        "csrf_token": admin, "email": "eve@acme.example.com", "role": "viewer"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="team-invitations"')
    assert "<html" not in body
    assert "Invitation sent to eve@acme.example.com" in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("email, role, field_message", [
    ("not-an-email", "viewer", "email"),
    ("", "viewer", "Give their email address."),
    ("{viewer}", "viewer", "already has a Clearpath account"),
    ("{invited}", "executive", "already has an open invitation"),
    ("fresh@acme.example.com", "agent", "Not a valid choice"),
    ("fresh@acme.example.com", "administrator", "Not a valid choice"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_invitations_answer_422_and_save_nothing(client, admin, as_staff, world, email, role,
                                                    field_message, htmx):
    """A bad address, an existing colleague, a pending invitee or a staff role: refused."""
    email = email.format(viewer=world.customers_a[Role.VIEWER].email.upper(),
                         invited=world.invitation_a.email)
    before = _counts(as_staff)
    response = client.post("/team/invitations", headers=HX if htmx else {}, data={
        "csrf_token": admin, "email": email, "role": role})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_message in body
    assert 'class="field-errors"' in body and 'aria-invalid="true"' in body
    assert ("<html" in body) is not htmx
    assert _counts(as_staff) == before


def test_the_operation_refuses_staff_roles_and_non_admins(as_staff, world):
    """Only the organization's admins invite, and only to customer roles."""
    with as_staff() as session:
        admin = session.merge(world.customers_a[Role.CUSTOMER_ADMIN])
        viewer = session.merge(world.customers_a[Role.VIEWER])
        foreign_admin = session.merge(world.customers_b[Role.CUSTOMER_ADMIN])
        with pytest.raises(OperationError) as refused:
            invite_colleague(admin.organization, invited_by=admin, email="a@b.example.com",
                             name="", role=Role.AGENT)
        assert refused.value.field == "role"
        for actor in (viewer, foreign_admin):
            with pytest.raises(PermissionError):
                invite_colleague(admin.organization, invited_by=actor, email="a@b.example.com",
                                 name="", role=Role.VIEWER)


def test_an_address_of_another_organization_is_not_revealed(client, admin, as_staff, world):
    """Inviting someone who has an account elsewhere says nothing about that account."""
    response = client.post("/team/invitations", data={
        "csrf_token": admin, "email": world.customers_b[Role.VIEWER].email, "role": "viewer"})
    assert response.status_code == 302


def test_revoking_makes_the_link_stop_working(app, client, admin, as_staff, world):
    """A revoked invitation leaves the list, and its link answers 410."""
    from portal.administration.invitations import invitation_token

    with app.app_context():
        token = invitation_token(world.invitation_a)
    response = client.post(f"/team/invitations/{world.invitation_a.id}/revoke",
                           headers=HX, data={"csrf_token": admin})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "no longer works" in body
    assert f'id="invitation-{world.invitation_a.id}"' not in body
    with as_staff() as session:
        assert session.get(Invitation, world.invitation_a.id).revoked_at is not None
    client.post("/logout", data={"csrf_token": admin})
    assert client.get(f"/invitations/{token}").status_code == 410


def test_another_organizations_invitation_cannot_be_revoked(client, admin, as_staff, world):
    """Organization B's invitation is simply not found for A's admin (404), and stays open."""
    response = client.post(f"/team/invitations/{world.invitation_b.id}/revoke",
                           data={"csrf_token": admin})
    assert response.status_code == 404
    with as_staff() as session:
        assert session.get(Invitation, world.invitation_b.id).revoked_at is None


def test_deactivating_a_colleague_ends_their_session(app, client, admin, as_staff, world):
    """The colleague shows as deactivated and is signed out on their next click."""
    from tests.conftest import AuthActions

    viewer = world.customers_a[Role.VIEWER]
    other = app.test_client()
    AuthActions(other).login(viewer.email)
    assert other.get("/escalations").status_code == 200
    response = client.post(f"/team/users/{viewer.id}/deactivate",
                           headers={"HX-Request": "true"}, data={"csrf_token": admin})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="team-members"')
    assert "Deactivated" in body and "signed out everywhere" in body
    assert other.get("/escalations").status_code == 302
    with as_staff() as session:
        assert not session.get(User, viewer.id).active


def test_deactivating_without_javascript_redirects(client, admin, as_staff, world):
    """A plain form post deactivates and comes back to the team page with a message."""
    executive = world.customers_a[Role.EXECUTIVE]
    response = client.post(f"/team/users/{executive.id}/deactivate", data={"csrf_token": admin})
    assert response.status_code == 302
    assert f"{executive.name} is deactivated" in client.get("/team").get_data(as_text=True)


def test_admins_cannot_deactivate_themselves(client, admin, as_staff, world):
    """The organization always keeps the admin who is acting: 422, still active."""
    me = world.customers_a[Role.CUSTOMER_ADMIN]
    response = client.post(f"/team/users/{me.id}/deactivate", data={"csrf_token": admin})
    assert response.status_code == 422
    assert "You cannot deactivate yourself" in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(User, me.id).active


@pytest.mark.parametrize("whose", ["foreign", "staff"])
def test_people_outside_the_organization_cannot_be_deactivated(client, admin, as_staff, world,
                                                                whose):
    """Another organization's person, or one of the vendor's staff: 404, untouched."""
    target = world.customers_b[Role.VIEWER] if whose == "foreign" else world.staff[Role.AGENT]
    response = client.post(f"/team/users/{target.id}/deactivate", data={"csrf_token": admin})
    assert response.status_code == 404
    with as_staff() as session:
        assert session.get(User, target.id).active
