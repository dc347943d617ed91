"""Response headers, cookies and assets that keep the portal safe in a browser."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from portal import create_app
from portal.enums import Role

STATIC = Path(__file__).resolve().parent.parent / "portal" / "static"


def test_pages_carry_a_nonce_based_csp_without_unsafe_sources(client):
    """Scripts run only with this response's nonce; nothing inline or eval'd runs."""
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert client.get("/login").headers["Content-Security-Policy"] != csp  # fresh per response


def test_pages_send_nosniff_referrer_policy_and_vary(client):
    """Browsers are told not to sniff, not to leak referrers, and that htmx changes answers."""
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "HX-Request" in response.headers["Vary"]


def test_no_inline_styles_or_handlers_in_templates():
    """Pages hold no style attributes, inline handlers or hx-on (the CSP would block them).

    Email templates are not pages: mail clients need inline styles, and no CSP applies."""
    templates = Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*templates.glob("portal/templates/**/*.html"),
                 *templates.glob("admin/templates/**/*.html")]:
        if "templates/email/" in str(path):
            continue
        text = path.read_text()
        if re.search(r"\sstyle=|\son[a-z]+=|hx-on", text):
            offenders.append(str(path))
    assert offenders == []


def test_htmx_is_vendored_and_configured_for_the_csp(client):
    """htmx comes from our own server, configured without eval and same-origin only."""
    page = client.get("/login").get_data(as_text=True)
    src = re.search(r'<script src="(/static/vendor/htmx-[\d.]+/htmx\.min\.js)"', page).group(1)
    asset = client.get(src)
    assert asset.status_code == 200
    asset.close()
    assert (STATIC / src.removeprefix("/static/")).parent.joinpath("LICENSE").exists()
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", page).group(1))
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["historyCacheSize"] == 0
    # Nothing is loaded from elsewhere (a CDN): every src and href is our own. (Not a search
    # for "cdn" in the page: a random CSRF token may spell it.)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


def test_htmx_requests_carry_the_csrf_token_in_hx_headers(client, auth, world):
    """The token htmx sends with every request is on <body>, and a post without it fails."""
    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get("/escalations").get_data(as_text=True)
    assert re.search(r'<body[^>]+hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', page)
    assert client.post("/logout", headers={"HX-Request": "true"}).status_code == 400


def test_session_cookie_is_httponly_samesite_and_secure_outside_the_demo(database_url):
    """Production cookies never travel over plain HTTP nor reach scripts."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from portal.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_login_response_sets_a_httponly_samesite_cookie(client, auth, world):
    """The cookie the browser receives carries the flags."""
    response = auth.login(world.customers_a[Role.VIEWER].email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_hashed_with_argon2id(app, world):
    """Stored hashes are argon2id, never a fast hash."""
    assert world.customers_a[Role.VIEWER].password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("path", ["/admin/", "/escalations", "/escalations/ESC-1001"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    """Nothing but the sign-in page is open to strangers."""
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_customers_cannot_reach_the_staff_console(client, auth, world):
    """Customers are refused at the console's door."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get("/admin/").status_code == 403


def test_error_pages_leak_nothing(client):
    """An error page says what happened, with no stack trace, path or version."""
    response = client.get("/no/such/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We could not find that page" in body
    for leak in ("Traceback", "werkzeug", "sqlalchemy", "/work/", "Werkzeug"):
        assert leak not in body


@pytest.mark.parametrize("existing", [None, "HX-Request", "Accept-Encoding, HX-Request",
                                      "cookie", "Accept,Cookie", '"odd", Accept', "*"])
@pytest.mark.parametrize("name", ["Cookie", "HX-Request"])
def test_add_vary_writes_what_werkzeug_writes(existing, name):
    from flask import Response

    from portal.security import add_vary

    ours, theirs = Response(), Response()
    for response in (ours, theirs):
        if existing is not None:
            response.headers["Vary"] = existing
    add_vary(ours, name)
    theirs.vary.add(name)
    assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()


@pytest.mark.parametrize("existing", [
    [("vary", "Accept"), ("X-Other", "1")],
    [("Vary", "Accept"), ("X-Other", "1"), ("VARY", "Origin")],
    [("X-Before", "1"), ("Vary", "HX-Request"), ("X-After", "2")],
])
@pytest.mark.parametrize("name", ["Cookie", "HX-Request"])
def test_add_vary_keeps_werkzeugs_place_and_spelling(existing, name):
    """A Vary the view wrote in another case, or twice, ends as Werkzeug would leave it."""
    from flask import Response

    from portal.security import add_vary

    ours, theirs = Response(), Response()
    for response in (ours, theirs):
        for key, value in existing:
            response.headers.add(key, value)
    add_vary(ours, name)
    theirs.vary.add(name)
    assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()


@pytest.mark.parametrize("seed", range(64))
def test_a_csp_nonce_is_what_secrets_token_urlsafe_makes(monkeypatch, seed):
    """The CSP nonce is `secrets.token_urlsafe(18)` of the same random bytes: 24 characters
    of URL-safe base64, every alphabet character reachable."""
    import os
    import random
    import secrets

    from portal import security

    data = random.Random(seed).randbytes(18) if seed else bytes(range(0xFF, 0xED, -1))
    monkeypatch.setattr(secrets, "token_bytes", lambda n: data[:n])
    monkeypatch.setattr(os, "urandom", lambda n: data[:n])
    expected = secrets.token_urlsafe(18)
    made = security._new_nonce()
    assert made == expected and len(made) == 24


@pytest.mark.parametrize("value", [True, False, 0, 1, -5, 2**70, 1.5, float("inf"),
                                   float("nan"), "1", None, [], b"1", 3 + 0j])
def test_a_session_timer_is_a_number_as_before(value):
    """A timer stamp counts only if it is a real number (never a bool, a string or None):
    the quick answer for plain ints and floats is the one isinstance gives."""
    from portal import sessions

    class Stamp(float):
        pass

    expected = isinstance(value, int | float) and not isinstance(value, bool)
    assert sessions._is_number(value) is expected
    assert sessions._is_number(Stamp(2.0)) is True


@pytest.mark.parametrize("value", [timedelta(minutes=30), timedelta(hours=12), 90, 90.0,
                                   1800, 0.5, True])
def test_a_configured_limit_is_the_same_number_of_seconds_each_time(value):
    """A limit given as a timedelta or a number is read as the same seconds, first and later."""
    from portal import security

    expected = value.total_seconds() if isinstance(value, timedelta) else float(value)
    assert security.seconds(value) == expected == security.seconds(value)
    assert type(security.seconds(value)) is float


def _security_headers_as_before(response):
    """set_security_headers as it was written before it read the names in one pass."""
    from portal.security import _OURS, OVERRIDABLE, csp_nonce, security_headers

    headers = response.headers
    ours = security_headers(csp_nonce(), html=response.mimetype == "text/html")
    present = {name.lower() for name, _ in headers}
    if present.isdisjoint(_OURS):
        headers._list.extend(ours)
        return response
    for name, value in ours:
        if name.lower() not in present:
            headers.add(name, value)
        elif name not in OVERRIDABLE:
            headers[name] = value
    return response


@pytest.mark.parametrize("set_by_view", [
    [], [("Content-Type", "text/html; charset=utf-8")], [("content-type", "text/html")],
    [("Content-Type", "TEXT/HTML")], [("Content-Type", "")], [("Content-Type", " text/html ;x")],
    [("Content-Type", "application/json"), ("Content-Type", "text/html")],
    [("Content-Type", "text/html"), ("Cache-Control", "max-age=60")],
    [("Content-Type", "text/html"), ("content-security-policy", "sandbox")],
    [("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "no-referrer")],
    [("Location", "/x"), ("Vary", "Cookie")],
])
def test_security_headers_are_written_as_before(app, set_by_view):
    """Every response gets the same security headers, in the same places, whatever content
    type and headers its view set."""
    from flask import Response, g

    from portal.security import set_security_headers

    with app.test_request_context("/"):
        g.csp_nonce = "n0nce"
        made, expected = Response(), Response()
        for response in (made, expected):
            response.headers._list[:] = list(set_by_view)
        set_security_headers(made)
        _security_headers_as_before(expected)
        assert made.headers._list == expected.headers._list


def test_a_requests_csp_nonce_is_made_once_and_kept_on_g(app):
    """One nonce per request, the one `g.csp_nonce` holds (a view may read or set it), and
    another for the next request."""
    from flask import g

    from portal.security import csp_nonce

    with app.test_request_context("/"):
        assert "csp_nonce" not in g
        first = csp_nonce()
        assert g.csp_nonce == first == csp_nonce()
    with app.test_request_context("/"):
        g.csp_nonce = "set by a view"
        assert csp_nonce() == "set by a view"
    with app.test_request_context("/"):
        assert csp_nonce() != first
