"""Timeline entries are drawn in Python now (portal/customer/timeline_entries.py): the
timeline reads byte for byte as the Jinja loop drew it (its template kept in tests/fixtures),
for every kind of entry: from staff, from the customer's team, system entries, edited,
retracted, with a next-update promise, with hostile text; and the list around them, empty
(with when the first update is due) or riding along out of band."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.clock import frozen_at, now
from portal.enums import UpdateKind, Visibility
from portal.escalations.customer_page import Person, TimelineEntry

BEFORE = (Path(__file__).parent.parent / "fixtures" / "customer_timeline_before.html").read_text()


STAFF = Person("Sam <Whitfield>")


def _entry(n, *, kind=UpdateKind.NOTE, author=STAFF, body="**Fixed** it",
           edited=False, retracted=False, next_update=False):
    at = now() - timedelta(hours=n, minutes=7 * n)
    return TimelineEntry(
        id=n, kind=kind, visibility=Visibility.CUSTOMER, body=body,
        next_update_by=at + timedelta(hours=4) if next_update else None, created_at=at,
        edited_at=at + timedelta(minutes=5) if edited else None,
        retracted_at=at + timedelta(minutes=9) if retracted else None,
        author_id=7 if author else None, author=author)


ENTRIES = [
    _entry(1),
    _entry(2, author=Person("Ana O'Neil", organization_id=3), kind=UpdateKind.CUSTOMER_COMMENT),
    _entry(3, author=None, kind=UpdateKind.STATUS_CHANGE, body="Investigating → contained"),
    _entry(4, edited=True, next_update=True),
    _entry(5, retracted=True, next_update=True, edited=True),
    _entry(6, body='<script>alert("x")</script> & [link](javascript:alert(1))',
           author=Person('"><img src=x onerror=alert(1)>')),
    *(_entry(10 + i, kind=kind) for i, kind in enumerate(UpdateKind)),
]


NEXT_UPDATES = [None, SimpleNamespace(due_at=now() + timedelta(hours=3, minutes=2))]


@pytest.mark.parametrize("entries", [ENTRIES, ENTRIES[:1], []], ids=["all", "one", "none"])
@pytest.mark.parametrize("next_update", NEXT_UPDATES, ids=["no-promise", "first-due"])
@pytest.mark.parametrize("oob", [None, False, True])
def test_the_timeline_reads_as_the_jinja_loop_drew_it(app, entries, next_update, oob):
    with app.test_request_context("/"), frozen_at(now()):
        context = {"updates": entries, "clocks": SimpleNamespace(next_update=next_update)}
        if oob is not None:
            context["oob"] = oob
        before = app.jinja_env.from_string(BEFORE).render(context)
        after = app.jinja_env.get_template("customer/_timeline.html").render(context)
    assert after == before
    assert after.count('class="timeline-item') == len(entries)
