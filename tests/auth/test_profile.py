"""Your profile: name, time zone, password, and signing out everywhere, for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.auth.profile import PASSWORD_CHANGED, SIGNED_OUT_EVERYWHERE
from portal.enums import Role
from portal.security import verify_password
from tests.auth.recovery_helpers import (
    NEW_PASSWORD,
    ask_for_link,
    field_error,
    reset_paths,
    set_new_password,
)
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import PASSWORD

ROLES = [("customers_a", Role.VIEWER), ("customers_a", Role.EXECUTIVE),
         ("customers_b", Role.CUSTOMER_ADMIN), ("staff", Role.AGENT),
         ("staff", Role.ACCOUNT_MANAGER), ("staff", Role.ESCALATION_MANAGER),
         ("staff", Role.ADMINISTRATOR)]


def _user(world, side, role) -> User:
    return getattr(world, side)[role]


def _home(user) -> str:
    return "/admin/" if user.is_staff else "/escalations"


def _post(client, path, **fields):
    token = csrf_token_from(client.get("/account/profile").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **fields})


def _save_details(client, name, timezone):
    return _post(client, "/account/profile", **{"details-name": name,
                                                 "details-timezone": timezone})


def _change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return _post(client, "/account/password", **{
        "password-current_password": current, "password-new_password": new,
        "password-confirm": new if confirm is None else confirm})


def _row(as_staff, user) -> User:
    with as_staff() as session:
        row = session.get(User, user.id)
        session.expunge(row)
        return row


@pytest.mark.parametrize("side, role", ROLES)
def test_everyone_reaches_their_profile_from_the_top_bar(client, auth, world, side, role):
    """Customers and staff of every role find "Your profile" under their name in the top bar,
    and the page has its sections; notification settings are linked where the role has them."""
    user = _user(world, side, role)
    auth.login(user.email)
    home = client.get(_home(user)).get_data(as_text=True)
    assert 'class="user-name" href="/account/profile"' in home
    page = client.get("/account/profile")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for heading in ("Your details", "Password", "Sessions"):
        assert f'class="card-title">{heading}</h2>' in html
    assert html.count("<section") >= 3
    assert ('href="/account/notifications"' in html) is (not user.is_staff)
    assert '<datalist id="timezone-choices">' in html and 'value="Europe/Berlin"' in html


def test_the_profile_needs_a_sign_in(client):
    """Nobody signed in is sent to sign in."""
    answer = client.get("/account/profile")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_name_and_time_zone_are_saved_and_audited(client, auth, as_staff, world):
    """A customer renames themself and picks a zone by its city; the log has before and after."""
    viewer = world.customers_a[Role.VIEWER]
    auth.login(viewer.email)
    saved = _save_details(client, "  Vera Viewer ", "America/New York")
    assert saved.status_code == 302
    assert "Your details are saved." in client.get("/account/profile").get_data(as_text=True)
    row = _row(as_staff, viewer)
    assert (row.name, row.timezone) == ("Vera Viewer", "America/New_York")
    with as_staff() as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "user.profile_updated"))
        assert event.actor_id == viewer.id
        assert event.detail["after"] == {"name": "Vera Viewer", "timezone": "America/New_York"}


def test_an_empty_time_zone_means_the_organizations(client, auth, as_staff, world):
    """Leaving the zone empty goes back to the organization's (Berlin for this one)."""
    viewer = world.customers_a[Role.VIEWER]
    auth.login(viewer.email)
    _save_details(client, viewer.name, "Asia/Tokyo")
    assert _save_details(client, viewer.name, "").status_code == 302
    row = _row(as_staff, viewer)
    assert row.timezone is None
    page = client.get("/account/profile").get_data(as_text=True)
    assert "your organization&#39;s, Europe/Berlin" in page


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Berlin\x00", "../../etc/passwd",
                                  "x" * 65])
def test_an_unknown_time_zone_is_refused_beside_the_field_and_nothing_is_saved(
        client, auth, as_staff, world, zone):
    """A zone the tz database does not know: 422, the message by the field, and the name
    typed in the same form is not saved either."""
    viewer = world.customers_b[Role.VIEWER]
    auth.login(viewer.email)
    answer = _save_details(client, "A New Name", zone)
    assert answer.status_code == 422
    assert field_error(answer.get_data(as_text=True), "details-timezone")
    row = _row(as_staff, viewer)
    assert (row.name, row.timezone) == (viewer.name, None)


def test_an_empty_name_is_refused(client, auth, as_staff, world):
    """A name is needed."""
    agent = world.staff[Role.AGENT]
    auth.login(agent.email)
    answer = _save_details(client, "   ", "Europe/Paris")
    assert answer.status_code == 422
    assert "Give your name." in field_error(answer.get_data(as_text=True), "details-name")
    assert _row(as_staff, agent).timezone is None


def test_changing_the_password_keeps_this_session_and_ends_the_others(
        app, client, auth, as_staff, world):
    """After a password change this browser stays signed in; another one is signed out; the
    new password works and the change is audited."""
    admin = world.customers_b[Role.CUSTOMER_ADMIN]
    auth.login(admin.email)
    other = app.test_client()
    AuthActions(other).login(admin.email)
    assert other.get("/escalations").status_code == 200

    changed = _change_password(client)
    assert changed.status_code == 302 and changed.headers["Location"] == "/account/profile"
    page = client.get("/account/profile")
    assert page.status_code == 200 and PASSWORD_CHANGED in page.get_data(as_text=True)
    assert client.get("/escalations").status_code == 200
    assert other.get("/escalations").status_code == 302
    with app.app_context():
        assert verify_password(_row(as_staff, admin).password_hash, NEW_PASSWORD)
    with as_staff() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == admin.id, AuditEvent.action.like("auth.%"))).all()
    assert "auth.password_changed" in actions


def test_staff_change_their_password_and_stay_in_the_console(app, client, auth, as_staff, world):
    """The same for staff: the console keeps working in this session."""
    manager = world.staff[Role.ESCALATION_MANAGER]
    auth.login(manager.email)
    assert _change_password(client).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert AuthActions(app.test_client()).login(manager.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("current, new, confirm, field, message", [
    ("not my password at all", NEW_PASSWORD, None, "password-current_password",
     "This is not your current password."),
    (PASSWORD, "too short", None, "password-new_password", "Use at least 12 characters."),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "?", "password-confirm",
     "The two passwords are different."),
    ("", NEW_PASSWORD, None, "password-current_password", "Give your current password."),
])
def test_a_refused_password_change_says_why_and_changes_nothing(
        app, client, auth, as_staff, world, current, new, confirm, field, message):
    """Wrong current password, a weak or mismatched new one: 422 beside the field, the old
    password still works and no session ended."""
    viewer = world.customers_a[Role.EXECUTIVE]
    auth.login(viewer.email)
    other = app.test_client()
    AuthActions(other).login(viewer.email)
    before = _row(as_staff, viewer)
    answer = _change_password(client, current, new, confirm)
    assert answer.status_code == 422
    assert message in field_error(answer.get_data(as_text=True), field)
    after = _row(as_staff, viewer)
    assert (after.password_hash, after.session_version) == (
        before.password_hash, before.session_version)
    assert other.get("/escalations").status_code == 200
    assert client.get("/escalations").status_code == 200


@pytest.mark.parametrize("side, role", [("customers_a", Role.VIEWER), ("staff", Role.AGENT)])
def test_signing_out_everywhere_ends_every_session_this_one_too(app, client, auth, as_staff,
                                                               world, side, role):
    """Every session ends, this one included; the sign-in page says so; it is audited."""
    user = _user(world, side, role)
    auth.login(user.email)
    other = app.test_client()
    AuthActions(other).login(user.email)
    captured = client.get_cookie("session").value

    answer = _post(client, "/account/sign-out-everywhere")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert SIGNED_OUT_EVERYWHERE in client.get("/login").get_data(as_text=True)
    assert client.get(_home(user)).status_code == 302
    assert other.get(_home(user)).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", captured)
    assert thief.get(_home(user)).status_code == 302
    with as_staff() as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "auth.signed_out_everywhere"))
        assert (event.actor_id, event.object_id) == (user.id, user.id)


def test_the_audit_log_shows_the_account_events(client, auth, as_staff, world):
    """Administrators read sign-ins, failed sign-ins, reset requests, resets, password
    changes and sign-outs everywhere in the audit log."""
    viewer = world.customers_a[Role.VIEWER]
    auth.login(viewer.email, "wrong password")
    auth.login(viewer.email)
    _change_password(client)
    _post(client, "/account/sign-out-everywhere")
    ask_for_link(client, viewer.email)
    with as_staff() as session:
        [path] = reset_paths(session, viewer.email)
    set_new_password(client, path, "the password after the reset")
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    page = client.get("/admin/audit?action=auth.")
    assert page.status_code == 200
    html = page.get_data(as_text=True).replace("<wbr>", "")
    for action in ("auth.login_failed", "auth.login", "auth.password_changed",
                   "auth.signed_out_everywhere", "auth.password_reset_requested",
                   "auth.password_reset"):
        assert f"<code>{action}</code>" in html, action
    assert viewer.email in html and "link sent" in html
