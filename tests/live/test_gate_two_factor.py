"""A session past the password but before the second factor is nobody: the live gate never
answers it from the memo (no 304, no replayed page) and the app sends it to the code page.

The memo is switched on for these tests (as the change feed would keep it on PostgreSQL), and
filled by a real signed-in request first: the control shows the gate does answer a signed-in
viewer from it, so the pending session's refusal is the gate's decision, not an empty memo.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.clock import frozen_at
from portal.enums import Role
from portal.live import EXTENSION, stamp_of
from portal.sessions import PENDING
from tests.auth.two_factor_steps import code_for, secret_on
from tests.conftest import AuthActions, csrf_token_from
from tests.live.test_gate_parity import _gate_accepts

T0 = datetime.now(UTC).replace(microsecond=0)
ANY = {"If-None-Match": "*"}  # matches whatever validator the gate would compute


@pytest.fixture
def live_memo(app):
    gate = app.extensions[EXTENSION]
    gate.memo.reset(live=True)
    try:
        yield gate.memo
    finally:
        gate.memo.reset(live=False)


def _enrol_viewer(client, auth, viewer) -> str:
    """The viewer turns two-factor sign-in on from their page (signed in), then signs out."""
    auth.login(viewer.email)
    page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    secret = secret_on(page)
    assert client.post("/account/two-factor/enrol", data={
        "code": code_for(secret), "csrf_token": csrf_token_from(page)}).status_code == 200
    auth.logout("/account/two-factor")
    client.get("/login")  # the sign-out's flash is shown and gone
    return secret


@pytest.mark.parametrize("why", ["has a second factor", "must enrol"])
def test_a_pending_session_gets_no_memo_answer_and_no_customer_data(
        app, client, world, as_staff, live_memo, enforced, why):
    viewer = world.customers_a[Role.VIEWER]
    auth = AuthActions(client)
    with frozen_at(T0):
        # Control: signed in, the second request is answered by the gate (304 on "*").
        auth.login(viewer.email)
        assert client.get("/escalations").status_code == 200
        assert client.get("/escalations", headers=ANY).status_code == 304
        auth.logout("/escalations")
        client.get("/login")
        if why == "has a second factor":
            _enrol_viewer(client, auth, viewer)
            expected = "/login/code"
        else:
            auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
            token = auth.csrf_token("/team")
            client.post("/team/two-factor", data={"two-factor-required": "y",
                                                  "csrf_token": token})
            auth.logout("/team")
            client.get("/login")
            expected = "/login/two-factor"
        assert auth.login(viewer.email).headers["Location"] == expected
    with client.session_transaction() as session:
        assert PENDING in session and "_user_id" not in session
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    with as_staff() as session:
        stamp = stamp_of(session.get(type(viewer), viewer.id))

    with frozen_at(T0 + timedelta(seconds=5)):
        # The gate's own verdict on the cookie: not a visit it may answer.
        assert not _gate_accepts(app, cookie, {"REMOTE_ADDR": "127.0.0.1",
                                               "HTTP_USER_AGENT": "Werkzeug/3"}, stamp)
        for path in ("/escalations", f"/escalations/{world.escalation_a.reference}"):
            response = client.get(path, headers=ANY)
            assert response.status_code == 302, path
            assert response.headers["Location"] == expected
            assert world.escalation_a.reference.encode() not in response.get_data()
