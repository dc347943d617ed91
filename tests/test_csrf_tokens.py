"""A CSRF token signed in the last minute for the same session's raw token is handed out
again (portal.csrf_tokens); it validates as a fresh one does, and a form POST without a valid
token is still refused."""

import time

from flask import session
from flask_wtf.csrf import validate_csrf

from portal import csrf_tokens


def _token(app, raw: str) -> str:
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        token = csrf_tokens.generate_csrf()
        validate_csrf(token)  # raises when it is not valid for this session
        assert app.jinja_env.globals["csrf_token"]() == token  # the same for the request
        return token


def test_a_token_is_reused_for_a_minute_then_signed_again(app, monkeypatch):
    csrf_tokens._signed.clear()
    first = _token(app, "raw-one")
    assert _token(app, "raw-one") == first
    later = time.monotonic() + csrf_tokens.REUSE_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    _token(app, "raw-one")  # signed again (in the same second its bytes may be the same)
    assert csrf_tokens._signed[(app.secret_key, "raw-one")][1] == later


def test_a_token_belongs_to_its_session(app):
    csrf_tokens._signed.clear()
    one, other = _token(app, "raw-one"), _token(app, "raw-two")
    assert one != other
    with app.test_request_context("/"):
        session["csrf_token"] = "raw-two"
        try:
            validate_csrf(one)
        except Exception as refused:  # noqa: BLE001
            assert "do not match" in str(refused)
        else:
            raise AssertionError("a token of another session was accepted")


def test_a_session_without_a_raw_token_gets_one(app):
    with app.test_request_context("/"):
        token = csrf_tokens.generate_csrf()
        assert session["csrf_token"] and validate_csrf(token) is None


def test_templates_and_forms_use_it(app):
    assert app.jinja_env.globals["csrf_token"] is csrf_tokens.generate_csrf
    from portal.forms import PortalForm

    assert PortalForm.Meta.csrf_class is csrf_tokens.ReusedTokenCSRF
