"""The gate answers exactly the requests the app would answer for a signed-in customer (or,
on the console's queue, staff) with the session left as it is — decided by the same functions
(`portal.sessions`).

Each case makes a real session cookie (a real sign-in, then what the case changes: time, the
browser, the user's row, the session's contents), then asks both sides:

- the app: GET /escalations through the whole app; it "accepts" when it answers 200 as that
  customer (not a preview), and sends no new cookie;
- the gate: `Gate._visit` with the same cookie and headers, on a memo holding the user's
  current stamp (as the change feed would keep it).

Runs on SQLite and PostgreSQL alike: the gate's decision needs no change feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask import g, request_finished, session
from flask_login import current_user

from portal.accounts.models import User
from portal.clock import frozen_at
from portal.enums import Role
from portal.live import stamp_of
from portal.live.gate import Gate
from portal.live.memo import Memo, UserStamp
from portal.sessions import PREVIEW, SEEN, STARTED
from tests.conftest import AuthActions

# Real time: the cookie's own signature age is checked against the clock (by itsdangerous in
# the app, by the gate's reader against portal.clock), so the test's instants stay near it.
T0 = datetime.now(UTC).replace(microsecond=0)
BROWSER = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Firefox/140 (parity test)"}


@dataclass(frozen=True)
class Case:
    name: str
    accepted: bool  # what both must say
    who: Role = Role.VIEWER
    later: timedelta = timedelta(seconds=10)
    environ: dict = field(default_factory=dict)  # over BROWSER
    session: dict = field(default_factory=dict)  # keys set in the signed session
    drop: tuple = ()  # keys removed from it
    user: dict = field(default_factory=dict)  # columns changed on the user's row
    cookie: str = "signed"  # "signed", "none", "tampered", "signed out"
    preview: bool = False


CASES = [
    Case("signed in, same browser", True),
    Case("signed in, a minute later (the idle timer moves)", False,
         later=timedelta(seconds=61)),
    Case("a live region's poll a minute later (a poll never moves the idle timer)", True,
         later=timedelta(seconds=61), environ={"HTTP_X_CLEARPATH_BACKGROUND": "poll"}),
    Case("idle past the limit", False, later=timedelta(minutes=31)),
    Case("polled, but idle past the limit", False, later=timedelta(minutes=31),
         environ={"HTTP_X_CLEARPATH_BACKGROUND": "poll"}),
    Case("past the absolute limit", False,
         session={STARTED: (T0 - timedelta(hours=13)).timestamp()}),
    Case("no timers in the session", False, drop=(STARTED,)),
    Case("a timer that is not a number", False, session={SEEN: "yesterday"}),
    Case("another browser", False, environ={"HTTP_USER_AGENT": "Chrome/150"}),
    Case("another address", False, environ={"REMOTE_ADDR": "198.51.100.9"}),
    Case("behind a proxy that says another address", False,
         environ={"HTTP_X_FORWARDED_FOR": "198.51.100.9, 10.0.0.1"}),
    Case("another browser, session already marked non-fresh", True,
         environ={"HTTP_USER_AGENT": "Chrome/150"}, session={"_fresh": False}),
    Case("a flashed message waiting", False, session={"_flashes": [("info", "Hello")]}),
    Case("a user token that is not one", False, session={"_user_id": "7:x"}),
    Case("an old session version (password changed elsewhere)", False,
         user={"session_version": 99}),
    Case("deactivated", False, user={"active": False}),
    Case("staff", False, who=Role.AGENT),
    Case("staff previewing a customer", False, who=Role.ACCOUNT_MANAGER, preview=True),
    Case("no cookie", False, cookie="none"),
    Case("a tampered cookie", False, cookie="tampered"),
    Case("signed out", False, cookie="signed out"),
]


def _user(world, role: Role) -> User:
    return world.staff[role] if role in world.staff else world.customers_a[role]


def _cookie(app, client, case: Case, user: User, viewer: User) -> str | None:
    """A real sign-in at T0, then the case's changes to the signed session."""
    auth = AuthActions(client)
    client.environ_base.update(BROWSER)
    with frozen_at(T0):
        assert auth.login(user.email).status_code == 302
        if case.preview:
            token = auth.csrf_token(f"/admin/preview/{viewer.id}")
            assert client.post(f"/admin/preview/{viewer.id}",
                               data={"csrf_token": token}).status_code in (302, 303)
        client.get("/escalations" if user.is_staff is False else "/admin/")  # settle
        if case.cookie == "signed out":
            auth.logout("/admin/" if user.is_staff else "/escalations")
            client.get("/login")  # the sign-out's flash is shown and gone
    if case.cookie == "none":
        return None
    with client.session_transaction() as session:
        session.update(case.session)
        for key in case.drop:
            session.pop(key, None)
    value = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return value[:-2] + ("AA" if not value.endswith("AA") else "BB") \
        if case.cookie == "tampered" else value


def _app_accepts(app, cookie: str | None, environ: dict, customer_id: int, *,
                 path: str = "/escalations", staff: bool = False) -> bool:
    seen = {}

    def record(sender, response, **extra):
        seen["user"] = current_user.get_id() if current_user.is_authenticated else None
        seen["customer"] = current_user.is_authenticated and not current_user.is_staff
        # A preview shows on every page, the console's too (its banner).
        seen["preview"] = g.get("preview_staff") is not None or PREVIEW in session

    fresh = app.test_client()
    if cookie is not None:
        fresh.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    with request_finished.connected_to(record, app):
        response = fresh.get(path, environ_base=environ)
    return (response.status_code == 200 and "Set-Cookie" not in response.headers
            and seen.get("customer") is (not staff) and not seen["preview"]
            and str(seen["user"]).split(":")[0] == str(customer_id))


def _gate_accepts(app, cookie: str | None, environ: dict, stamp: UserStamp, *,
                  staff: bool = False) -> bool:
    memo = Memo()
    memo.reset(live=True)
    memo.remember_user(memo.ticket("user", stamp.id), stamp)
    gate = Gate(app, app.wsgi_app, memo, revalidators={})
    headers = {"REQUEST_METHOD": "GET", "PATH_INFO": "/escalations", "QUERY_STRING": "",
               **environ}
    if cookie is not None:
        headers["HTTP_COOKIE"] = f"{app.config['SESSION_COOKIE_NAME']}={cookie}"
    return gate._visit(headers, {}, staff=staff) is not None


def _verdicts(app, client, world, as_staff, case: Case, *, staff: bool) -> tuple[bool, bool]:
    """What the app and the gate say of the case's cookie: on the customer dashboard, or on
    the console's queue (`staff`). A customer preview is judged as the previewed customer."""
    user, viewer = _user(world, case.who), world.customers_a[Role.VIEWER]
    cookie = _cookie(app, client, case, user, viewer)
    seen_as = viewer if case.preview and not staff else user
    with as_staff() as session:
        row = session.get(User, user.id)
        for column, value in case.user.items():
            setattr(row, column, value)
        session.flush()
        stamp = stamp_of(session.get(User, seen_as.id))
    environ = {**BROWSER, **case.environ}
    with frozen_at(T0 + case.later):
        return (_app_accepts(app, cookie, environ, seen_as.id,
                             path="/admin/" if staff else "/escalations", staff=staff),
                _gate_accepts(app, cookie, environ, stamp, staff=staff))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_gate_and_the_app_give_the_same_verdict(app, client, world, as_staff, case):
    app_says, gate_says = _verdicts(app, client, world, as_staff, case, staff=False)
    assert (app_says, gate_says) == (case.accepted, case.accepted), \
        f"app {app_says}, gate {gate_says}, expected {case.accepted}"


# The console's queue is answered by the gate too, for staff outside a preview: the same
# session rules, the other kind of visitor.
STAFF_CASES = [
    Case("staff signed in, same browser", True, who=Role.AGENT),
    Case("staff, a minute later (the idle timer moves)", False, who=Role.AGENT,
         later=timedelta(seconds=61)),
    Case("staff idle past the limit", False, who=Role.AGENT, later=timedelta(minutes=31)),
    Case("the queue's poll a minute later", True, who=Role.AGENT,
         later=timedelta(seconds=61), environ={"HTTP_X_CLEARPATH_BACKGROUND": "poll"}),
    Case("the queue polled, but idle past the limit", False, who=Role.AGENT,
         later=timedelta(minutes=31), environ={"HTTP_X_CLEARPATH_BACKGROUND": "poll"}),
    Case("staff in another browser", False, who=Role.AGENT,
         environ={"HTTP_USER_AGENT": "Chrome/150"}),
    Case("staff deactivated", False, who=Role.AGENT, user={"active": False}),
    Case("staff with a flashed message waiting", False, who=Role.AGENT,
         session={"_flashes": [("info", "Hello")]}),
    Case("staff previewing a customer", False, who=Role.ACCOUNT_MANAGER, preview=True),
    Case("a customer", False),
    Case("staff signed out", False, who=Role.AGENT, cookie="signed out"),
]


@pytest.mark.parametrize("case", STAFF_CASES, ids=[c.name for c in STAFF_CASES])
def test_on_the_console_the_gate_and_the_app_give_the_same_verdict(app, client, world,
                                                                   as_staff, case):
    app_says, gate_says = _verdicts(app, client, world, as_staff, case, staff=True)
    assert (app_says, gate_says) == (case.accepted, case.accepted), \
        f"app {app_says}, gate {gate_says}, expected {case.accepted}"
