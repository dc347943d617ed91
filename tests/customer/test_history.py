"""Resolved and closed escalations: filters, pages, and remediation still under way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.clock import now
from portal.enums import Party, Role, Status, StepStatus, Visibility
from portal.escalations import operations as ops
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation
from tests import factories
from tests.escalations.test_reporting import walk

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
RESOLVE = [(HOUR / 2, Status.ACKNOWLEDGED), (HOUR, Status.INVESTIGATING),
           (3 * HOUR, Status.RESOLVED)]


@pytest.fixture
def history(as_staff, world):
    """Organization A: a resolved Sev 1 with a remediation plan, a closed Sev 3 from last
    year; organization B: one resolved escalation. Returns references by name."""
    with as_staff() as session:
        org_a, org_b = session.merge(world.org_a), session.merge(world.org_b)
        agent = session.merge(world.staff[Role.AGENT])
        start = now()
        recent = walk(org_a, agent, severity=1, opened=start - 2 * DAY, moves=RESOLVE,
                      title="Payments declined", product_area="Payments")
        old = walk(org_a, agent, severity=3, opened=start - 200 * DAY,
                   moves=[*RESOLVE, (4 * HOUR, Status.CLOSED)], title="Slow search",
                   product_area="Search")
        foreign = walk(org_b, agent, severity=1, opened=start - DAY, moves=RESOLVE,
                       title="Globex refunds stuck")
        done = ops.add_remediation_step(recent, actor=agent, title="Add a retry budget")
        done.status = StepStatus.DONE
        ops.add_remediation_step(recent, actor=agent, title="Alert on decline rate",
                                 due_at=start + 5 * DAY)
        ops.add_remediation_step(recent, actor=agent, title="Rotate your gateway keys",
                                 owner_party=Party.CUSTOMER)
        ops.add_remediation_step(recent, actor=agent, title=f"{factories.CANARY} internal step",
                                 visibility=Visibility.INTERNAL)
        session.flush()
        return {"recent": recent.reference, "old": old.reference, "foreign": foreign.reference}


@pytest.fixture
def viewer(client, auth, world):
    auth.login(world.customers_a[Role.VIEWER].email)
    return client


def test_every_customer_browses_the_history(viewer, history, world):
    """Resolved and closed ones of the organization, newest resolution first, linked."""
    body = viewer.get("/history").get_data(as_text=True)
    assert body.index(history["recent"]) < body.index(history["old"])
    assert f'href="/escalations/{history["recent"]}"' in body
    assert history["foreign"] not in body
    assert world.escalation_a.reference not in body  # still open
    assert "Rolled back the release." in body  # the resolution summary
    assert "in 3 h" in body  # how long it took
    assert factories.CANARY not in body


def _service_level(body: str, reference: str) -> dict[str, str]:
    """The row's service-level cell as read: {"Acknowledge": "Met", "Resolve": "Missed"}."""
    row = body[body.index(f'id="history-{reference}"'):]
    start = row.index('data-label="Service level"')
    cell = row[start:row.index("</td>", start)]
    return dict(re.findall(r'sla-name">(\w+):</span>\s*<span class="sla [^"]+">'
                           r'<span class="sla-state">(\w+)</span>', cell))


def test_each_row_says_whether_the_service_level_was_met(viewer, history, as_staff):
    """Sev 1 acknowledged after 30 min (target 15) and resolved in 3 h (target 4 h) reads
    "Acknowledge: Missed, Resolve: Met"; the same verdicts as the escalation's own clocks."""
    body = viewer.get("/history").get_data(as_text=True)
    assert _service_level(body, history["recent"]) == {"Acknowledge": "Missed", "Resolve": "Met"}
    assert _service_level(body, history["old"]) == {"Acknowledge": "Met", "Resolve": "Met"}
    with as_staff() as session:
        for name in ("recent", "old"):
            escalation = session.get(Escalation, Escalation.id_from_reference(history[name]))
            clocks = clocks_for(escalation)
            assert _service_level(body, history[name]) == {
                "Acknowledge": clocks.acknowledge.state.capitalize(),
                "Resolve": clocks.resolve.state.capitalize()}


def test_outstanding_remediation_stays_visible_with_progress(viewer, history):
    """"1 of 3 steps done", what is next and when; internal steps neither count nor show."""
    body = viewer.get("/history").get_data(as_text=True)
    assert "<strong>1 of 3</strong> remediation steps done" in body
    assert "Next: Alert on decline rate" in body
    assert "due <time" in body
    assert factories.CANARY not in body


@pytest.mark.parametrize("query, shown, hidden", [
    ("severity=1", ["recent"], ["old"]),
    ("product_area=Search", ["old"], ["recent"]),
    ("within=30", ["recent"], ["old"]),
    ("q=slow", ["old"], ["recent"]),
    ("q={recent}", ["recent"], ["old"]),
])
def test_filters_narrow_the_list(viewer, history, query, shown, hidden):
    """Severity, product area, period and search work as plain GET links."""
    response = viewer.get(f"/history?{query.format(**history)}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in shown:
        assert history[name] in body
    for name in hidden:
        assert f"history-{history[name]}" not in body


def test_htmx_filter_changes_swap_the_rows_only(viewer, history):
    """htmx gets the rows fragment; the response varies on HX-Request."""
    response = viewer.get("/history?severity=3", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="history-rows">')
    assert "<html" not in body
    assert history["old"] in body and history["recent"] not in body
    assert "HX-Request" in response.headers["Vary"]


def test_a_filter_that_matches_nothing_says_so(viewer, history):
    """An empty result explains itself and offers to clear the filters."""
    body = viewer.get("/history?q=nothing-like-this").get_data(as_text=True)
    assert "No resolved escalations match these filters" in body
    assert "Clear filters" in body


def test_an_invalid_filter_answers_422(viewer, history):
    """A hand-edited severity is refused with a message, not a crash."""
    response = viewer.get("/history?severity=9")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    # On a phone the folded filters open, so the message shows by its field.
    assert '<details class="fold filter-fold" open' in response.get_data(as_text=True)


def test_an_organization_with_no_history_gets_a_useful_empty_state(viewer):
    """Nothing resolved yet: the page says what will appear here."""
    body = viewer.get("/history").get_data(as_text=True)
    assert "Nothing resolved yet" in body


def test_pages_of_25_keep_the_filters(viewer, as_staff, world):
    """Thirty resolved escalations make two pages; the page links keep the filter."""
    with as_staff() as session:
        org_a = session.merge(world.org_a)
        agent = session.merge(world.staff[Role.AGENT])
        for n in range(30):
            walk(org_a, agent, severity=2, opened=now() - (40 - n) * DAY, moves=RESOLVE,
                 title=f"Batch issue {n}")
    first = viewer.get("/history?severity=2").get_data(as_text=True)
    assert first.count('<tr id="history-ESC-') == 25
    assert "page 1 of 2" in first
    assert 'href="/history?page=2&amp;severity=2"' in first \
        or 'href="/history?severity=2&amp;page=2"' in first
    second = viewer.get("/history?severity=2&page=2").get_data(as_text=True)
    assert second.count('<tr id="history-ESC-') == 5
    with as_staff() as session:
        oldest = session.query(Escalation).filter_by(title="Batch issue 0").one().reference
    assert oldest in second


def _queries(app, run) -> int:
    from sqlalchemy import event

    from portal.extensions import db

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_page_costs_the_same_queries_for_more_rows(app, viewer, history, as_staff, world):
    """Ten more resolved escalations with plans add no query (progress and SLA clocks load in
    one batch each)."""
    before = _queries(app, lambda: viewer.get("/history"))
    with as_staff() as session:
        org_a = session.merge(world.org_a)
        agent = session.merge(world.staff[Role.AGENT])
        for n in range(10):
            escalation = walk(org_a, agent, severity=2, opened=now() - (20 + n) * DAY,
                              moves=RESOLVE, title=f"More {n}")
            ops.add_remediation_step(escalation, actor=agent, title="Follow-up")
    after = _queries(app, lambda: viewer.get("/history"))
    assert after == before <= 10
