"""Flask-Login's remember-me cookie still comes and goes when the session asks for it
(portal.auth.remember_cookie runs its hook only then)."""

from portal.enums import Role


def _remember_cookie(response):
    return [value for value in response.headers.getlist("Set-Cookie")
            if value.startswith("remember_token=")]


def test_no_remember_cookie_on_an_ordinary_signed_in_request(client, auth, world):
    """A signed-in page sets no remember-me cookie: the portal signs in without one."""
    auth.login(world.customers_a[Role.VIEWER].email)
    assert _remember_cookie(client.get("/")) == []


def test_a_pending_remember_me_sets_the_cookie(client, auth, world):
    """A session that asks for remember-me gets its cookie on the next response."""
    auth.login(world.customers_a[Role.VIEWER].email)
    with client.session_transaction() as session:
        session["_remember"] = "set"
    assert _remember_cookie(client.get("/"))
    with client.session_transaction() as session:
        assert "_remember" not in session


def test_a_pending_clear_removes_the_cookie(client, auth, world):
    """A session that asks for the remember-me cookie to go gets it expired."""
    auth.login(world.customers_a[Role.VIEWER].email)
    with client.session_transaction() as session:
        session["_remember"] = "clear"
    (cleared,) = _remember_cookie(client.get("/"))
    assert "Expires=Thu, 01 Jan 1970" in cleared


def test_refreshing_each_request_sets_the_cookie_every_time(app, client, auth, world,
                                                            monkeypatch):
    """With REMEMBER_COOKIE_REFRESH_EACH_REQUEST a signed-in request always refreshes it."""
    auth.login(world.customers_a[Role.VIEWER].email)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_REFRESH_EACH_REQUEST", True)
    assert _remember_cookie(client.get("/"))
    assert _remember_cookie(client.get("/"))
