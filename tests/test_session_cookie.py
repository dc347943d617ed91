"""A verified session cookie is looked up, not verified again (portal.session_cookie): the
same session each time, a copy of its own per request, its age still checked, and a cookie
that does not verify still refused."""

import time

import pytest
from flask import session

from portal.application import PortalFlask
from portal.session_cookie import RememberingSessionInterface


@pytest.fixture
def cookie_app(monkeypatch):
    monkeypatch.setattr(PortalFlask, "session_interface", RememberingSessionInterface())
    app = PortalFlask(__name__)
    app.config.update(SECRET_KEY="a secret", PERMANENT_SESSION_LIFETIME=3600,
                      SESSION_REFRESH_EACH_REQUEST=False)

    @app.get("/set/<value>")
    def set_value(value):
        session.permanent = True
        session["value"] = value
        return "set"

    @app.get("/flash")
    def set_nested():
        session["nested"] = ["a", "list"]
        return "set"

    @app.get("/read")
    def read():
        return repr(sorted(session.items()))

    @app.get("/change")
    def change():
        session["value"] = "changed here"
        return "changed"

    return app


def _cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_a_verified_cookie_reads_the_same_and_each_request_gets_its_own_copy(cookie_app):
    client = cookie_app.test_client()
    client.get("/set/first")
    cookie = _cookie(client, cookie_app)
    assert client.get("/read").text == repr([("_permanent", True), ("value", "first")])
    assert any(key[0] == cookie_app.secret_key and cookie in key[2]
               for key in cookie_app.session_interface._verified)
    other = cookie_app.test_client()
    other.set_cookie(cookie_app.config["SESSION_COOKIE_NAME"], cookie)
    other.get("/change")  # changes its own copy (and receives a new cookie)
    client.set_cookie(cookie_app.config["SESSION_COOKIE_NAME"], cookie)
    assert "first" in client.get("/read").text


def test_an_expired_cookie_is_refused_even_once_verified(cookie_app, monkeypatch):
    client = cookie_app.test_client()
    client.get("/set/first")
    assert "first" in client.get("/read").text
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/read").text == "[]"


def test_a_tampered_cookie_is_refused(cookie_app):
    client = cookie_app.test_client()
    client.get("/set/first")
    cookie = _cookie(client, cookie_app)
    signed, _, signature = cookie.rpartition(".")
    forged = f"{signed}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    client.set_cookie(cookie_app.config["SESSION_COOKIE_NAME"], forged)
    assert client.get("/read").text == "[]"


def test_another_secret_verifies_afresh(cookie_app):
    client = cookie_app.test_client()
    client.get("/set/first")
    cookie_app.secret_key = "another secret"
    assert client.get("/read").text == "[]"


def test_a_session_holding_more_than_plain_values_is_not_remembered(cookie_app):
    client = cookie_app.test_client()
    client.get("/flash")
    assert "list" in client.get("/read").text
    assert not cookie_app.session_interface._verified


def test_an_unchanged_session_sets_no_cookie_and_varies_on_it(cookie_app):
    client = cookie_app.test_client()
    client.get("/set/first")
    read = client.get("/read")
    assert "Set-Cookie" not in read.headers and read.headers["Vary"] == "Cookie"
    changed = client.get("/change")
    assert "Set-Cookie" in changed.headers and changed.headers["Vary"] == "Cookie"
    cookie_app.config["SESSION_REFRESH_EACH_REQUEST"] = True  # a permanent session: re-sent
    assert "Set-Cookie" in client.get("/read").headers


def test_a_response_varying_already_adds_cookie(cookie_app):
    @cookie_app.get("/varies")
    def varies():
        session.get("value")
        return "varies", 200, {"Vary": "Accept-Encoding"}

    client = cookie_app.test_client()
    client.get("/set/first")
    assert client.get("/varies").headers["Vary"] == "Accept-Encoding, Cookie"


@pytest.mark.parametrize("kind", ["cookie session", "null session", "a subclass", "a dict"])
@pytest.mark.parametrize("session_class", ["Flask's", "another"])
def test_a_null_session_is_told_apart_as_flask_tells_it(kind, session_class):
    """Which sessions are null (never saved): Flask's answer, whatever the session."""
    from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface

    class Subclass(SecureCookieSession):
        pass

    ours, flasks = RememberingSessionInterface(), SecureCookieSessionInterface()
    if session_class == "another":
        ours.session_class = flasks.session_class = NullSession
    obj = {"cookie session": SecureCookieSession, "null session": NullSession,
           "a subclass": Subclass, "a dict": dict}[kind]()
    assert ours.is_null_session(obj) is flasks.is_null_session(obj)
