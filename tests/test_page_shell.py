"""base.html draws its top bar's brand link, context and user menu in Python (portal/chrome.py):
every page reads byte for byte as before (tests/fixtures/base_topbar_before.html) for nobody,
each customer role, staff, on the profile page and elsewhere, under a script root, with flashed
messages; the user menu carries the request's own CSRF token."""

from pathlib import Path

import pytest
from flask import flash, render_template_string, request
from flask_login import login_user

from portal import chrome
from portal.csrf_tokens import generate_csrf
from portal.enums import Role

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = ("{% extends shell %}{% block title %}A page{% endblock %}"
        "{% block content %}<p>content</p>{% endblock %}")


class Person:
    """What base.html and Flask-Login read of the signed-in person."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, role, name, organization_name):
        self.role, self.name = role, name
        self.is_staff = role.value not in ("viewer", "executive", "customer_admin")
        self.organization = type("Organization", (), {"name": organization_name})()

    def get_id(self):
        return "1"


PEOPLE = [None, Person(Role.VIEWER, "Sam <Whitfield>", "Acme <& Co>"),
          Person(Role.CUSTOMER_ADMIN, "Ana", "Northwind"),
          Person(Role.AGENT, "Kim \"K\" O'Neil", None)]


def _both(app, person, endpoint, script_root="", flashes=()):
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        request.url_rule = type("Rule", (), {"endpoint": endpoint})() if endpoint else None
        if person is not None:
            login_user(person)
        for message, category in flashes:
            flash(message, category)
        old_shell = app.jinja_env.from_string((FIXTURES / "base_topbar_before.html").read_text())
        new_shell = app.jinja_env.get_template("base.html")
        old = render_template_string(PAGE, shell=old_shell)
        for message, category in flashes:
            flash(message, category)
        new = render_template_string(PAGE, shell=new_shell)
        return new, old, generate_csrf()


@pytest.fixture(autouse=True)
def _console_without_counts(monkeypatch):
    """The console's entries without their count queries: both shells draw the same nav."""
    monkeypatch.setattr(chrome, "_console_nav", lambda user: ((), ()))


@pytest.mark.parametrize("endpoint", ["auth.profile", "customer.home", None])
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("script_root", ["", "/portal"])
def test_every_page_reads_as_the_template_drew_it(app, person, endpoint, script_root):
    """Nobody, a customer or staff, on their profile or elsewhere: the same page, byte for byte,
    with the request's own CSRF token in the user menu."""
    for _ in range(2):  # drawn, then remembered
        new, old, token = _both(app, person, endpoint, script_root)
        assert new == old
        signed_in = person is not None
        assert (f'name="csrf_token" value="{token}"' in new) is signed_in
        assert ('class="user-name" href' in new) is signed_in


def test_flashed_messages_and_anonymous_pages_read_as_before(app):
    """Flashed messages of every category still show beside the drawn top bar."""
    flashes = [("Saved <b>", "success"), ("Refused", "error"), ("Odd", "weird")]
    for person in PEOPLE:
        new, old, _ = _both(app, person, None, flashes=flashes)
        assert new == old and "Saved &lt;b&gt;" in new


def test_the_user_menu_never_shows_another_requests_token(app):
    """Remembered per person and page, the menu takes each request's token afresh."""
    person = PEOPLE[1]
    tokens = set()
    for _ in range(2):
        with app.test_request_context("/"):
            login_user(person)
            menu = str(chrome.user_menu(person))
            tokens.add(menu.split('name="csrf_token" value="', 1)[1].split('"', 1)[0])
            assert generate_csrf() in menu
    assert len(tokens) == 2  # each test request has its own session, so its own token


@pytest.mark.parametrize("script_root", ["", "/portal"])
def test_a_pages_own_script_reads_as_the_template_drew_it(app, script_root):
    """`script_tag` (with this request's nonce) as `static_url` and `csp_nonce` drew it."""
    old = app.jinja_env.from_string(
        "<script src=\"{{ static_url('js/copy-links.js') }}\" nonce=\"{{ csp_nonce() }}\" "
        "defer></script>")
    new = app.jinja_env.from_string("{{ script_tag('js/copy-links.js') }}")
    for _ in range(2):  # drawn, then remembered: each request's own nonce
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
            assert new.render() == old.render()
            assert f'src="{script_root}/static/js/copy-links.js' in new.render()
