"""The dashboard's page drawn in Python (portal/customer/dashboard_markup.py) reads byte for byte
as its templates drew it: the rows section as `_escalation_rows.html` drew it (its source kept
in tests/fixtures/dashboard_fragment_before.html) whatever the counts, filters and pages, and
the whole page as `dashboard.html` and `base.html` drew it (tests/fixtures/
dashboard_page_before.html), drawn or from the remembered shell, with a flashed message; each
request gets its own nonce and token; a page load renders no template once remembered."""

from __future__ import annotations

from itertools import product
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import flash, g, template_rendered
from jinja2 import ChoiceLoader, DictLoader

from portal import page_shell
from portal.clock import frozen_at
from portal.csrf_tokens import generate_csrf
from portal.customer import dashboard_markup
from portal.enums import Role
from portal.security import csp_nonce
from tests.customer.test_dashboard_bar import COUNTS, QUERIES, _context, _form
from tests.customer.test_dashboard_rows import NOW

FIXTURES = Path(__file__).parent.parent / "fixtures"
ORGANIZATION = "Acme & <Co>"


def _person(role=Role.VIEWER, name="Sam <Q> O'Neil", zone="America/St_Johns"):
    return SimpleNamespace(is_authenticated=True, is_staff=False, role=role, name=name,
                           zone=ZoneInfo(zone), email="sam.o@acme.example", organization_id=1,
                           organization=SimpleNamespace(name=ORGANIZATION))


def _old(app):
    """The page and the fragment as their templates drew them."""
    overlay = app.jinja_env.overlay(loader=ChoiceLoader([DictLoader({
        "before/dashboard.html": (FIXTURES / "dashboard_page_before.html").read_text(),
        "customer/_escalation_rows.html":
            (FIXTURES / "dashboard_fragment_before.html").read_text(),
    }), app.jinja_env.loader]))
    return (overlay.get_template("before/dashboard.html"),
            overlay.get_template("customer/_escalation_rows.html"))


def _cases():
    return product(QUERIES, COUNTS, (1, 2, 9), ("asked", "valid"))


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])
def test_the_rows_section_reads_as_the_template_drew_it(app, zone):
    """Nothing open, one, a page or many; filtered or not; first, middle and last pages."""
    _, fragment = _old(app)
    checked = 0
    with app.test_request_context("/escalations"), frozen_at(NOW):
        g.render_zone = ZoneInfo(zone)
        for query, (total, matching), page, kind in _cases():
            context = _context(query, total, matching, page, _form(kind, query))
            drawn = dashboard_markup.section(organization=ORGANIZATION,
                                             **_without_user(context))
            assert drawn == fragment.render(**context), (query, total, matching, page, kind)
            checked += 1
    assert checked == len(QUERIES) * len(COUNTS) * 3 * 2


def test_a_form_with_errors_is_left_to_the_template(app):
    """A refused form's section (its error summary is the macros') is not drawn here."""
    query = QUERIES[0]
    with app.test_request_context("/escalations"), frozen_at(NOW):
        context = _context(query, 7, 7, 1, _form("refused", query))
        assert dashboard_markup.section(organization=ORGANIZATION,
                                        **_without_user(context)) is None


def _without_user(context: dict) -> dict:
    return {key: value for key, value in context.items() if key != "current_user"}


def _both(app, person, query, total, matching, page, kind):
    """The page drawn here (through portal.page_shell) and as the templates drew it."""
    g._login_user = person
    g.render_zone = person.zone
    context = _context(query, total, matching, page, _form(kind, query))
    del context["current_user"]  # the templates find the signed-in person themselves
    section = dashboard_markup.section(organization=person.organization.name, **context)
    new = dashboard_markup.page(person, dashboard_markup.content(person, context["form"],
                                                                 section))
    app.update_template_context(context)
    return new, _old(app)[0].render(context)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_the_page_reads_as_its_templates_drew_it(app, zone):
    """Drawn, then from the remembered shell: the same page, whatever its rows and filters."""
    page_shell.forget()
    checked = 0
    with app.test_request_context("/escalations"), frozen_at(NOW):
        for query, (total, matching), page, kind in _cases():
            new, old = _both(app, _person(zone=zone), query, total, matching, page, kind)
            assert new == old, (query, total, matching, page, kind)
            assert f'nonce="{csp_nonce()}"' in new and generate_csrf() in new
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CUSTOMER_ADMIN])
def test_each_request_gets_its_own_nonce_and_token(app, role):
    """The remembered shell takes the request's nonce and CSRF token, not the first one's."""
    page_shell.forget()
    drawn = []
    for _ in range(2):
        with app.test_request_context("/escalations"), frozen_at(NOW):
            new, old = _both(app, _person(role), QUERIES[0], 216, 216, 1, "asked")
            assert new == old
            drawn.append((new, csp_nonce(), generate_csrf()))
    (first, nonce, token), (second, other_nonce, other_token) = drawn
    assert nonce != other_nonce and token != other_token
    assert nonce not in second and token not in second
    assert second.count(other_nonce) == first.count(nonce) > 1
    assert second.count(other_token) == first.count(token) > 1


def test_another_person_gets_their_own_page(app):
    """Remembered per name, organization and role; the header per organization and zone."""
    page_shell.forget()
    with app.test_request_context("/escalations"), frozen_at(NOW):
        _both(app, _person(name="Quinn Shell"), QUERIES[0], 7, 7, 1, "asked")
        new, old = _both(app, _person(name="Lee Shell", zone="UTC"), QUERIES[0], 7, 7, 1, "asked")
        assert new == old and "Lee Shell" in new and "Quinn Shell" not in new
        assert "times shown in UTC" in new


def test_a_flashed_message_is_shown_as_base_html_shows_it(app):
    """Jinja draws the shell and its flash (a redirect's page)."""
    with app.test_request_context("/escalations"), frozen_at(NOW):
        flash("Escalation <ESC-1> closed.", "success")
        new, old = _both(app, _person(), QUERIES[1], 216, 30, 2, "valid")
        assert new == old and "Escalation &lt;ESC-1&gt; closed." in new


def test_a_page_load_renders_no_template_once_remembered(app, client, auth, world):
    """The second GET draws the whole page in Python; a poll draws its section in Python."""
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get("/escalations").status_code == 200
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        page = client.get("/escalations")
        poll = client.get("/escalations", headers={"HX-Request": "true"})
        refused = client.get("/escalations?severity=9", headers={"HX-Request": "true"})
    finally:
        template_rendered.disconnect(record, app)
    assert page.status_code == poll.status_code == 200 and refused.status_code == 422
    assert rendered == ["customer/_escalation_rows.html"]  # the refused form's only
    assert page.get_data(as_text=True).count('id="dashboard-rows"') == 1
    assert poll.get_data(as_text=True).startswith('<section id="dashboard-rows"')
