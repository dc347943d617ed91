"""The page chrome is drawn in Python now (portal/chrome.py): the main navigation and the head's
assets read exactly as base.html's macros drew them (their source kept in tests/fixtures), for
every customer role, every staff role, on the pages they link to and elsewhere."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import request
from flask_login import login_user

from admin import navigation
from portal import chrome
from portal.enums import Role
from portal.extensions import db
from portal.security import csp_nonce
from portal.tenancy import Scope, set_scope

FIXTURES = Path(__file__).parent / "fixtures"
CUSTOMER_ROLES = [role for role in Role if role.value in ("viewer", "executive", "customer_admin")]
STAFF_ROLES = [role for role in Role if role not in CUSTOMER_ROLES]
CUSTOMER_PAGES = [endpoint for endpoint, _, _ in chrome.CUSTOMER_LINKS] + [
    "customer.escalation", "auth.profile", None]
STAFF_PAGES = ["admin.home", "admin.handoffs", "admin.approvals", "admin.organizations",
               "admin.audit_log", "api_reference.docs", "auth.profile", None]


def _macros(app):
    return app.jinja_env.from_string((FIXTURES / "nav_macros_before.html").read_text()).module


def _person(role):
    return SimpleNamespace(is_authenticated=True, is_staff=role in STAFF_ROLES, role=role,
                           name="Sam", organization_id=None)


def _drawn_both_ways(app, user, endpoint, *, signed_in=None):
    with app.test_request_context("/"):
        request.url_rule = SimpleNamespace(endpoint=endpoint) if endpoint else None
        if signed_in is not None:
            login_user(signed_in)  # the console's counts are the signed-in person's
        return str(chrome.main_nav(user)), str(_macros(app).folded_nav(user))


def test_the_fixture_draws_what_base_html_draws():
    """The kept macros are the ones base.html called (guards the comparison below)."""
    base = (FIXTURES / "base_before.html").read_text()
    assert '{% call fold.menu() %}{{ nav.main_nav(_user) }}{% endcall %}' in base


@pytest.mark.parametrize("endpoint", CUSTOMER_PAGES)
@pytest.mark.parametrize("role", CUSTOMER_ROLES)
def test_a_customer_navigation_reads_as_the_macros_drew_it(app, role, endpoint):
    new, old = _drawn_both_ways(app, _person(role), endpoint)
    assert new == old
    assert ('aria-current="page"' in new) is (endpoint in {e for e, _, _ in
                                                            chrome.CUSTOMER_LINKS}
                                              and endpoint not in _hidden_from(role))


def _hidden_from(role):
    return {endpoint for endpoint, _, roles in chrome.CUSTOMER_LINKS
            if roles is not None and role.value not in roles}


@pytest.mark.parametrize("endpoint", STAFF_PAGES)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_console_navigation_reads_as_the_macros_drew_it(app, world, role, endpoint):
    """With the real entries and their counts (each one query) for every staff role."""
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test: the console's counts"))
        person = world.staff[role]
        new, old = _drawn_both_ways(app, person, endpoint, signed_in=person)
    assert new == old and "Queue" in new


COUNTS = [0, None, 3, 1204, "<b>7</b>"]


@pytest.mark.parametrize("endpoint", ["admin.fake_bar", "admin.fake_menu", "elsewhere", None])
@pytest.mark.parametrize("count", COUNTS)
def test_counts_and_odd_labels_read_as_the_macros_drew_them(app, monkeypatch, count, endpoint):
    entries = ([navigation.NavEntry("Bar & <co>", "admin.fake_bar", None, 1,
                                    count=lambda: count)],
               [navigation.NavEntry("Menu", "admin.fake_menu", None, 2, count=lambda: count,
                                    in_bar=False),
                navigation.NavEntry("Plain", "admin.fake_plain", None, 3, in_bar=False)])
    monkeypatch.setattr(chrome, "_console_nav", lambda user: entries)
    monkeypatch.setitem(app.jinja_env.globals, "console_nav", lambda user: entries)
    monkeypatch.setattr(chrome, "url_for", lambda endpoint: f"/{endpoint}?a=1&b=2")
    monkeypatch.setitem(app.jinja_env.globals, "url_for", lambda endpoint: f"/{endpoint}?a=1&b=2")
    chrome._staff_nav.cache_clear()
    try:
        new, old = _drawn_both_ways(app, _person(Role.AGENT), endpoint)
    finally:
        chrome._staff_nav.cache_clear()
    assert new == old
    assert ("nav-count" in new) is bool(count)


def test_the_head_assets_read_as_base_html_drew_them(app):
    """Static URLs (and each script's nonce) as the url_for calls in the head gave them."""
    old = app.jinja_env.from_string(
        "{% for path in ['img/favicon.svg', 'css/portal.css'] %}{{ url_for('static', "
        "filename=path) }}|{% endfor %}"
        '<script src="{{ url_for(\'static\', filename=\'js/live.js\') }}" '
        'nonce="{{ csp_nonce() }}" defer></script>')
    for script_root in ("", "/portal"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
            links, scripts, nonce = str(chrome.head_links()), str(chrome.head_scripts()), \
                csp_nonce()
            expected = old.render()
        icon, css = expected.split("|")[:2]
        assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in links
        assert f'<link rel="stylesheet" href="{css}">' in links
        assert expected.split("|")[-1] in scripts
        assert scripts.count(f'nonce="{nonce}"') == len(chrome.HEAD_SCRIPTS)


def test_every_script_gets_the_requests_own_nonce(app):
    """The remembered head never replays another request's nonce."""
    with app.test_request_context("/"):
        first = str(chrome.head_scripts())
    with app.test_request_context("/"):
        second, nonce = str(chrome.head_scripts()), csp_nonce()
    assert first != second and f'nonce="{nonce}"' in second


@pytest.mark.parametrize("script_root", ["", "/portal"])
def test_remembered_urls_are_url_fors(app, script_root):
    """link_to and static_url give what url_for gives, under any script root."""
    endpoints = ["customer.home", "admin.home", "auth.login", "auth.profile", "auth.logout",
                 "customer.notification_settings", "customer.create_feed_links"]
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        from flask import url_for
        for endpoint in endpoints:
            assert chrome.link_to(endpoint) == url_for(endpoint)
        assert chrome.static_url("js/copy-links.js") == url_for("static",
                                                                filename="js/copy-links.js")
        assert chrome.link_to("auth.login").startswith(f"{script_root}/")
