"""The customer dashboard: every open escalation with what a customer needs, filters, empty
states, conditional polling (ETag / 304) and a constant number of SQL queries."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import template_rendered

from portal import page_shell
from portal.accounts.models import Organization, User
from portal.clock import frozen_at, now
from portal.enums import Role, Status, Visibility
from portal.escalations import dashboard_page
from portal.escalations import operations as ops
from portal.escalations.dashboard import PAGE_SIZE, excerpt
from portal.escalations.models import Escalation, Milestone
from portal.escalations.sla import Calendar, Targets
from tests import factories
from tests.factories import CANARY
from tests.querycount import counted_queries as _counted_queries

HX = {"HX-Request": "true"}
BERLIN_MINUTE = "%a %d %b, %H:%M"


def _body(response) -> str:
    return response.get_data(as_text=True)


def _row(html: str, reference: str) -> str:
    """The markup of one escalation's row."""
    match = re.search(rf'<li id="escalation-{reference}".*?</li>\s*(?=<li id=|</ol>)', html,
                      re.S)
    assert match, f"no row for {reference}"
    return match.group(0)


def _references(html: str) -> list[str]:
    return re.findall(r'<li id="escalation-(ESC-\d+)"', html)


def _staff(session, world, role=Role.AGENT) -> User:
    return session.get(User, world.staff[role].id)


@contextmanager
def _rendered_templates(app):
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


# ----------------------------------------------------------------------- what a row shows


def test_each_escalation_shows_what_the_customer_needs(client, auth, as_staff, world):
    """Reference, title, severity, status, tier, people and how to reach them, the next
    milestone, the next update, both SLA clocks, time open and the latest update."""
    with as_staff() as session:
        agent = _staff(session, world)
        agent.phone = "+49 30 1234-5678"
        escalation = session.get(Escalation, world.escalation_a.id)
        milestone = session.query(Milestone).filter_by(
            escalation_id=escalation.id, title="Root cause confirmed").one()
        milestone_due = milestone.due_at
        account_manager = _staff(session, world, Role.ACCOUNT_MANAGER)
        reference = escalation.reference
        owner = (agent.name, agent.email)
        contact = (account_manager.name, account_manager.email)
    auth.login(world.customers_a[Role.VIEWER].email)
    response = client.get("/escalations")
    assert response.status_code == 200
    row = _row(_body(response), reference)

    assert f'href="/escalations/{reference}"' in row
    assert "Acme Logistics checkout outage" in row
    assert "Sev 2 · High" in row and "New" in row and "Tier </span>L1" in row
    assert owner[0] in row and f'href="mailto:{owner[1]}"' in row
    assert 'href="tel:+493012345678"' in row and "+49 30 1234-5678" in row
    assert contact[0] in row and f'href="mailto:{contact[1]}"' in row
    assert "Your contact" in row
    # The next customer milestone, in the viewer's timezone (Berlin), with a countdown.
    assert "Root cause confirmed" in row
    from zoneinfo import ZoneInfo
    assert milestone_due.astimezone(ZoneInfo("Europe/Berlin")).strftime(BERLIN_MINUTE) in row
    assert re.search(r"\(in 5 h 5\d min\)|\(in 6 h\)", row)
    assert "Next update" in row and "in 1 h 5" in row  # promised two hours ahead
    assert "Acknowledge:" in row and "Resolve:" in row and "On track" in row
    assert "Open for" in row and "under a minute" in row
    assert "We are investigating the Acme Logistics outage." in row
    assert "internal milestone" not in row


def test_a_paused_clock_says_it_waits_on_the_customer_and_since_when(client, auth, as_staff,
                                                                     world):
    """"Paused · waiting on you since 14:02": why the resolve clock stopped, and when."""
    with as_staff() as session:
        agent = _staff(session, world)
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(escalation, Status.WAITING_ON_CUSTOMER, actor=agent,
                          reason="Please send the HAR file.")
        waiting_since = escalation.status_changed_at
        reference = escalation.reference
    auth.login(world.customers_a[Role.VIEWER].email)
    row = _row(_body(client.get("/escalations")), reference)
    from zoneinfo import ZoneInfo
    since = waiting_since.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    assert "Paused" in row and f"waiting on you since {since}" in row
    assert "Waiting on customer" in row


def test_the_latest_update_is_a_short_plain_text_excerpt(client, auth, as_staff, world):
    """The latest update reads as words, not Markdown or HTML, and long ones are cut short."""
    body = ("**Good news:** the [fix](https://status.example.com) is `deployed`.\n\n"
            "- step one\n- step two\n\n<script>alert(1)</script> " + "More detail. " * 20)
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.post_update(escalation, author=_staff(session, world), body=body,
                        visibility=Visibility.CUSTOMER)
        reference = escalation.reference
    auth.login(world.customers_a[Role.VIEWER].email)
    row = _row(_body(client.get("/escalations")), reference)
    text = re.search(r'<p class="dash-excerpt">(.*?)</p>', row, re.S).group(1)
    assert text.startswith("Good news: the fix is deployed. step one step two "
                           "&lt;script&gt;alert(1)&lt;/script&gt; More detail.")
    assert text.endswith("…") and len(text.replace("&lt;", "<").replace("&gt;", ">")) <= 161
    assert "**" not in text and "<" not in text and "https://" not in text


def test_excerpt_cuts_at_a_word_and_keeps_short_text_whole():
    """Short updates are shown whole; long ones end on a whole word with an ellipsis."""
    assert excerpt("Fixed.") == "Fixed."
    long = excerpt("word " * 100, limit=20)
    assert long == "word word word word…"
    # Raw HTML in Markdown is text (the template escapes it), never markup.
    assert excerpt("<b>hi</b> there") == "<b>hi</b> there"


def test_a_colleagues_comment_does_not_replace_our_latest_update(client, auth, as_staff, world):
    """The row shows the vendor's latest word; a customer's own comment is not news to them."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        colleague = session.get(User, world.customers_a[Role.EXECUTIVE].id)
        ops.post_update(escalation, author=colleague, body="Any news on this?",
                        visibility=Visibility.CUSTOMER)
        reference = escalation.reference
    auth.login(world.customers_a[Role.VIEWER].email)
    row = _row(_body(client.get("/escalations")), reference)
    assert "We are investigating the Acme Logistics outage." in row
    assert "Any news on this?" not in row


def test_another_organizations_escalations_never_show(client, auth, world):
    """Only the customer's own organization's escalations are listed, even when searched for."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get("/escalations"))
    assert world.escalation_b.reference not in html and "Globex" not in html
    html = _body(client.get(f"/escalations?q={world.escalation_b.reference}"))
    assert _references(html) == [] and "Globex" not in html
    assert "No open escalations match these filters" in html


# --------------------------------------------------------------- filters, sorting, search


@pytest.fixture
def several(as_staff, world):
    """Organization A gets three more open escalations of different kinds, and a resolved one."""
    with as_staff() as session:
        org = session.get(Organization, world.org_a.id)
        agent = _staff(session, world)
        sev1 = factories.make_escalation(org, actor=agent, severity=1, title="Payments down",
                                         product_area="Payments")
        sev3 = factories.make_escalation(org, actor=agent, severity=3, title="Slow reports",
                                         product_area="Reporting")
        waiting = factories.make_escalation(org, actor=agent, severity=4,
                                            title="Typo in the invoice footer",
                                            product_area="Reporting")
        ops.change_status(waiting, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(waiting, Status.WAITING_ON_CUSTOMER, actor=agent, reason="Which PDF?")
        resolved = factories.make_escalation(org, actor=agent, severity=1, title="Old outage")
        ops.change_status(resolved, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(resolved, Status.INVESTIGATING, actor=agent)
        ops.change_status(resolved, Status.RESOLVED, actor=agent, resolution_summary="Fixed.")
        session.flush()
        refs = {"outage": world.escalation_a.reference, "sev1": sev1.reference,
                "sev3": sev3.reference, "waiting": waiting.reference,
                "resolved": resolved.reference}
    return refs


def test_most_severe_first_by_default_and_only_open_ones(client, auth, world, several):
    """The default order is by severity; resolved escalations are not on the dashboard."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get("/escalations"))
    assert _references(html) == [several["sev1"], several["outage"], several["sev3"],
                                 several["waiting"]]
    assert several["resolved"] not in html
    assert "4 open escalations" in html


@pytest.mark.parametrize("query, expected", [
    ("severity=1", ["sev1"]),
    ("status=waiting_on_customer", ["waiting"]),
    ("area=Reporting", ["sev3", "waiting"]),
    ("q=payments", ["sev1"]),
    ("q=invoice+footer", ["waiting"]),
    ("area=Reporting&severity=3", ["sev3"]),
])
def test_filters_and_search_narrow_the_list(client, auth, world, several, query, expected):
    """Severity, status, product area and words of the title each narrow the list."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get(f"/escalations?{query}"))
    assert _references(html) == [several[key] for key in expected]
    assert f"{len(expected)} of 4 open escalations match" in html
    assert "Clear filters" in html


def test_search_finds_an_escalation_by_its_reference(client, auth, world, several):
    """"ESC-1042", "esc-1042" and "1042" all find escalation ESC-1042."""
    auth.login(world.customers_a[Role.VIEWER].email)
    reference = several["sev3"]
    for q in (reference, reference.lower(), reference.split("-")[1]):
        assert _references(_body(client.get(f"/escalations?q={q}"))) == [reference], q


def test_search_treats_wildcards_as_text(client, auth, world, several):
    """A "%" in the search is a character, not "anything"."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get("/escalations?q=%25"))
    assert _references(html) == []


def test_sorting_options(client, auth, as_staff, world, several):
    """Newest, oldest, recently updated and next update due each order the list."""
    with as_staff() as session:
        # The oldest escalation hears from us last: it becomes "recently updated".
        outage = session.get(Escalation, world.escalation_a.id)
        ops.post_update(outage, author=_staff(session, world), body="Still on it.",
                        visibility=Visibility.CUSTOMER,
                        next_update_by=now() + timedelta(days=3))
    auth.login(world.customers_a[Role.VIEWER].email)
    opened = [several[k] for k in ("outage", "sev1", "sev3", "waiting")]
    assert _references(_body(client.get("/escalations?sort=oldest"))) == opened
    assert _references(_body(client.get("/escalations?sort=newest"))) == opened[::-1]
    assert _references(_body(client.get("/escalations?sort=updated")))[0] == several["outage"]
    # Sev 1 owes an update within the hour; the outage's is promised in three days.
    by_due = _references(_body(client.get("/escalations?sort=next_update")))
    assert by_due[0] == several["sev1"] and by_due[-1] == several["outage"]


def test_the_filter_form_keeps_its_values_and_works_without_javascript(client, auth, world,
                                                                       several):
    """The filters are a plain GET form; the page shows what was chosen."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get("/escalations?severity=3&area=Reporting&sort=newest&q=slow"))
    assert re.search(r'<form id="dashboard-filters"[^>]*method="get"', html)
    assert '<option selected value="3">' in html or '<option value="3" selected>' in html
    assert re.search(r'<option (selected )?value="Reporting"( selected)?>Reporting \(2\)', html)
    assert re.search(r'<option (selected )?value="newest"( selected)?>', html)
    assert 'value="slow"' in html
    assert 'hx-get="/escalations"' in html and 'hx-push-url="true"' in html


def test_an_invalid_filter_is_explained(client, auth, world):
    """A severity that does not exist answers 422 with the message next to the filters."""
    auth.login(world.customers_a[Role.VIEWER].email)
    response = client.get("/escalations?severity=9")
    assert response.status_code == 422
    html = _body(response)
    assert "please correct the following" in html and "Not a valid choice" in html


# ------------------------------------------------------------------------- empty states


def test_empty_state_when_nothing_is_open(client, auth, as_staff):
    """With nothing escalated the page says so, and what will appear here."""
    with as_staff():
        org = factories.make_organization("Quiet Co")
        email = factories.make_customer(org).email
    auth.login(email)
    html = _body(client.get("/escalations"))
    assert "No open escalations" in html and "Quiet Co" in html
    assert "match these filters" not in html and "Clear filters" not in html


def test_empty_state_when_filters_match_nothing(client, auth, world):
    """Filters that match nothing say so and offer to clear them (keeping the sort)."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get("/escalations?severity=4&sort=newest"))
    assert "No open escalations match these filters" in html
    assert "1 open escalation is hidden by the filters" in html
    assert 'href="/escalations?sort=newest">Clear filters' in html


# ------------------------------------------------------------- page, fragment and polling


def test_htmx_gets_the_rows_fragment_and_browsers_the_page(app, client, auth, world):
    """A poll or a filter change under htmx gets only the rows; everything else the page.
    Both are drawn in Python (portal/customer/dashboard_markup.py): the page's shell is
    rendered from customer/dashboard.html once, then remembered (portal.page_shell)."""
    page_shell.forget()
    auth.login(world.customers_a[Role.VIEWER].email)
    with _rendered_templates(app) as names:
        page = client.get("/escalations")
    assert names == ["customer/dashboard.html"]  # its shell, the first time
    with _rendered_templates(app) as names:
        fragment = client.get("/escalations?severity=2", headers=HX)
    assert names == []
    with _rendered_templates(app) as names:
        boosted = client.get("/escalations", headers={**HX, "HX-Boosted": "true"})
    assert names == []  # the remembered shell
    assert "<html" in _body(boosted)
    assert '<section id="dashboard-rows"' in _body(page)
    assert _body(fragment).startswith('<section id="dashboard-rows"')
    assert "<html" not in _body(fragment) and "<html" in _body(page)
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_rows_poll_themselves_with_the_current_filters(app, client, auth, world,
                                                          monkeypatch):
    """The rows refresh every POLL_INTERVAL_SECONDS (15 by default) with the same filters."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = _body(client.get("/escalations?severity=2&sort=newest"))
    assert 'hx-trigger="every 15s, live:refresh"' in html
    assert 'hx-get="/escalations?severity=2&amp;sort=newest"' in html
    assert "refreshes every 15 s" in html
    monkeypatch.setitem(app.config, "POLL_INTERVAL_SECONDS", 5)
    assert 'hx-trigger="every 5s, live:refresh"' in _body(client.get("/escalations", headers=HX))


def test_the_page_says_when_it_was_updated_and_loads_live_js_with_a_nonce(client, auth, world):
    """Without JavaScript the time of the last update is shown; live.js makes it tick."""
    auth.login(world.customers_a[Role.VIEWER].email)
    instant = now().replace(microsecond=0) + timedelta(seconds=30)
    with frozen_at(instant):
        response = client.get("/escalations")
    html = _body(response)
    from zoneinfo import ZoneInfo
    clock = instant.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M:%S")
    assert f'<time datetime="{instant.isoformat()}" data-live-updated>at {clock}</time>' in html
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'src="/static/js/live.js" nonce="{nonce}"' in html


@pytest.fixture
def minute():
    """A fixed instant early in a minute: requests in a test share one minute bucket."""
    instant = (now() + timedelta(minutes=1)).replace(second=5, microsecond=0)
    with frozen_at(instant):
        yield instant


def _etag(response) -> str:
    etag, weak = response.get_etag()
    assert weak, "the dashboard's ETag is weak: equivalent, not byte-identical, responses"
    return etag


def test_an_unchanged_poll_answers_304(client, auth, world, minute):
    """Polling again with the ETag it was given costs nothing: 304, no body."""
    auth.login(world.customers_a[Role.VIEWER].email)
    first = client.get("/escalations", headers=HX)
    etag = _etag(first)
    assert f'data-etag="{etag}"' in _body(first)
    again = client.get("/escalations", headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    assert _etag(again) == etag and "HX-Request" in again.headers["Vary"]
    # The page and the fragment are different representations with different tags.
    page = client.get("/escalations")
    assert _etag(page) != etag
    assert client.get("/escalations", headers={"If-None-Match": f'W/"{_etag(page)}"'}
                      ).status_code == 304
    # The page hands the fragment's tag to live.js for its first poll.
    assert f'data-etag="{etag}"' in _body(page)


def test_internal_changes_do_not_change_the_etag(client, auth, as_staff, world, minute):
    """An internal note or milestone changes nothing the customer sees: still 304."""
    auth.login(world.customers_a[Role.VIEWER].email)
    etag = _etag(client.get("/escalations", headers=HX))
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = _staff(session, world)
        ops.post_update(escalation, author=agent, body=f"{CANARY} suspect the cache",
                        visibility=Visibility.INTERNAL)
        ops.add_milestone(escalation, actor=agent, title=f"{CANARY} internal",
                          due_at=now() + timedelta(minutes=30), visibility=Visibility.INTERNAL)
    response = client.get("/escalations", headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert response.status_code == 304


def test_a_customer_visible_update_changes_the_etag(client, auth, as_staff, world, minute):
    """A new customer-visible update makes the poll answer 200 with the new rows."""
    auth.login(world.customers_a[Role.VIEWER].email)
    first = client.get("/escalations", headers=HX)
    etag = _etag(first)
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.post_update(escalation, author=_staff(session, world),
                        body="Root cause found: a bad deploy.", visibility=Visibility.CUSTOMER)
        reference = escalation.reference
        version = escalation.customer_changed_at.isoformat()
    response = client.get("/escalations", headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert response.status_code == 200 and _etag(response) != etag
    row = _row(_body(response), reference)
    assert "Root cause found: a bad deploy." in row and f'data-version="{version}"' in row


def test_the_etag_follows_filters_and_the_minute(client, auth, world, minute):
    """Other filters, or a new minute (relative times move on), mean another representation."""
    auth.login(world.customers_a[Role.VIEWER].email)
    etag = _etag(client.get("/escalations", headers=HX))
    assert _etag(client.get("/escalations?severity=2", headers=HX)) != etag
    assert _etag(client.get("/escalations?sort=newest", headers=HX)) != etag
    with frozen_at(minute + timedelta(seconds=60)):
        later = client.get("/escalations", headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert later.status_code == 200 and _etag(later) != etag


def test_an_escalation_leaving_the_list_changes_the_etag(client, auth, as_staff, world,
                                                         several, minute):
    """When an escalation is resolved it leaves the list, and the poll shows that."""
    auth.login(world.customers_a[Role.VIEWER].email)
    etag = _etag(client.get("/escalations?severity=1", headers=HX))
    with as_staff() as session:
        escalation = session.get(Escalation, Escalation.id_from_reference(several["sev1"]))
        agent = _staff(session, world)
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent, resolution_summary="Done.")
    response = client.get("/escalations?severity=1",
                          headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert response.status_code == 200 and _references(_body(response)) == []


def test_the_canary_appears_in_no_page_fragment_or_etag(client, auth, world, several):
    """Internal notes, milestones and steps never reach the dashboard, whatever is asked."""
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    queries = ["", "?sort=next_update", "?sort=updated", "?q=CANARY", "?q=internal",
               "?severity=2", "?status=new"]
    for query in queries:
        for headers in ({}, HX):
            response = client.get(f"/escalations{query}", headers=headers)
            assert CANARY not in _body(response), query
            assert "10.0.3.7" not in _body(response)
            assert CANARY not in str(response.headers)


# ----------------------------------------------------------------------- query budget


def _organization_with_escalations(as_staff, world, count: int) -> str:
    """An organization with `count` open escalations, each with customer and internal rows;
    returns a customer's email."""
    with as_staff() as session:
        org = factories.make_organization(timezone="America/Chicago",
                                          policy=factories.make_policy(business_hours={
                                              str(d): [["09:00", "18:00"]] for d in range(5)}))
        agent = _staff(session, world)
        manager = _staff(session, world, Role.ACCOUNT_MANAGER)
        for n in range(count):
            escalation = factories.make_escalation(
                org, actor=agent, severity=1 + n % 4, communicator=manager,
                product_area=f"Area {n % 3}")
            ops.post_update(escalation, author=agent, body=f"Update **{n}**",
                            visibility=Visibility.CUSTOMER)
            ops.post_update(escalation, author=agent, body=f"{CANARY} {n}",
                            visibility=Visibility.INTERNAL)
            ops.add_milestone(escalation, actor=agent, title=f"Milestone {n}",
                              due_at=now() + timedelta(hours=n + 1))
            if n % 2:
                ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
                ops.change_status(escalation, Status.WAITING_ON_CUSTOMER, actor=agent,
                                  reason="Logs, please.")
        return factories.make_customer(org).email


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_the_dashboard_runs_a_constant_number_of_queries(app, client, auth, as_staff, world,
                                                         headers):
    """3 or 30 escalations (a full page of 25 and more): the same handful of SQL queries (at
    most 3: the signed-in user, the summary, the page), never one per
    row."""
    counts = []
    for size in (3, 30):
        auth.login(_organization_with_escalations(as_staff, world, size))
        with _counted_queries(app) as statements:
            response = client.get("/escalations?sort=next_update", headers=headers)
        assert response.status_code == 200
        assert len(_references(_body(response))) == min(size, PAGE_SIZE)
        counts.append(len(statements))
        auth.logout("/escalations")
    print("queries per dashboard request:", counts)
    assert counts[0] == counts[1] <= 3, counts


def test_the_default_page_statement_fits_the_drivers_parse_cache(app, client, auth, as_staff,
                                                                  world):
    """psycopg converts a statement's placeholders once and remembers it only up to 4,096
    characters: the unfiltered page's statement (the one every visit runs) stays within."""
    auth.login(_organization_with_escalations(as_staff, world, 3))
    with _counted_queries(app) as statements:
        response = client.get("/escalations")
    assert response.status_code == 200
    page = max(statements, key=len)
    assert "status_changes" in page and len(page) <= 4096, len(page)


def test_an_unchanged_poll_runs_one_query_besides_the_session(app, client, auth, as_staff,
                                                              world, minute):
    """The 304 answer loads the signed-in user and runs one aggregate query, nothing else."""
    auth.login(_organization_with_escalations(as_staff, world, 5))
    etag = _etag(client.get("/escalations", headers=HX))
    with _counted_queries(app) as statements:
        response = client.get("/escalations", headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert response.status_code == 304
    assert len(statements) == 2, statements


def test_a_long_list_is_paged_and_every_page_polls_itself(client, auth, as_staff, world):
    """30 open escalations: 25 on the first page, the other 5 on the second, in one order;
    the pager's links keep the sort, a page past the end shows the last one, and the poll
    stays on its page."""
    auth.login(_organization_with_escalations(as_staff, world, 30))
    first = _body(client.get("/escalations?sort=newest"))
    assert "Showing 1–25 of 30" in first and "Page 1 of 2" in first
    assert 'href="/escalations?sort=newest&amp;page=2" rel="next"' in first
    assert "rel=\"prev\"" not in first
    second_response = client.get("/escalations?sort=newest&page=2")
    second = _body(second_response)
    assert "Showing 26–30 of 30" in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert 'hx-get="/escalations?sort=newest&amp;page=2"' in second
    on_first, on_second = _references(first), _references(second)
    assert len(on_first) == 25 and len(on_second) == 5
    assert not set(on_first) & set(on_second)
    assert on_first + on_second == sorted(on_first + on_second, key=lambda ref: -int(ref[4:]))
    assert _references(_body(client.get("/escalations?sort=newest&page=9"))) == on_second


def test_a_page_number_that_is_not_one_is_explained(client, auth, world):
    auth.login(world.customers_a[Role.VIEWER].email)
    response = client.get("/escalations?page=0")
    assert response.status_code == 422
    assert "Page" in _body(response)


def test_the_plans_terms_are_read_once_for_every_severity():
    """The statement brings the organization's calendar and its plan's targets of every
    severity as one JSON text (nested on PostgreSQL, nested as text on SQLite); a severity
    the plan has no targets for is missing, and `load_rows` refuses its rows."""
    hours = {"0": [["09:00", "18:00"]]}
    nested = json.dumps(["Europe/Paris", hours, ["2026-12-25"], [[1, 15, 30, 120],
                                                                  [3, 60, 240, 480]]])
    as_text = json.dumps(["Europe/Paris", json.dumps(hours), json.dumps(["2026-12-25"]),
                          json.dumps([[3, 60, 240, 480], [1, 15, 30, 120]])])
    expected = (Calendar.from_policy("Europe/Paris", hours, ["2026-12-25"]),
                {1: Targets(15, 30, 120), 3: Targets(60, 240, 480)})
    assert dashboard_page._terms_of(nested) == expected == dashboard_page._terms_of(as_text)
    assert dashboard_page._terms_of(json.dumps(["UTC", None, None, None])) == (
        Calendar("UTC"), {})
