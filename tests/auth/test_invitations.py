"""Accepting an invitation: a signed, expiring link that works once and creates the account."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Invitation, User
from portal.administration.invitations import (
    INVITATION_LIFETIME,
    invitation_from_token,
    invitation_token,
    invite_colleague,
)
from portal.clock import frozen_at, now
from portal.enums import Role
from portal.notices.models import Notice
from tests.conftest import csrf_token_from
from tests.factories import CANARY, PASSWORD

NEW_PASSWORD = "a long and private passphrase"
GONE = "This invitation link no longer works"


def _token(app, invitation) -> str:
    with app.app_context():
        return invitation_token(invitation)


def _accept(client, token, *, password=NEW_PASSWORD, confirm=None, name="Nora Newcomer",
            timezone=""):
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200, page.status_code
    return client.post(f"/invitations/{token}", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "name": name,
        "password": password, "confirm": password if confirm is None else confirm,
        "timezone": timezone})


def test_invitation_queues_an_email_with_a_signed_link(app, as_staff, world):
    """Inviting writes the invitation (7 days) and one outbox email carrying the accept link."""
    with as_staff() as session:
        admin = session.merge(world.customers_a[Role.CUSTOMER_ADMIN])
        invitation = invite_colleague(admin.organization, invited_by=admin,
                                      email=" Dana.Doe@Acme.example.com ", name="Dana Doe",
                                      role=Role.EXECUTIVE)
        assert invitation.email == "dana.doe@acme.example.com"
        assert invitation.expires_at == invitation.created_at + INVITATION_LIFETIME
        notice = session.scalar(select(Notice).where(Notice.event == "invitation"))
        assert notice.recipient == "dana.doe@acme.example.com"
        assert notice.recipient_user_id is None
        assert notice.template == "invitation"
        assert notice.key == f"invitation:{invitation.id}:email:dana.doe@acme.example.com"
        token = notice.context["accept_path"].removeprefix("/invitations/")
        assert invitation_from_token(token).id == invitation.id


def test_accepting_creates_the_account_and_signs_in(app, client, as_staff, world):
    """The invitee picks a name and password and lands on their organization's escalations."""
    response = _accept(client, _token(app, world.invitation_a), timezone="Europe/Paris")
    assert response.status_code == 302
    assert response.headers["Location"] == "/escalations"
    page = client.get("/escalations")
    assert page.status_code == 200
    assert "Welcome to Clearpath, Nora" in page.get_data(as_text=True)
    with as_staff() as session:
        user = session.scalar(select(User).where(User.email == world.invitation_a.email))
        assert (user.name, user.role, user.organization_id, user.timezone) == (
            "Nora Newcomer", Role.VIEWER, world.org_a.id, "Europe/Paris")
        assert session.get(Invitation, world.invitation_a.id).accepted_at is not None


def test_the_form_names_the_organization_and_prefills_the_name(app, client, world):
    """The invitee sees who invited them to what, and the email they will sign in with."""
    body = client.get(f"/invitations/{_token(app, world.invitation_b)}").get_data(as_text=True)
    assert "Join Globex Retail on Clearpath" in body
    assert world.invitation_b.email in body
    assert 'value="New Colleague"' in body
    assert CANARY not in body


def test_a_link_works_only_once(app, client, auth, world):
    """After the account exists, the same link answers that it no longer works."""
    token = _token(app, world.invitation_a)
    assert _accept(client, token).status_code == 302
    auth.logout("/escalations")
    again = client.get(f"/invitations/{token}")
    assert again.status_code == 410
    assert GONE in again.get_data(as_text=True)


def _gone_page(response) -> str:
    nonce = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"|value="[^"]+"')
    return nonce.sub("", response.get_data(as_text=True))


def test_tampered_expired_and_revoked_links_look_the_same(app, client, as_staff, world):
    """Whatever went wrong, the page says only that the link no longer works: 410, same page."""
    from itsdangerous import URLSafeTimedSerializer

    token = _token(app, world.invitation_a)
    payload, rest = token.split(".", 1)
    tampered = client.get(f"/invitations/{'Mg' if payload != 'Mg' else 'Mw'}.{rest}")
    other_salt = client.get("/invitations/" + URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="unsubscribe").dumps(world.invitation_a.id))
    with frozen_at(now() + INVITATION_LIFETIME + timedelta(minutes=1)):
        expired = client.get(f"/invitations/{token}")
    with as_staff() as session:
        session.get(Invitation, world.invitation_a.id).revoked_at = now()
    revoked = client.get(f"/invitations/{token}")
    responses = [tampered, other_salt, expired, revoked]
    assert [r.status_code for r in responses] == [410] * 4
    assert len({_gone_page(r) for r in responses}) == 1
    assert GONE in tampered.get_data(as_text=True)
    assert "ask your organization" in tampered.get_data(as_text=True).lower()


def test_the_signature_itself_expires(app, client, world, monkeypatch):
    """A token signed more than 7 days ago fails even if the row were still open."""
    signed_at = time.time() - INVITATION_LIFETIME.total_seconds() - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: signed_at)
        token = _token(app, world.invitation_a)
    assert client.get(f"/invitations/{token}").status_code == 410
    assert client.get(f"/invitations/{_token(app, world.invitation_a)}").status_code == 200


def test_a_token_signed_with_another_key_fails(app, client, world):
    """Only tokens signed with this deployment's secret work."""
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("guessed-secret", salt="invitation").dumps(
        world.invitation_a.id)
    assert client.get(f"/invitations/{forged}").status_code == 410


@pytest.mark.parametrize("password, confirm, message", [
    ("short", None, "Use at least 12 characters."),
    (NEW_PASSWORD, "something else entirely", "The two passwords are different."),
])
def test_bad_passwords_are_refused_and_nothing_is_saved(app, client, as_staff, world, password,
                                                       confirm, message):
    """A short or mistyped password answers 422 next to the field; no account appears."""
    response = _accept(client, _token(app, world.invitation_a), password=password,
                       confirm=confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(User).where(
            User.email == world.invitation_a.email)) == 0
        assert session.get(Invitation, world.invitation_a.id).accepted_at is None


def test_an_email_that_meanwhile_has_an_account_is_refused(app, client, as_staff, world):
    """If the address got an account elsewhere since, accepting says so and creates nothing."""
    from portal.accounts.operations import create_customer_user

    with as_staff() as session:
        org_b = session.merge(world.org_b)
        create_customer_user(org_b, email=world.invitation_a.email, name="Same Address",
                             password=PASSWORD, role=Role.VIEWER, actor=None)
    response = _accept(client, _token(app, world.invitation_a))
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_a_signed_in_person_is_asked_to_sign_out_first(app, client, auth, as_staff, world):
    """Someone already signed in cannot accept over their own session."""
    auth.login(world.customers_a[Role.VIEWER].email)
    token = _token(app, world.invitation_a)
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert "Sign out first" in page.get_data(as_text=True)
    posted = client.post(f"/invitations/{token}", data={
        "csrf_token": auth.csrf_token("/escalations"), "name": "X", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert posted.status_code == 409
    with as_staff() as session:
        assert session.get(Invitation, world.invitation_a.id).accepted_at is None
