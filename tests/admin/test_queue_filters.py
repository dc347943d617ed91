"""The queue's filter form is remembered per state (admin/queue_filters.py): what staff see is
always what they asked for, with the areas, colleagues and accounts as they are now, exactly
as a freshly drawn form reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string, request
from werkzeug.datastructures import MultiDict

from admin import queue_filters
from admin.queue_forms import QueueFilterForm
from portal.accounts.models import Organization, User
from portal.enums import Role
from portal.escalations import queue
from tests import factories

BEFORE = (Path(__file__).parent.parent / "fixtures" / "queue_filters_before.html").read_text()
AREAS = (("Payments", 3), ("Reporting & <exports>", 1))
STAFF = ((1, "Ana <A>"), (2, "Bo & Co"))
ACCOUNTS = ((10, 'Acme "Ltd"'), (11, "Globex"))


def _body(response) -> str:
    return response.get_data(as_text=True)


def _filters(html: str) -> str:
    match = re.search(r'<details class="fold filter-fold".*?</details>', html, re.S)
    assert match, "no filters"
    return match.group(0)


def _form(args: str, *, areas=AREAS, staff=STAFF, accounts=ACCOUNTS) -> QueueFilterForm:
    form = QueueFilterForm(MultiDict(request.args))
    form.validate()
    form.offer_choices(queue.Summary(total_open=4, areas=areas, views={"all": 4}),
                       staff, accounts)
    return form


@pytest.mark.parametrize("args", [
    "", "severity=2", "view=mine&sort=sla&status=investigating&tier=L2&sla=breached",
    "owner=2&account=11&area=Payments&segment=enterprise&q=a+%3Cb%3E", "owner=0",
    "area=Gone", "q=%22quoted%22&page=2", "severity=9", "owner=x&sort=sideways",
])
def test_the_filters_read_as_the_page_drew_them_before(app, args):
    """Remembered or drawn afresh, valid or not: the markup the page had inline before."""
    with app.test_request_context(f"/admin/?{args}"):
        form = _form(args)
        expected = render_template_string(BEFORE, form=form)
        first, again = queue_filters.filters(form), queue_filters.filters(form)
    assert str(first) == str(again) == expected
    assert ("Not a valid choice" in expected or "from the list" in expected) == (
        args in ("severity=9", "owner=x&sort=sideways"))


def test_new_choices_show_at_once(app):
    """Another area count, colleague or account: the same request draws the new choices."""
    with app.test_request_context("/admin/"):
        before = str(queue_filters.filters(_form("")))
        after = str(queue_filters.filters(_form(
            "", areas=(("Payments", 4),), staff=STAFF + ((3, "Cy"),),
            accounts=ACCOUNTS + ((12, "Initech"),))))
    assert "Payments (3)" in before and "Payments (4)" in after
    assert ">Cy</option>" in after and ">Initech</option>" in after
    assert ">Cy</option>" not in before


def test_each_state_shows_its_own_choices(client, auth, world):
    """One severity chosen, then another: each page selects what its address asks for."""
    auth.login(world.staff[Role.AGENT].email)
    for severity in ("2", "3", "2"):
        html = _filters(_body(client.get(f"/admin/?severity={severity}")))
        assert f'<option selected value="{severity}">' in html
        assert len(re.findall(r"<option selected", html)) == 9  # one per select


def test_the_area_counts_follow_new_escalations(client, auth, as_staff, world):
    """A new escalation in a new product area shows in the area filter on the next visit."""
    auth.login(world.staff[Role.AGENT].email)
    before = _filters(_body(client.get("/admin/")))
    assert "Fresh area" not in before
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        agent = session.get(User, world.staff[Role.AGENT].id)
        factories.make_escalation(org, actor=agent, product_area="Fresh area")
    after = _filters(_body(client.get("/admin/")))
    assert "Fresh area (1)" in after and after != before


@pytest.mark.parametrize("args", ["", "severity=2&sort=sla", "owner=0&q=pay", "view=nope",
                                  "severity=9&owner=someone", "owner=x", "page=2"])
def test_remembered_validation_answers_as_validating_does(app, args):
    """Whether a filter passes is remembered per argument list: asked again, the same answer,
    no errors on a form that passes, and a refused one's errors every time."""
    from admin import queue_forms

    with app.test_request_context(f"/admin/?{args}"):
        expected = QueueFilterForm(MultiDict(request.args))
        passes = expected.validate()
        key = f"test:{args}"
        for _ in range(2):
            form = QueueFilterForm(MultiDict(request.args))
            assert queue_forms.validated(form, key) is passes
            assert form.errors == expected.errors
            assert (key in queue_forms._PASSED) is passes
