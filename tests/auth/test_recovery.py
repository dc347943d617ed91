"""Forgot password: a single-use link by email that expires, and signs out every session."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal.accounts import credentials
from portal.accounts.credentials import deactivate
from portal.accounts.models import User
from portal.accounts.recovery import RESET_LIFETIME, reset_path
from portal.audit import AuditEvent
from portal.auth.recovery import RESET_DONE
from portal.clock import frozen_at, now
from portal.enums import Role
from portal.notices.models import Notice
from portal.outreach import dispatch
from portal.security import verify_password
from tests.auth.recovery_helpers import (
    GONE,
    NEW_PASSWORD,
    SENT,
    ask_for_link,
    field_error,
    reset_paths,
    same_page,
    set_new_password,
)
from tests.conftest import AuthActions
from tests.factories import PASSWORD
from tests.notices.conftest import smtp_server  # noqa: F401  (a real SMTP server on loopback)

ACCOUNTS = {
    "customer of the first organization": lambda world: world.customers_a[Role.VIEWER],
    "customer admin of the second organization": lambda world: world.customers_b[
        Role.CUSTOMER_ADMIN],
    "staff": lambda world: world.staff[Role.AGENT],
}


def _password_hash(as_staff, user) -> str:
    with as_staff() as session:
        return session.get(User, user.id).password_hash


def test_sign_in_page_offers_forgot_password(client, world):
    """The sign-in page's password step links to "Forgot your password?"."""
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"email": world.customers_a[Role.VIEWER].email,
                                       "csrf_token": token}).get_data(as_text=True)
    assert 'href="/password/forgot"' in page
    assert "Forgot your password?" in page
    assert client.get("/password/forgot").status_code == 200


@pytest.mark.parametrize("who", ACCOUNTS)
def test_reset_sets_the_password_and_signs_out_everywhere(app, client, auth, as_staff, world,
                                                          who):
    """The link from the email sets a new password, ends every session, and says so at
    sign-in; the old password stops working, the new one works."""
    user = ACCOUNTS[who](world)
    elsewhere = app.test_client()
    AuthActions(elsewhere).login(user.email)
    home = "/admin/" if user.is_staff else "/escalations"
    assert elsewhere.get(home).status_code == 200

    answer = ask_for_link(client, user.email)
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    with as_staff() as session:
        [path] = reset_paths(session, user.email)
        notice = session.scalar(select(Notice).where(Notice.event == "password_reset"))
        assert (notice.recipient_user_id, notice.organization_id) == (
            user.id, user.organization_id)
    form = client.get(path)
    assert user.email in form.get_data(as_text=True)

    done = set_new_password(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert RESET_DONE in client.get("/login").get_data(as_text=True)
    assert elsewhere.get(home).status_code == 302  # the other session has ended
    assert auth.login(user.email, PASSWORD).status_code == 422
    assert auth.login(user.email, NEW_PASSWORD).headers["Location"] == home


def test_reset_mail_arrives_over_smtp_with_a_working_link(app, client, as_staff, world,
                                                          smtp_server):  # noqa: F811
    """The email leaves through the outbox to a real SMTP server, text and HTML, each with
    the link; the link in it works."""
    viewer = world.customers_b[Role.VIEWER]
    ask_for_link(client, viewer.email)
    with as_staff():
        dispatch.dispatch_all()
    [message] = [m for m in smtp_server.mailbox.messages if m["To"] == viewer.email
                 and m["Subject"] == "Choose a new Clearpath password"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = next(line for line in text.splitlines() if "/password/reset/" in line).strip()
    assert link.startswith(app.config["PUBLIC_URL"] + "/password/reset/")
    assert f'href="{link}"' in html
    assert "60 minutes" in text and viewer.email in text
    path = link.removeprefix(app.config["PUBLIC_URL"])
    assert set_new_password(client, path).status_code == 302


def test_a_link_works_only_once(client, auth, as_staff, world):
    """Used once, the same link answers that it no longer works (410)."""
    viewer = world.customers_a[Role.VIEWER]
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
    assert set_new_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and GONE in again.get_data(as_text=True)
    replay = client.post(path, data={"password": "another long passphrase",
                                     "confirm": "another long passphrase",
                                     "csrf_token": auth.csrf_token("/password/forgot")})
    assert replay.status_code == 410
    assert auth.login(viewer.email, NEW_PASSWORD).status_code == 302


def test_using_one_link_kills_the_others(client, as_staff, world):
    """Two requests, two links: using one makes the other useless."""
    viewer = world.customers_a[Role.EXECUTIVE]
    ask_for_link(client, viewer.email)
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        first, second = reset_paths(session, viewer.email)
    assert set_new_password(client, second).status_code == 302
    assert client.get(first).status_code == 410


def test_a_link_expires_after_an_hour(client, auth, as_staff, world):
    """Within the hour the link works; after it, it does not, and nothing changes."""
    viewer = world.customers_a[Role.VIEWER]
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
    with frozen_at(now() + RESET_LIFETIME - timedelta(minutes=1)):
        assert client.get(path).status_code == 200
    before = _password_hash(as_staff, viewer)
    with frozen_at(now() + RESET_LIFETIME + timedelta(minutes=1)):
        late = client.get(path)
        assert late.status_code == 410 and GONE in late.get_data(as_text=True)
        assert client.post(path, data={
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "csrf_token": auth.csrf_token("/password/forgot")}).status_code == 410
    assert _password_hash(as_staff, viewer) == before


def test_a_link_dies_when_the_password_changes(client, as_staff, world):
    """A password changed after the request (on the profile page) makes the link useless."""
    viewer = world.customers_b[Role.EXECUTIVE]
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
        credentials.change_password(session.get(User, viewer.id), current=PASSWORD,
                                    new="changed on the profile page")
    assert client.get(path).status_code == 410


def test_a_link_dies_after_signing_out_everywhere(client, as_staff, world):
    """Signing out everywhere after the request makes the link useless too."""
    viewer = world.customers_a[Role.CUSTOMER_ADMIN]
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
        credentials.sign_out_everywhere(session.get(User, viewer.id))
    assert client.get(path).status_code == 410


def test_a_deactivated_account_cannot_use_a_link_it_had(client, as_staff, world):
    """Deactivation kills a link already sent."""
    viewer = world.customers_a[Role.VIEWER]
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
        deactivate(session.get(User, viewer.id), actor=None)
    assert client.get(path).status_code == 410


def test_tampered_and_foreign_tokens_look_like_any_dead_link(app, client, as_staff, world):
    """A forged token, another salt's token and a used one all get the same 410 page."""
    from itsdangerous import URLSafeTimedSerializer

    viewer = world.customers_a[Role.VIEWER]
    with as_staff() as session, app.test_request_context():
        path = reset_path(session.get(User, viewer.id))
    token = path.rsplit("/", 1)[1]
    forged = "/password/reset/" + ("x" + token[1:] if token[0] != "x" else "y" + token[1:])
    other_salt = "/password/reset/" + URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="invitation").dumps({"u": viewer.id, "d": "0" * 32})
    answers = [client.get(forged), client.get(other_salt), client.get("/password/reset/%00")]
    assert [a.status_code for a in answers] == [410] * 3
    assert len({same_page(a.get_data(as_text=True)) for a in answers}) == 1


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_mail(
        app, as_staff, world):
    """A known address, an unknown one and a deactivated one get the same page and status;
    only the known one gets mail."""
    known = world.customers_a[Role.VIEWER]
    gone = world.customers_b[Role.VIEWER]
    with as_staff() as session:
        deactivate(session.get(User, gone.id), actor=None)
        session.execute(Notice.__table__.delete().where(Notice.event == "password_reset"))
    stranger = "nobody.here@acme-logistics.example.com"
    answers = {email: ask_for_link(app.test_client(), email)
               for email in (known.email, stranger, gone.email)}
    assert {a.status_code for a in answers.values()} == {200}
    pages = {same_page(a.get_data(as_text=True), email) for email, a in answers.items()}
    assert len(pages) == 1
    assert SENT in pages.pop()
    with as_staff() as session:
        sent_to = session.scalars(select(Notice.recipient).where(
            Notice.event == "password_reset")).all()
    assert sent_to == [known.email]


def test_an_address_in_other_letters_case_is_the_same_account(client, as_staff, world):
    """" Lea.Brandt@…" finds lea.brandt@…: people type their address as they like."""
    viewer = world.customers_a[Role.VIEWER]
    ask_for_link(client, "  " + viewer.email.upper() + " ")
    with as_staff() as session:
        assert len(reset_paths(session, viewer.email)) == 1


def test_requests_are_rate_limited_per_address(app, world):
    """Asking again and again for one address stops, whichever clients ask."""
    email = world.customers_a[Role.VIEWER].email
    codes = [ask_for_link(app.test_client(), email, REMOTE_ADDR=f"192.0.2.{n}").status_code
             for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]


def test_requests_are_rate_limited_per_client(app, world):
    """One client asking for many addresses stops too (a stranger probing for accounts)."""
    client = app.test_client()
    codes = [ask_for_link(client, f"probe{n}@example.com").status_code for n in range(7)]
    assert codes == [200] * 5 + [429] * 2


def test_a_malformed_address_is_refused_by_the_field(client):
    """Not an email address at all: 422 and the message by the field (this says nothing
    about accounts)."""
    answer = ask_for_link(client, "not an address")
    assert answer.status_code == 422
    assert "email address" in field_error(answer.get_data(as_text=True), "email")


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "Use at least 12 characters."),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are different."),
])
def test_a_weak_or_mismatched_new_password_saves_nothing(client, as_staff, world, password,
                                                         confirm, message):
    """A bad new password answers 422 beside its field; the old password and the link still
    work."""
    viewer = world.customers_a[Role.VIEWER]
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
    before = _password_hash(as_staff, viewer)
    answer = set_new_password(client, path, password, confirm)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    field = "password" if message.startswith("Use") else "confirm"
    assert message in field_error(html, field)
    assert _password_hash(as_staff, viewer) == before
    assert set_new_password(client, path).status_code == 302


def test_requests_and_resets_are_audited(client, as_staff, world):
    """The audit log has the request (known and unknown, without secrets) and the reset."""
    viewer = world.customers_b[Role.VIEWER]
    ask_for_link(client, viewer.email)
    ask_for_link(client, "stranger@globex.example.com")
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
    set_new_password(client, path)
    with as_staff() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("auth.password_reset%")).order_by(AuditEvent.id)).all()
        rows = [(e.action, e.object_id, e.organization_id, e.detail.get("email"),
                 e.detail.get("outcome")) for e in events]
        assert rows == [
            ("auth.password_reset_requested", viewer.id, world.org_b.id, viewer.email,
             "link sent"),
            ("auth.password_reset_requested", None, None, "stranger@globex.example.com",
             "no active account: nothing sent"),
            ("auth.password_reset", viewer.id, world.org_b.id, None, None),
        ]
        assert events[-1].actor_id == viewer.id
        token = path.rsplit("/", 1)[1]
        assert not session.scalar(select(func.count()).select_from(AuditEvent).where(
            sa.cast(AuditEvent.detail, sa.String).contains(token)))
        assert verify_password(session.get(User, viewer.id).password_hash, NEW_PASSWORD)
