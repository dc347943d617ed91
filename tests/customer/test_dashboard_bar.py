"""The dashboard's live bar and pager are drawn in Python now (portal/customer/dashboard_bar.py):
the rows fragment reads exactly as it did with `macros/live.html` and `macros/paging.html`
(its source kept in tests/fixtures/dashboard_fragment_before.html), whatever the counts,
filters, pages and errors."""

from __future__ import annotations

from itertools import product
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import g
from werkzeug.datastructures import MultiDict

from portal.chrome import link_to
from portal.clock import frozen_at
from portal.customer.dashboard_filters import Asked
from portal.customer.forms import DashboardFilterForm
from portal.escalations import dashboard
from tests.customer.test_dashboard_rows import AT, NOW, _rows

BEFORE = (Path(__file__).parent.parent / "fixtures" / "dashboard_fragment_before.html").read_text()
FRAGMENT = "customer/_escalation_rows.html"
AREAS = (("Payments", 3), ("Reporting & <exports>", 1))
ROWS = _rows()[: dashboard.PAGE_SIZE]

# (total open, matching): none open, one, one page, several pages.
COUNTS = [(0, 0), (1, 1), (1, 0), (7, 7), (216, 216), (216, 30), (216, 0)]
QUERIES = [
    dashboard.DashboardQuery(),
    dashboard.DashboardQuery(severity=2, area="Reporting & <exports>", sort="newest"),
    dashboard.DashboardQuery(search='a "b" <c>', sort="oldest"),
]


def _form(kind: str, query: dashboard.DashboardQuery):
    if kind == "asked":
        return Asked(MultiDict(query.args()), AREAS)
    form = DashboardFilterForm(MultiDict(query.args() if kind == "valid" else {"severity": "9"}))
    assert form.validate() == (kind == "valid")
    form.offer_areas(AREAS)
    return form


def _context(query, total, matching, page, form):
    summary = dashboard.Summary(
        total_open=total, areas=AREAS, matching=matching, id_sum=1, last_changed_at=NOW
    )
    page = max(1, min(page, summary.pages))
    shown = max(0, min(dashboard.PAGE_SIZE, matching - (page - 1) * dashboard.PAGE_SIZE))
    return dict(
        form=form,
        board=dashboard.Dashboard(query=query, summary=summary, rows=ROWS[:shown], page=page),
        at=AT,
        etag="abc123",
        poll_seconds=15,
        poll_url=link_to("customer.home", **query.page_args(page)),
        page_url=lambda n: link_to("customer.home", **query.page_args(n)),
        clear_url=link_to(
            "customer.home",
            **({"sort": query.sort} if query.sort != dashboard.DEFAULT_SORT else {}),
        ),
        current_user=SimpleNamespace(organization=SimpleNamespace(name="Acme & <Co>")),
    )


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])
def test_the_fragment_reads_as_the_template_drew_it(app, zone):
    """Nothing open, one, a page or many; filtered or not; first, middle and last pages; a
    form with errors: the same markup as the macros drew."""
    before = app.jinja_env.from_string(BEFORE)
    after = app.jinja_env.get_template(FRAGMENT)
    checked = 0
    with app.test_request_context("/escalations"), frozen_at(NOW):
        g.render_zone = ZoneInfo(zone)
        for query, (total, matching), page, kind in product(
            QUERIES, COUNTS, (1, 2, 9), ("asked", "valid", "refused")
        ):
            context = _context(query, total, matching, page, _form(kind, query))
            assert after.render(**context) == before.render(**context), (
                query,
                total,
                matching,
                page,
                kind,
            )
            checked += 1
    assert checked == len(QUERIES) * len(COUNTS) * 3 * 3


def test_the_live_bar_names_the_count_and_the_pages(app):
    """A long list says which rows it shows and links to its neighbouring pages."""
    query = dashboard.DashboardQuery()
    with app.test_request_context("/escalations"), frozen_at(NOW):
        g.render_zone = ZoneInfo("UTC")
        html = app.jinja_env.get_template(FRAGMENT).render(
            **_context(query, 216, 216, 2, _form("asked", query))
        )
    assert "216 open escalations" in html and "26–50 shown" in html
    assert "Showing 26–50 of 216 · Page 2 of 9" in html
    assert 'href="/escalations" rel="prev">Previous' in html
    assert 'href="/escalations?page=3" rel="next">Next' in html
