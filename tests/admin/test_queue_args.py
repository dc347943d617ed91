"""The queue's arguments read without the form (admin/queue_args.py) answer as the form does:
for every argument list it accepts, the form passes and gives the same query; what it leaves to
the form (None) is everything the form refuses and some it would accept; and the filters drawn
for an `Asked` are the form's, byte for byte."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

import pytest
from flask import request
from werkzeug.datastructures import MultiDict

from admin import queue_filters
from admin.queue_args import query_from_args
from admin.queue_forms import QueueFilterForm
from portal.escalations import queue

#: Values per argument: the form's own choices, blanks, edges and what it refuses.
VALUES = {
    "view": ["", "all", "mine", "handoffs", "requests", "nope", " ", "Mine"],
    "q": ["", "pay", "  spaced  ", "a <b> & c", "x" * 100, "x" * 101, " " * 120],
    "tier": ["", "L1", "Management", "l1", "L9"],
    "owner": ["", "0", "2", "02", " 2", "-1", "x", "2147483647", "2147483648",
              "9" * 13, "١"],
    "status": ["", "new", "contained", "resolved", "closed", "NEW"],
    "severity": ["", "1", "4", "0", "5", "01", " 2"],
    "area": ["", "Payments", " Payments ", "a" * 80, "a" * 81],
    "segment": ["", "enterprise", "Enterprise", "mid"],
    "account": ["", "0", "11", "x", "-3", "99999999999"],
    "sla": ["", "breached", "at_risk", "late"],
    "sort": ["", "priority", "sla", "age", "customer_update", "sideways"],
    "page": ["", "1", "2", "0", "-1", "x", "100000", "100001", " 3 "],
}


def _cases():
    yield ""
    for key, values in VALUES.items():  # each argument alone, every value
        for value in values:
            yield urlencode({key: value})
    keys = list(VALUES)
    for a, b in itertools.combinations(keys, 2):  # pairs, a few values each
        for x, y in itertools.product(VALUES[a][:4], VALUES[b][:4]):
            yield urlencode({a: x, b: y})
    yield "view=mine&view=all"  # repeated
    yield "severity=2&severity=2"
    yield "submit=Apply+filters"  # known to the form, not read here
    yield "utm=x&severity=2"  # unknown
    yield urlencode({"view": "overdue", "q": "acme", "tier": "L2", "owner": "0",
                     "status": "investigating", "severity": "3", "area": "Billing",
                     "segment": "enterprise", "account": "12", "sla": "at_risk",
                     "sort": "sla", "page": "4"})


CASES = sorted(set(_cases()))


def test_every_case_answers_as_the_form(app):
    """Any address staff bookmark shows the queue the form would have shown."""
    accepted = 0
    for args in CASES:
        with app.test_request_context(f"/admin/?{args}"):
            form = QueueFilterForm(MultiDict(request.args))
            passes = form.validate()
            found = query_from_args(request.args)
            if found is not None:
                accepted += 1
                assert passes, args
                assert found == form.to_query(), args
    assert accepted > len(CASES) // 2  # the plain reading answers most of them


@pytest.mark.parametrize("args", [
    "", "severity=2", "view=mine&sort=sla&status=investigating&tier=L2&sla=breached",
    "owner=2&account=11&area=Payments&segment=enterprise&q=a+%3Cb%3E", "owner=0",
    "area=Gone", "q=%22quoted%22&page=2", "owner=02", "page=3",
])
def test_asked_filters_read_as_the_forms(app, args):
    """Drawn for an `Asked` (first time and remembered) exactly as for the form."""
    areas = (("Payments", 3), ("Reporting & <exports>", 1))
    staff, accounts = ((1, "Ana <A>"), (2, "Bo & Co")), ((10, 'Acme "Ltd"'), (11, "Globex"))
    summary = queue.Summary(total_open=4, areas=areas, views={"all": 4})
    with app.test_request_context(f"/admin/?{args}"):
        assert query_from_args(request.args) is not None
        form = QueueFilterForm(MultiDict(request.args))
        assert form.validate()
        form.offer_choices(summary, staff, accounts)
        expected = str(queue_filters._remembered._draw(form))
        asked = queue_filters.Asked(request.args)
        asked.offer_choices(summary, staff, accounts)
        first, again = queue_filters.filters(asked), queue_filters.filters(asked)
        assert asked.errors == {} and not asked.errors
    assert str(first) == str(again) == expected


def test_asked_filters_follow_the_choices(app):
    """Another area count, colleague or account: another state, drawn at once."""
    with app.test_request_context("/admin/?severity=2"):
        drawn = []
        for areas, staff in ((("Payments", 3),), ((1, "Ana"),)), (
                (("Payments", 4),), ((1, "Ana"), (3, "Cy"))):
            asked = queue_filters.Asked(request.args)
            asked.offer_choices(queue.Summary(total_open=1, areas=areas, views={"all": 1}),
                                staff, ((10, "Acme"),))
            drawn.append(str(queue_filters.filters(asked)))
    assert "Payments (3)" in drawn[0] and "Payments (4)" in drawn[1]
    assert ">Cy</option>" in drawn[1] and ">Cy</option>" not in drawn[0]
