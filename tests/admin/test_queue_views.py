"""The queue's quick views are drawn in Python now (admin/queue_views.py): they read exactly as
the template's loop drew them (its source kept in tests/fixtures/queue_views_before.html),
whichever view is current, with filters, sorts, pages and counts, under a script root too."""

from pathlib import Path

import pytest

from admin import queue_views
from portal.chrome import link_to
from portal.enums import Segment, Tier
from portal.escalations.queue import QUICK_VIEWS, QueueQuery, Summary

QUERIES = [
    QueueQuery(), QueueQuery(view="mine"), QueueQuery(view="requests", sort="sla", page=3),
    QueueQuery(view="handoffs", tier=Tier.L2, owner=0, search='a <b> & "c"', area="R&D"),
    QueueQuery(segment=Segment.ENTERPRISE, organization=11, sla="at_risk", sort="age"),
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("root", ["", "/console"])
def test_the_quick_views_read_as_the_template_drew_them(app, query, root):
    """The same links, current view and counts as before."""
    before = app.jinja_env.from_string(
        (Path(__file__).parent.parent / "fixtures" / "queue_views_before.html").read_text()
    ).module
    for counts in ((0, 0, 0, 0, 0, 0), (12, 3, 1, 0, 7, 1000)):
        summary = Summary(total_open=counts[0], areas=(),
                          views=dict(zip(QUICK_VIEWS, counts, strict=True)), view=query.view)
        with app.test_request_context("/admin/", base_url=f"http://localhost{root}"):
            drawn = str(queue_views.quick_views(query, summary))
            expected = str(before.views(
                QUICK_VIEWS, query, summary,
                lambda view: link_to("admin.home", **query.args(view=view, page=1))))
        assert drawn == expected
        assert f"{root}/admin/" in drawn
