"""The live memo end to end, on PostgreSQL: real commits, real NOTIFY, the real listener thread.

Every other test runs inside a rolled-back transaction, where no notification is ever sent;
these commit for real, in a schema of their own, with an app whose LIVE_MEMO is on. Time is
frozen within one minute (the dashboard's ETag carries the minute) and moved a second for
each change, so every change really moves `customer_changed_at`.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.accounts import credentials
from portal.accounts.models import Organization, User
from portal.clock import frozen_at
from portal.config import TestConfig, settings_of
from portal.enums import Role, Status, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.feeds import operations as feeds
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.conftest import AuthActions
from tests.pgschema import own_schema
from tests.querycount import counted_queries

HX = {"HX-Request": "true"}
T0 = datetime.now(UTC).replace(second=5, microsecond=0) + timedelta(minutes=1)


@pytest.fixture(scope="module")
def live_app(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("change notifications need PostgreSQL (LISTEN/NOTIFY); the PostgreSQL "
                    "pass of the suite runs this")
    with own_schema(database_url, "live") as schema_url:
        app = create_app(settings_of(TestConfig, LIVE_MEMO=True, DATABASE_URL=schema_url))
        with app.app_context():
            upgrade()
        gate = app.extensions["clearpath.live"]
        try:
            yield app
        finally:
            gate.feed.stop()
            with app.app_context():
                db.engine.dispose()


@contextmanager
def committed(app, at: datetime):
    """A block run as staff in its own app context at `at`, committed at the end."""
    with frozen_at(at), app.app_context():
        set_scope(db.session(), Scope.unscoped("test setup"))
        yield db.session
        db.session.commit()


@pytest.fixture(scope="module")
def scene(live_app):
    with committed(live_app, T0 - timedelta(seconds=4)):
        org = factories.make_organization()
        agent = factories.make_staff(Role.AGENT)
        customer = factories.make_customer(org)
        escalation = factories.make_escalation(org, actor=agent, title="Payments time out")
        ops.post_update(escalation, author=agent, body="We are on it.",
                        visibility=Visibility.CUSTOMER)
        ids = {"org": org.id, "agent": agent.id, "customer": customer.id,
               "escalation": escalation.id, "email": customer.email}
    return ids


def _gate(app):
    return app.extensions["clearpath.live"]


def _wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _signed_in(app, email: str):
    client = app.test_client()
    with frozen_at(T0):
        AuthActions(client).login(email)
        assert _gate(app).feed.wait_until_live(), "the change feed did not connect"
    return client


def _nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def test_repeat_requests_are_answered_from_memory_until_a_customer_visible_change(
        live_app, scene):
    client = _signed_in(live_app, scene["email"])
    with frozen_at(T0 + timedelta(seconds=1)):
        client.get("/escalations")  # the first page after signing in changes the session
        first = client.get("/escalations")  # the app renders, the memo keeps the response
        assert first.status_code == 200 and "Set-Cookie" not in first.headers
        with counted_queries(live_app) as statements:
            again = client.get("/escalations")
        assert again.status_code == 200 and statements == []
        # The same page with a fresh CSP nonce, in the header and in the body alike.
        assert _nonce(again) != _nonce(first) and _nonce(again) in again.get_data(as_text=True)
        assert again.get_data(as_text=True).replace(_nonce(again), "") == \
            first.get_data(as_text=True).replace(_nonce(first), "")

        fragment = client.get("/escalations", headers=HX)
        etag = fragment.headers["ETag"]
        with counted_queries(live_app) as statements:
            poll = client.get("/escalations", headers={**HX, "If-None-Match": etag})
        assert poll.status_code == 304 and statements == []
        assert poll.headers["ETag"] == etag

    # An internal note changes nothing customers see: still 304 (and nothing was dropped).
    with committed(live_app, T0 + timedelta(seconds=2)) as session:
        escalation = session.get(Escalation, scene["escalation"])
        agent = session.get(User, scene["agent"])
        ops.post_update(escalation, author=agent, body="Internal: db01 is the culprit",
                        visibility=Visibility.INTERNAL)
    time.sleep(0.3)  # room for a (wrong) notification to arrive
    with frozen_at(T0 + timedelta(seconds=3)):
        assert client.get("/escalations", headers={**HX, "If-None-Match": etag}).status_code == 304

    # A customer update: its notification drops the organization's validators in every process.
    memo = _gate(live_app).memo
    with committed(live_app, T0 + timedelta(seconds=4)) as session:
        escalation = session.get(Escalation, scene["escalation"])
        agent = session.get(User, scene["agent"])
        ops.post_update(escalation, author=agent, body="Fix deployed to the EU cluster.",
                        visibility=Visibility.CUSTOMER)
    assert _wait(lambda: memo.sizes()["summaries"] == 0), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=5)):
        changed = client.get("/escalations", headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Fix deployed to the EU cluster." in changed.get_data(as_text=True)
    assert "db01" not in changed.get_data(as_text=True)


def test_an_ended_session_is_never_answered_from_memory(live_app, scene):
    client = _signed_in(live_app, scene["email"])
    with frozen_at(T0 + timedelta(seconds=6)):
        client.get("/escalations")
        etag = client.get("/escalations", headers=HX).headers["ETag"]
        assert client.get("/escalations", headers={**HX, "If-None-Match": etag}).status_code == 304
        captured = client.get_cookie("session").value
        AuthActions(client).logout("/escalations")  # bumps the user's session version
    memo = _gate(live_app).memo
    assert _wait(lambda: memo.user(scene["customer"]) is None
                 or memo.user(scene["customer"]).session_version > 1)
    thief = live_app.test_client()
    thief.set_cookie("session", captured)
    with frozen_at(T0 + timedelta(seconds=7)):
        # A poll is sent to sign-in as a whole page (HX-Redirect), a page by a redirect.
        poll = thief.get("/escalations", headers={**HX, "If-None-Match": etag})
        assert poll.status_code == 401 and poll.headers["HX-Redirect"].startswith("/login")
        page = thief.get("/escalations")
        assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_while_the_feed_is_down_everything_goes_to_the_app(live_app, scene):
    client = _signed_in(live_app, scene["email"])
    gate = _gate(live_app)
    with frozen_at(T0 + timedelta(seconds=8)):
        client.get("/escalations")
        etag = client.get("/escalations", headers=HX).headers["ETag"]
        with live_app.app_context():
            pid = gate.feed.connection.info.backend_pid
            db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            db.session.commit()
        assert _wait(lambda: not gate.memo.live), "the memo stayed live without its feed"
        with counted_queries(live_app) as statements:
            poll = client.get("/escalations", headers={**HX, "If-None-Match": etag})
        assert poll.status_code == 304 and statements  # the app itself answered
        assert gate.feed.wait_until_live(), "the feed did not reconnect"
        assert gate.memo.sizes()["summaries"] == 0  # reconnecting forgot everything


def test_the_escalation_page_is_answered_from_memory_until_what_it_shows_changes(
        live_app, scene):
    """The escalation page and its region's polls come from the memo on repeat; an internal
    note keeps them; the viewer's own choice and a customer update drop that escalation's
    validators in every process (its own notification, `escalation:<id>`)."""
    client = _signed_in(live_app, scene["email"])
    path = f"/escalations/{Escalation.reference_of(scene['escalation'])}"
    memo = _gate(live_app).memo
    with frozen_at(T0 + timedelta(seconds=10)):
        client.get(path)  # the first page after signing in changes the session
        first = client.get(path)
        assert first.status_code == 200 and "Set-Cookie" not in first.headers
        with counted_queries(live_app) as statements:
            again = client.get(path)
        assert again.status_code == 200 and statements == []
        assert again.get_data(as_text=True).replace(_nonce(again), "") == \
            first.get_data(as_text=True).replace(_nonce(first), "")
        etag = client.get(path, headers=HX).headers["ETag"]
        with counted_queries(live_app) as statements:
            poll = client.get(path, headers={**HX, "If-None-Match": etag})
        assert poll.status_code == 304 and statements == [] and poll.headers["ETag"] == etag

    with committed(live_app, T0 + timedelta(seconds=11)) as session:
        ops.post_update(session.get(Escalation, scene["escalation"]),
                        author=session.get(User, scene["agent"]),
                        body="Internal: db02 as well", visibility=Visibility.INTERNAL)
    time.sleep(0.3)  # room for a (wrong) notification to arrive
    with frozen_at(T0 + timedelta(seconds=12)):
        assert client.get(path, headers={**HX, "If-None-Match": etag}).status_code == 304

    # The viewer stops the emails: the page they reload must say so at once.
    with frozen_at(T0 + timedelta(seconds=13)):
        token = AuthActions(client).csrf_token(path)
        assert client.post(f"{path}/subscription", data={
            "subscription-csrf_token": token, "subscription-subscribed": "no"}
        ).status_code == 302
    assert _wait(lambda: memo.sizes()["escalations"] == 0), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=14)):
        reloaded = client.get(path)
        assert "Email me about updates" in reloaded.get_data(as_text=True)
        etag = client.get(path, headers=HX).headers["ETag"]
        assert client.get(path, headers={**HX, "If-None-Match": etag}).status_code == 304

    with committed(live_app, T0 + timedelta(seconds=15)) as session:
        ops.post_update(session.get(Escalation, scene["escalation"]),
                        author=session.get(User, scene["agent"]),
                        body="Rolled back; error rate is normal.",
                        visibility=Visibility.CUSTOMER)
    assert _wait(lambda: memo.sizes()["escalations"] == 0), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=16)):
        changed = client.get(path, headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Rolled back; error rate is normal." in changed.get_data(as_text=True)
    assert "db02" not in changed.get_data(as_text=True)


def test_the_staff_queue_is_answered_from_memory_until_anything_on_it_changes(
        live_app, scene):
    """Staff poll the queue all day: repeat pages and polls come from the memo; any change of
    an escalation (internal ones too: staff see them) drops the queue's stamp everywhere."""
    with committed(live_app, T0 + timedelta(seconds=20)):
        staff_email = factories.make_staff(Role.ESCALATION_MANAGER).email
    client = _signed_in(live_app, staff_email)
    memo = _gate(live_app).memo
    with frozen_at(T0 + timedelta(seconds=21)):
        client.get("/admin/")  # the first page after signing in changes the session
        first = client.get("/admin/")
        assert first.status_code == 200 and "Set-Cookie" not in first.headers
        with counted_queries(live_app) as statements:
            again = client.get("/admin/")
        assert again.status_code == 200 and statements == []
        etag = client.get("/admin/", headers=HX).headers["ETag"]
        with counted_queries(live_app) as statements:
            poll = client.get("/admin/", headers={**HX, "If-None-Match": etag})
        assert poll.status_code == 304 and statements == []
        assert memo.queue_stamp() is not None

    with committed(live_app, T0 + timedelta(seconds=22)) as session:
        ops.change_status(session.get(Escalation, scene["escalation"]), Status.ACKNOWLEDGED,
                          actor=session.get(User, scene["agent"]))
    assert _wait(lambda: memo.queue_stamp() is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=23)):
        changed = client.get("/admin/", headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Acknowledged" in changed.get_data(as_text=True)


def _checked_preference(html: str) -> str:
    return re.search(r'<input[^>]*value="(\w+)"[^>]*checked|<input[^>]*checked[^>]*value="(\w+)"',
                     html).group(0)


def test_the_signed_in_account_is_read_once_until_its_row_or_organization_changes(
        live_app, scene):
    """A signed-in request needs no statement to know who asks; any change of the person's
    row or their organization's (preference, name, deactivation) shows on the next request."""
    with committed(live_app, T0 + timedelta(seconds=30)) as session:
        org = session.get(Organization, scene["org"])
        person = factories.make_customer(org)
        ids = {"id": person.id, "email": person.email}
    client = _signed_in(live_app, ids["email"])
    memo = _gate(live_app).memo
    path = "/account/notifications"
    with frozen_at(T0 + timedelta(seconds=31)):
        client.get(path)  # the first page after signing in changes the session
        with counted_queries(live_app) as statements:
            page = client.get(path)
        assert page.status_code == 200
        assert not any("FROM users" in s for s in statements), statements
        # nothing muted, no feed links: remembered too (the next test), nothing read at all
        assert statements == []
        assert "immediate" in _checked_preference(page.get_data(as_text=True))

    # The preference changed elsewhere, in SQL (as another worker process or psql would: only
    # the change feed can tell this process): shown on the next request.
    assert memo.account(ids["id"]) is not None
    with committed(live_app, T0 + timedelta(seconds=32)) as session:
        session.execute(sa.text("UPDATE users SET notification_preference = 'daily_digest' "
                                "WHERE id = :id"), {"id": ids["id"]})
    assert _wait(lambda: memo.account(ids["id"]) is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=33)):
        page = client.get(path)
        assert "digest" in _checked_preference(page.get_data(as_text=True))
        with counted_queries(live_app) as statements:
            client.get(path)
        assert not any("FROM users" in s for s in statements)  # read once more, then kept

    # The organization renamed (in SQL too): every one of its people's copies is dropped.
    assert memo.account(ids["id"]) is not None
    with committed(live_app, T0 + timedelta(seconds=34)) as session:
        session.execute(sa.text("UPDATE organizations SET name = 'Renamed Holdings' "
                                "WHERE id = :id"), {"id": scene["org"]})
    assert _wait(lambda: memo.account(ids["id"]) is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=35)):
        assert "Renamed Holdings" in client.get(path).get_data(as_text=True)

    # Deactivated: signed out on the very next request, not served from the copy.
    client.get(path)
    assert memo.account(ids["id"]) is not None
    with committed(live_app, T0 + timedelta(seconds=36)) as session:
        credentials.deactivate(session.get(User, ids["id"]), actor=None)
    assert _wait(lambda: memo.account(ids["id"]) is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=37)):
        page = client.get(path)
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_the_queue_reads_its_people_and_accounts_once_until_one_is_added_or_changed(
        live_app, scene):
    """The queue's owner and account filters list every active staff member and account: read
    once per process, and a new account (or a renamed one) is there on the next render."""
    with committed(live_app, T0 + timedelta(seconds=40)):
        staff_email = factories.make_staff(Role.ESCALATION_MANAGER).email
    client = _signed_in(live_app, staff_email)
    memo = _gate(live_app).memo
    hard = {"Cache-Control": "no-cache"}  # never the gate: the app renders every time
    with frozen_at(T0 + timedelta(seconds=41)):
        client.get("/admin/", headers=hard)
        client.get("/admin/", headers=hard)
        with counted_queries(live_app) as statements:
            assert client.get("/admin/", headers=hard).status_code == 200
        assert not any("FROM organizations ORDER BY" in s for s in statements), statements
        assert not any("FROM users" in s for s in statements), statements
        # the queue's own 2 (its summary, with the navigation's counts, comes with the page)
        assert len(statements) == 2, statements
    assert memo.directory("organizations") is not None
    with committed(live_app, T0 + timedelta(seconds=42)) as session:
        session.execute(sa.text(
            "INSERT INTO organizations (name, slug, segment, annual_revenue, timezone, "
            "sla_policy_id, created_at, two_factor_required) SELECT 'Brand New Account', "
            "'brand-new', segment, 0, 'UTC', sla_policy_id, now(), false FROM organizations "
            "WHERE id = :id"), {"id": scene["org"]})
    assert _wait(lambda: memo.directory("organizations") is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=43)):
        assert "Brand New Account" in client.get("/admin/", headers=hard).get_data(as_text=True)


def test_empty_notification_settings_are_read_once_until_the_person_mutes_or_makes_feeds(
        live_app, scene):
    """Nothing muted and no feed links is remembered with the account (the page reads
    nothing); a subscription or a feed token made, changed or removed elsewhere (migration
    0038) shows on the next request; a feed token's last use alone drops nothing."""
    with committed(live_app, T0 + timedelta(seconds=50)) as session:
        org = session.get(Organization, scene["org"])
        ids = {"id": factories.make_customer(org).id,
               "other": factories.make_customer(org).id}
        ids["email"] = session.get(User, ids["id"]).email
    client = _signed_in(live_app, ids["email"])
    memo = _gate(live_app).memo
    path = "/account/notifications"
    with frozen_at(T0 + timedelta(seconds=51)):
        client.get(path)
        client.get(path)
        with counted_queries(live_app) as statements:
            page = client.get(path).get_data(as_text=True)
        assert statements == [] and "None: you get updates" in page
    assert memo.settings(ids["id"]) is not None

    # Muted in SQL (as another process would): the next page lists it, and reads it again.
    with committed(live_app, T0 + timedelta(seconds=52)) as session:
        session.execute(sa.text(
            "INSERT INTO subscriptions (organization_id, user_id, escalation_id, subscribed, "
            "updated_at) VALUES (:org, :user, :escalation, false, now())"),
            {"org": scene["org"], "user": ids["id"], "escalation": scene["escalation"]})
    assert _wait(lambda: memo.settings(ids["id"]) is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=53)):
        assert "Payments time out" in client.get(path).get_data(as_text=True)
        with counted_queries(live_app) as statements:
            client.get(path)
        assert len(statements) == 1  # a muted escalation's title is read every time
    assert memo.settings(ids["id"]) is None

    # Unmuted: empty again, and remembered again.
    with committed(live_app, T0 + timedelta(seconds=54)) as session:
        session.execute(sa.text("DELETE FROM subscriptions WHERE user_id = :user"),
                        {"user": ids["id"]})
    assert _wait(lambda: memo.account(ids["id"]) is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=55)):
        assert "None: you get updates" in client.get(path).get_data(as_text=True)
    assert memo.settings(ids["id"]) is not None

    # Feed links made elsewhere: shown on the next request.
    with committed(live_app, T0 + timedelta(seconds=56)) as session:
        feeds.issue_feed_token(session.get(User, ids["id"]))
    assert _wait(lambda: memo.settings(ids["id"]) is None), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=57)):
        assert "Reset feed links" in client.get(path).get_data(as_text=True)

    # A feed reader's poll writes last_used_at: no notification for that alone (another
    # person's change, committed after it, arrives; this person's account is still kept).
    before, other = memo.ticket("user", ids["id"]), memo.ticket("user", ids["other"])
    with committed(live_app, T0 + timedelta(seconds=58)) as session:
        session.execute(sa.text("UPDATE feed_tokens SET last_used_at = now() "
                                "WHERE user_id = :user"), {"user": ids["id"]})
    with committed(live_app, T0 + timedelta(seconds=59)) as session:
        session.execute(sa.text("UPDATE users SET name = 'Someone Else' WHERE id = :id"),
                        {"id": ids["other"]})
    assert _wait(lambda: memo.ticket("user", ids["other"]) != other), "no notification arrived"
    assert memo.ticket("user", ids["id"]) == before


def test_feed_links_made_on_the_page_show_at_once(live_app, scene):
    """The person's own POST (htmx, answered with the section) reads what it just wrote, and
    the next page shows it: the write drops what was remembered in this process at once."""
    with committed(live_app, T0 + timedelta(seconds=60)) as session:
        person = factories.make_customer(session.get(Organization, scene["org"]))
        ids = {"id": person.id, "email": person.email}
    client = _signed_in(live_app, ids["email"])
    memo = _gate(live_app).memo
    with frozen_at(T0 + timedelta(seconds=61)):
        client.get("/account/notifications")
        page = client.get("/account/notifications").get_data(as_text=True)
        assert memo.settings(ids["id"]) is not None and "Create feed links" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        made = client.post("/account/feeds", data={"csrf_token": token}, headers=HX)
        assert made.status_code == 200
        assert "Reset feed links" in made.get_data(as_text=True)
        assert memo.settings(ids["id"]) is None
        assert "Reset feed links" in client.get("/account/notifications").get_data(as_text=True)


def _all_open(response) -> int:
    found = re.search(r'All open <span class="queue-view-count">(\d+)</span>',
                      response.get_data(as_text=True))
    assert found, "no quick views"
    return int(found.group(1))


def test_the_queue_counts_are_kept_only_until_a_change_arrives(live_app, scene):
    """The queue's counts are kept while its rows are unchanged (portal.live.queue_ticket):
    a repeat render reads the page alone, and the first render after a change's notification
    counts what changed."""
    with committed(live_app, T0 + timedelta(seconds=70)):
        staff_email = factories.make_staff(Role.ESCALATION_MANAGER).email
    client = _signed_in(live_app, staff_email)
    memo = _gate(live_app).memo
    hard = {"Cache-Control": "no-cache"}  # never the gate: the app renders every time
    with frozen_at(T0 + timedelta(seconds=71)):
        client.get("/admin/", headers=hard)  # the first page after signing in
        before = _all_open(client.get("/admin/", headers=hard))
        with counted_queries(live_app) as statements:
            assert _all_open(client.get("/admin/", headers=hard)) == before
        assert not any("GROUP BY" in s for s in statements), statements
    ticket = memo.ticket("queue", 0)
    with committed(live_app, T0 + timedelta(seconds=72)) as session:
        factories.make_escalation(session.get(Organization, scene["org"]),
                                  actor=session.get(User, scene["agent"]), title="One more")
    assert _wait(lambda: memo.ticket("queue", 0) != ticket), "no notification arrived"
    with frozen_at(T0 + timedelta(seconds=73)):
        assert _all_open(client.get("/admin/", headers=hard)) == before + 1
