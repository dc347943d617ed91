"""Signing in and out, and the ways a session ends."""

from datetime import timedelta

import pytest

from portal.accounts.credentials import deactivate, set_password
from portal.auth.views import LOGIN_ERROR
from portal.clock import frozen_at, now
from portal.enums import Role
from tests.factories import PASSWORD


def test_customer_signs_in_and_lands_on_their_escalations(client, auth, world):
    """A customer who signs in lands on their organization's open escalations."""
    viewer = world.customers_a[Role.VIEWER]
    response = auth.login(viewer.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/escalations"
    page = client.get("/escalations").get_data(as_text=True)
    assert world.escalation_a.reference in page
    assert world.escalation_b.reference not in page


def test_staff_sign_in_lands_in_the_console(client, auth, world):
    """Staff land on the queue, not the customer portal."""
    response = auth.login(world.staff[Role.AGENT].email)
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("email, password", [
    ("nobody@nowhere.example.com", PASSWORD),
    (None, "wrong password entirely"),
])
def test_unknown_email_and_wrong_password_get_the_same_answer(client, auth, world, email,
                                                               password):
    """Nobody can tell from the answer whether an email has an account."""
    response = auth.login(email or world.customers_a[Role.VIEWER].email, password)
    assert response.status_code == 422
    assert LOGIN_ERROR in response.get_data(as_text=True)


def test_deactivated_account_gets_the_same_answer(as_staff, client, auth, world):
    """A deactivated person cannot sign in, and is told nothing more than a stranger."""
    viewer = world.customers_a[Role.VIEWER]
    with as_staff() as session:
        deactivate(session.merge(viewer), actor=None)
    response = auth.login(viewer.email)
    assert response.status_code == 422
    assert LOGIN_ERROR in response.get_data(as_text=True)


def test_login_is_rate_limited(client, auth, world):
    """Guessing passwords stops after a handful of tries per email."""
    email = world.customers_a[Role.VIEWER].email
    codes = [auth.login(email, "wrong").status_code for _ in range(6)]
    assert codes[:5] == [422] * 5
    assert codes[5] == 429


def test_login_form_needs_a_csrf_token(client, world):
    """A forged cross-site login post is refused."""
    response = client.post("/login", data={"email": world.customers_a[Role.VIEWER].email,
                                           "password": PASSWORD})
    assert response.status_code == 400


def test_logout_kills_a_captured_session_cookie(client, auth, world, app):
    """A cookie copied before sign-out is worthless after it."""
    auth.login(world.customers_a[Role.VIEWER].email)
    captured = client.get_cookie("session").value
    auth.logout("/escalations")
    thief = app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/escalations")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions(as_staff, client, auth, world):
    """Changing a password signs the account out everywhere."""
    viewer = world.customers_a[Role.VIEWER]
    auth.login(viewer.email)
    assert client.get("/escalations").status_code == 200
    with as_staff() as session:
        set_password(session.merge(viewer), "a brand new long password", actor=None)
    assert client.get("/escalations").status_code == 302


def test_deactivation_ends_the_session_at_once(as_staff, client, auth, world):
    """A deactivated person is thrown out on their next click."""
    viewer = world.customers_a[Role.VIEWER]
    auth.login(viewer.email)
    with as_staff() as session:
        deactivate(session.merge(viewer), actor=None)
    assert client.get("/escalations").status_code == 302


@pytest.mark.parametrize("later", [timedelta(minutes=31), timedelta(hours=12, minutes=1)])
def test_idle_and_absolute_timeouts_end_the_session(client, auth, world, later):
    """Leaving the portal idle, or signed in too long, asks for the password again."""
    auth.login(world.customers_a[Role.VIEWER].email)
    if later > timedelta(hours=1):
        # Stay active every 20 minutes so only the absolute limit can end the session.
        start = now()
        for minutes in range(20, int(later.total_seconds() // 60) - 5, 20):
            with frozen_at(start + timedelta(minutes=minutes)):
                assert client.get("/escalations").status_code == 200
    with frozen_at(now() + later):
        response = client.get("/escalations")
    assert response.status_code == 302


def test_active_session_survives_within_the_idle_limit(client, auth, world):
    """A person who keeps working is not signed out."""
    auth.login(world.customers_a[Role.VIEWER].email)
    with frozen_at(now() + timedelta(minutes=29)):
        assert client.get("/escalations").status_code == 200


def test_open_redirect_after_login_is_refused(client, world):
    """`next` only ever leads inside the portal."""
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example.com/",
                           data={"email": world.customers_a[Role.VIEWER].email,
                                 "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/escalations"


def test_login_limits_count_in_redis_when_configured(database_url, world):
    """With Redis as the store (production), attempts are counted there, shared by workers."""
    import uuid

    import redis

    from portal import create_app
    from portal.config import TestConfig, settings_of
    from portal.extensions import limiter
    from tests.conftest import AuthActions, unavailable

    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        store.ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"Redis at 127.0.0.1:6379 is unreachable: {exc}")
    prefix = f"clearpath-test-{uuid.uuid4().hex}"
    # Flask-Limiter keeps its storage on the (module-level) limiter: put the suite's back after.
    saved = dict(vars(limiter))
    try:
        worker = create_app(settings_of(
            TestConfig, DATABASE_URL=database_url,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=prefix))
        auth = AuthActions(worker.test_client())
        email = world.customers_a[Role.VIEWER].email
        codes = [auth.login(email, "wrong").status_code for _ in range(6)]
        counted = [key for key in store.scan_iter(f"*{prefix}*")]
    finally:
        vars(limiter).clear()
        vars(limiter).update(saved)
    assert codes == [422] * 5 + [429]
    assert counted, "no rate-limit counters were written to Redis"
    store.delete(*counted)


def test_polling_does_not_resend_the_session_cookie(client, auth, world):
    """Repeated requests within a minute leave the cookie alone (cheap polls, same session)."""
    auth.login(world.customers_a[Role.VIEWER].email)
    client.get("/escalations")
    response = client.get("/escalations")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


POLL = {"HX-Request": "true", "X-Clearpath-Background": "poll"}


def test_a_live_pages_polls_do_not_keep_an_idle_session_alive(client, auth, world):
    """A dashboard left open polls every few seconds; polls are not activity, so 31 minutes
    after the last thing the person did the session has ended, polls or not."""
    auth.login(world.customers_a[Role.VIEWER].email)
    start = now()
    for minutes in (5, 10, 20, 29):
        with frozen_at(start + timedelta(minutes=minutes)):
            assert client.get("/escalations", headers=POLL).status_code == 200
    with frozen_at(start + timedelta(minutes=31)):
        response = client.get("/escalations")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_work_by_hand_keeps_the_session_alive(client, auth, world):
    """The same timeline with the person's own requests: still signed in at 31 minutes."""
    auth.login(world.customers_a[Role.VIEWER].email)
    start = now()
    for minutes in (5, 10, 20, 29):
        with frozen_at(start + timedelta(minutes=minutes)):
            assert client.get("/escalations", headers={"HX-Request": "true"}).status_code == 200
    with frozen_at(start + timedelta(minutes=31)):
        assert client.get("/escalations").status_code == 200


@pytest.mark.parametrize(("later", "why"), [
    (timedelta(minutes=31), "You were signed out after 30 minutes without activity."),
    (timedelta(hours=12, minutes=1), "a sign-in lasts at most 12 hours."),
])
def test_the_poll_after_the_session_ends_takes_the_page_to_sign_in_and_says_why(
        client, auth, world, later, why):
    """The poll gets no rows and no redirect to follow inside the request: an HX-Redirect to
    sign-in (back to the page after), where the person reads why they were signed out."""
    auth.login(world.customers_a[Role.VIEWER].email)
    start = now()
    if later > timedelta(hours=1):  # keep working by hand so only the absolute limit ends it
        for minutes in range(20, int(later.total_seconds() // 60) - 5, 20):
            with frozen_at(start + timedelta(minutes=minutes)):
                assert client.get("/escalations").status_code == 200
    with frozen_at(start + later):
        response = client.get("/escalations?severity=1", headers={
            **POLL, "HX-Current-URL": "http://localhost/escalations?severity=1"})
        assert response.status_code == 401
        assert response.get_data() == b""
        assert response.headers["HX-Redirect"] == "/login?next=%2Fescalations%3Fseverity%3D1"
        page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert why in page
    assert "Please sign in to continue." not in page


def test_a_page_opened_after_the_session_ended_says_why_too(client, auth, world):
    auth.login(world.customers_a[Role.VIEWER].email)
    with frozen_at(now() + timedelta(minutes=31)):
        response = client.get("/escalations")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page


def test_a_page_asked_for_without_a_session_asks_to_sign_in(client, world):
    response = client.get("/escalations")
    assert response.headers["Location"] == "/login?next=%2Fescalations"
    assert "Please sign in to continue." in client.get(response.headers["Location"]).get_data(
        as_text=True)
