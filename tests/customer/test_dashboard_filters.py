"""The dashboard's filter form is remembered per state (portal/customer/dashboard_filters.py):
what people see is always what they asked for and the areas as they are now, exactly as a
freshly drawn form reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string, request
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Organization, User
from portal.customer import dashboard_filters
from portal.customer.dashboard import query_from_args
from portal.customer.forms import DashboardFilterForm
from portal.enums import Role
from tests import factories

BEFORE = (Path(__file__).parent.parent / "fixtures" / "dashboard_filters_before.html").read_text()
AREAS = (("Payments", 3), ("Reporting & <exports>", 1))


def _body(response) -> str:
    return response.get_data(as_text=True)


def _filters(html: str) -> str:
    match = re.search(r'<details class="fold filter-fold".*?</details>', html, re.S)
    assert match, "no filters"
    return match.group(0)


@pytest.mark.parametrize("args", [
    "", "severity=2", "severity=3&status=waiting_on_customer&area=Payments&sort=newest&q=a+%3Cb%3E",
    "area=Gone", "q=%22quoted%22&page=2", "severity=9", "sort=sideways&q=x",
])
def test_the_filters_read_as_the_page_drew_them_before(app, args):
    """Remembered or drawn afresh, valid or not: the markup the page had inline before."""
    with app.test_request_context(f"/escalations?{args}"):
        form = DashboardFilterForm(MultiDict(request.args))
        form.validate()
        form.offer_areas(AREAS)
        expected = render_template_string(BEFORE, form=form)
        first, again = dashboard_filters.filters(form), dashboard_filters.filters(form)
    assert str(first) == str(again) == expected
    assert ("Not a valid choice" in expected) == (args in ("severity=9", "sort=sideways&q=x"))


@pytest.mark.parametrize("args", [
    "", "severity=2", "severity=3&status=waiting_on_customer&area=Payments&sort=newest&q=a+%3Cb%3E",
    "area=Gone", "q=%22quoted%22&page=2", "q=++padded+&page=3", "area=Reporting+%26+%3Cexports%3E",
])
def test_valid_arguments_read_as_the_form_draws_them_without_building_it(app, args):
    """Arguments the gate finds valid are drawn as their form reads, any page of the view."""
    with app.test_request_context(f"/escalations?{args}"):
        assert query_from_args(request.args) is not None
        form = DashboardFilterForm(MultiDict(request.args))
        assert form.validate()
        form.offer_areas(AREAS)
        expected = render_template_string(BEFORE, form=form)
        asked = dashboard_filters.Asked(request.args, AREAS)
        assert not asked.errors
        first, again = dashboard_filters.filters(asked), dashboard_filters.filters(asked)
    assert str(first) == str(again) == expected


def test_a_valid_view_builds_no_filter_form(client, auth, world, monkeypatch):
    """A valid view is answered without the WTForms form once its filters were drawn; an
    invalid one still explains itself."""
    built = []
    init = DashboardFilterForm.__init__
    monkeypatch.setattr(DashboardFilterForm, "__init__",
                        lambda self, *a, **kw: built.append(1) or init(self, *a, **kw))
    auth.login(world.customers_a[Role.VIEWER].email)
    views = ("", "?severity=2&sort=newest", "?q=x&page=1")
    for args in views:  # each state drawn once (from its form), then remembered
        assert client.get(f"/escalations{args}").status_code == 200
    built.clear()
    for args in views:
        assert client.get(f"/escalations{args}").status_code == 200
    assert built == [], "a filter form was built for valid arguments"
    response = client.get("/escalations?severity=9")
    assert response.status_code == 422 and "Not a valid choice" in _body(response)
    assert built


def test_each_state_shows_its_own_choices(client, auth, world):
    """One severity chosen, then another: each page selects what its address asks for."""
    auth.login(world.customers_a[Role.VIEWER].email)
    for severity in ("2", "3", "2"):
        html = _filters(_body(client.get(f"/escalations?severity={severity}")))
        chosen = re.findall(r'<option ([^>]*)selected([^>]*)>', html)
        assert len(chosen) == 4, chosen  # severity, status, area, sort
        assert re.search(rf'<option (selected )?value="{severity}"( selected)?>', html)


def test_the_area_counts_follow_new_escalations(client, auth, as_staff, world):
    """A new escalation in a new product area shows in the area filter on the next visit."""
    auth.login(world.customers_a[Role.VIEWER].email)
    before = _filters(_body(client.get("/escalations")))
    assert "Fresh area" not in before
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        agent = session.get(User, world.staff[Role.AGENT].id)
        factories.make_escalation(org, actor=agent, product_area="Fresh area")
    after = _filters(_body(client.get("/escalations")))
    assert "Fresh area (1)" in after and after != before


def test_what_one_organization_was_offered_never_shows_to_another(client, auth, as_staff,
                                                                     world):
    """The areas offered are each organization's own, though both ask the same thing."""
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        agent = session.get(User, world.staff[Role.AGENT].id)
        factories.make_escalation(org, actor=agent, product_area="Only A's area")
    auth.login(world.customers_a[Role.VIEWER].email)
    assert "Only A&#39;s area" in _filters(_body(client.get("/escalations")))
    auth.logout("/escalations")
    auth.login(world.customers_b[Role.VIEWER].email)
    assert "Only A" not in _body(client.get("/escalations"))
