"""The queue's "Clear filters", live status and pager are drawn in Python now
(admin/queue_bar.py): they read exactly as macros/live.html and macros/paging.html draw them
for the queue, on any page, with filters, under a script root, in any timezone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import g

from admin import queue_bar
from portal.chrome import link_to
from portal.enums import Tier
from portal.escalations.queue import QueueQuery

MACROS = """{% import "macros/live.html" as live %}{% import "macros/paging.html" as paging %}
{%- macro bar(url, shown, at, poll_seconds, refreshing) -%}
{{ live.clear_filters(url, shown) }}|{{ live.status(at, poll_seconds, refreshing=refreshing) }}
{%- endmacro -%}
{%- macro pager(page, pages, page_url) -%}
{{ paging.pager(none, page, pages, words=("Previous page", "Next page"),
                label="Pages of the queue", url=page_url) }}
{%- endmacro -%}"""
AT = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])
@pytest.mark.parametrize("shown", [True, False, {"q": ["too long"]}, {}])
@pytest.mark.parametrize("refreshing", [True, False])
def test_the_live_bar_reads_as_the_macros_drew_it(app, zone, shown, refreshing):
    """The same "Clear filters" link and "Updated at …" line as before."""
    macros = app.jinja_env.from_string(MACROS).module
    with app.test_request_context("/admin/"):
        g.render_zone = ZoneInfo(zone)
        url = link_to("admin.home", q='a <b> & "c"', page="1")
        drawn = (f"{queue_bar.clear_filters(url, shown)}|"
                 f"{queue_bar.status(AT, 15, refreshing)}")
        assert drawn == str(macros.bar(url, shown, AT, 15, refreshing))


@pytest.mark.parametrize("query", [QueueQuery(), QueueQuery(view="mine", sort="sla", page=2),
                                   QueueQuery(tier=Tier.L2, search='a <b> & "c"', page=7)])
@pytest.mark.parametrize("root", ["", "/console"])
def test_the_pager_reads_as_the_macro_drew_it(app, query, root):
    """The same page count and neighbour links as before, on the first, a middle and the
    last page, and none for a single page."""
    macros = app.jinja_env.from_string(MACROS).module
    with app.test_request_context("/admin/", base_url=f"http://localhost{root}"):
        for page, pages in ((1, 1), (1, 2), (1, 9), (2, 9), (7, 7), (7, 9), (0, 0)):
            drawn = str(queue_bar.pager(query, page, pages))
            expected = str(macros.pager(
                page, pages, lambda n: link_to("admin.home", **query.args(page=n))))
            assert drawn == expected
            if pages > 1:
                assert f"{root}/admin/" in drawn
