"""The staff console's triage queue: every open escalation across accounts, by composite
priority, with what triage needs per row; filters, quick views, search, sorts, paging,
conditional polling (ETag / 304) and a constant number of SQL queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import Organization, User
from portal.clock import frozen_at, now
from portal.enums import Role, Segment, Status, Tier, Trigger
from portal.escalations import operations as ops
from portal.escalations import queries as ops_queries
from portal.escalations import queue
from portal.escalations.models import Escalation
from portal.escalations.operations.priority import set_priority_settings
from portal.escalations.priority import DEFAULT_WEIGHTS
from tests import factories
from tests.factories import CANARY
from tests.querycount import counted_queries as _counted_queries

HX = {"HX-Request": "true"}


def _body(response) -> str:
    return response.get_data(as_text=True)


def _row(html: str, reference: str) -> str:
    match = re.search(rf'<tr id="escalation-{reference}".*?</tr>', html, re.S)
    assert match, f"no row for {reference}"
    return match.group(0)


def _references(html: str) -> list[str]:
    return re.findall(r'<tr id="escalation-(ESC-\d+)"', html)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _staff(session, world, role=Role.AGENT) -> User:
    return session.get(User, world.staff[role].id)


@pytest.fixture
def several(as_staff, world):
    """More open escalations of different kinds in both accounts, and a resolved one."""
    with as_staff() as session:
        org_a = session.get(Organization, world.org_a.id)
        org_b = session.get(Organization, world.org_b.id)
        agent = _staff(session, world)
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        sev1 = factories.make_escalation(org_a, actor=agent, severity=1, title="Payments down",
                                         product_area="Payments", users_affected=800,
                                         core_operations_blocked=True)
        sev4 = factories.make_escalation(org_b, actor=agent, severity=4,
                                         title="Typo in the invoice footer",
                                         product_area="Reporting", owner=manager)
        unassigned = ops.open_escalation(
            org_b, actor=agent, title="Nobody has this yet", severity=3,
            trigger=Trigger.MONITORING_SIGNAL, handoff=factories.handoff_template(),
            product_area="Reporting")
        # A status change with staff's note to the customer: it counts as an update.
        ops.change_status(sev4, Status.ACKNOWLEDGED, actor=manager,
                          reason="We are correcting the footer.")
        ops.change_tier(sev4, Tier.L2, actor=manager, reason="Needs the billing team")
        resolved = factories.make_escalation(org_a, actor=agent, severity=1, title="Old outage")
        ops.change_status(resolved, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(resolved, Status.INVESTIGATING, actor=agent)
        ops.change_status(resolved, Status.RESOLVED, actor=agent, resolution_summary="Fixed.")
        session.flush()
        return {"outage_a": world.escalation_a.reference,
                "outage_b": world.escalation_b.reference, "sev1": sev1.reference,
                "sev4": sev4.reference, "unassigned": unassigned.reference,
                "resolved": resolved.reference}


# ----------------------------------------------------------------------- what a row shows


def test_every_open_escalation_across_accounts_by_priority(client, auth, world, several):
    """Both accounts' open escalations, highest composite priority first; closed ones never."""
    auth.login(world.staff[Role.AGENT].email)
    page = client.get("/admin/")
    html = _body(page)
    assert page.status_code == 200
    refs = _references(html)
    assert several["resolved"] not in refs
    assert set(refs) == {several[k] for k in ("outage_a", "outage_b", "sev1", "sev4",
                                              "unassigned")}
    assert refs[0] == several["sev1"]
    assert "1–5 of 5 escalations" in _text(html)


def test_a_row_shows_what_triage_needs(client, auth, as_staff, world):
    """Reference, customer and segment, severity/status/tier, owner and communicator, age,
    time in status, time since the last customer update, SLA state, next milestone, and the
    priority score with its breakdown in words."""
    auth.login(world.staff[Role.AGENT].email)
    html = _body(client.get("/admin/"))
    row = _text(_row(html, world.escalation_a.reference))
    e = world.escalation_a
    assert e.title in row and "Acme Logistics" in row and "Strategic" in row
    assert "Sev 2" in row and "New" in row and "L1" in row
    assert world.staff[Role.AGENT].name in row
    assert re.search(rf"Comms \(communicator\) ?: {world.staff[Role.ACCOUNT_MANAGER].name}", row)
    assert "open under a minute" in row or "open 1 min" in row
    assert "in status" in row and "updated" in row
    assert "On track" in row and "Acknowledge:" in row and "left" in row
    # Staff see the internal milestone too: it is due first.
    assert f"{CANARY} internal milestone" in row
    assert f"Priority {e.priority_score}" in row
    assert "Technical severity 24.5, business impact 0, customer segment 15" in row
    assert f'href="/admin/escalations/{e.id}"' in _row(html, e.reference)


def test_breached_and_at_risk_rows_are_highlighted_in_words(client, auth, world):
    """Later on, the same escalation is at risk, then breached: the row says so in text and
    is marked, and an overdue customer update and an aging escalation are flagged."""
    reference = world.escalation_a.reference
    opened = world.escalation_a.opened_at
    with frozen_at(opened + timedelta(minutes=50)):  # Sev 2: acknowledge within 60 min
        auth.login(world.staff[Role.AGENT].email)
        row = _row(_body(client.get("/admin/")), reference)
        assert "queue-row-at-risk" in row and "At risk" in _text(row)
    with frozen_at(opened + timedelta(days=2)):
        auth.login(world.staff[Role.AGENT].email)  # a new day: a new session
        row = _row(_body(client.get("/admin/")), reference)
        text = _text(row)
        assert "queue-row-breached" in row and "Breached" in text and "over" in text
        assert "Update overdue" in text and "Aging" in text and "Stale" in text


def test_a_pending_handoff_is_flagged_on_the_row(client, auth, as_staff, world):
    """A handoff not yet acknowledged shows on the row, "to you" for its receiver."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        ops.transfer_ownership(escalation, _staff(session, world, Role.ESCALATION_MANAGER),
                               actor=_staff(session, world),
                               template=factories.handoff_template())
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    row = _text(_row(_body(client.get("/admin/")), world.escalation_a.reference))
    assert "Handoff pending to you" in row


# ------------------------------------------------------------- filters, views and search


@pytest.mark.parametrize(("query", "expected"), [
    ("severity=1", {"sev1"}),
    ("tier=L2", {"sev4"}),
    ("status=acknowledged", {"sev4"}),
    ("area=Reporting", {"sev4", "unassigned"}),
    ("segment=growth", {"outage_b", "sev4", "unassigned"}),
    ("owner=0", {"unassigned"}),
    ("q=payments", {"sev1"}),
    ("q=globex", {"outage_b", "sev4", "unassigned"}),
    ("q=50%25", set()),
])
def test_filters_and_search_narrow_the_queue(client, auth, world, several, query, expected):
    auth.login(world.staff[Role.AGENT].email)
    html = _body(client.get(f"/admin/?{query}"))
    assert set(_references(html)) == {several[key] for key in expected}


def test_filters_by_owner_and_account(client, auth, world, several):
    auth.login(world.staff[Role.AGENT].email)
    manager = world.staff[Role.ESCALATION_MANAGER]
    assert _references(_body(client.get(f"/admin/?owner={manager.id}"))) == [several["sev4"]]
    refs = _references(_body(client.get(f"/admin/?account={world.org_a.id}")))
    assert set(refs) == {several["outage_a"], several["sev1"]}


def test_search_finds_an_escalation_by_reference(client, auth, world, several):
    auth.login(world.staff[Role.AGENT].email)
    for text in (several["sev4"], several["sev4"].lower(), several["sev4"].split("-")[1]):
        assert _references(_body(client.get(f"/admin/?q={text}"))) == [several["sev4"]]


def test_quick_views(client, auth, as_staff, world, several):
    """Mine, unassigned, handoffs waiting for my acknowledgement, updates overdue: each with
    its count, and an empty state of its own."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    html = _body(client.get("/admin/?view=mine"))
    assert _references(html) == [several["sev4"]]
    assert re.search(r'aria-current="page">Mine <span class="queue-view-count">1<', html)
    assert _references(_body(client.get("/admin/?view=unassigned"))) == [several["unassigned"]]
    # Opening the Sev 4 with the manager as owner handed it over: pending until acknowledged.
    assert _references(_body(client.get("/admin/?view=handoffs"))) == [several["sev4"]]
    with as_staff() as session:
        sev4 = session.get(Escalation, Escalation.id_from_reference(several["sev4"]))
        handoff = session.scalars(
            ops_queries.pending_handoffs_for(world.staff[Role.ESCALATION_MANAGER].id)).one()
        assert handoff.escalation_id == sev4.id
        ops.acknowledge_handoff(handoff, actor=_staff(session, world, Role.ESCALATION_MANAGER))
    empty = _body(client.get("/admin/?view=handoffs"))
    assert _references(empty) == [] and "No handoff waits for you" in empty
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_b.id)
        ops.transfer_ownership(escalation, _staff(session, world, Role.ESCALATION_MANAGER),
                               actor=_staff(session, world),
                               template=factories.handoff_template())
    assert _references(_body(client.get("/admin/?view=handoffs"))) == [several["outage_b"]]
    assert "No customer update is overdue" in _body(client.get("/admin/?view=overdue"))
    with frozen_at(now() + timedelta(days=5)):
        auth.login(world.staff[Role.ESCALATION_MANAGER].email)
        overdue = set(_references(_body(client.get("/admin/?view=overdue"))))
    # Every running next-update clock is overdue by then; the acknowledged Sev 4 too.
    assert {several["outage_a"], several["outage_b"], several["sev1"]} <= overdue


def test_the_filter_form_keeps_its_values_and_works_without_javascript(client, auth, world,
                                                                       several):
    auth.login(world.staff[Role.AGENT].email)
    html = _body(client.get("/admin/?severity=1&sort=age&view=mine&q=pay"))
    assert 'method="get"' in html and 'role="search"' in html
    assert re.search(r'<option selected value="1">Sev 1', html)
    assert re.search(r'<option selected value="age">', html)
    assert 'name="view" type="hidden" value="mine"' in html
    assert 'value="pay"' in html


def test_an_invalid_filter_is_explained_with_422(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    page = client.get("/admin/?severity=9&owner=someone")
    assert page.status_code == 422
    html = _body(page)
    assert 'role="alert"' in html and "Owner: Choose an owner" in html
    assert "data-live " not in html and "data-etag" not in html  # no polling while invalid


# ----------------------------------------------------------------------- sorts and pages


def test_sorting_options(client, auth, as_staff, world, several):
    auth.login(world.staff[Role.AGENT].email)
    by_age = _references(_body(client.get("/admin/?sort=age")))
    assert by_age[:2] == [several["outage_a"], several["outage_b"]]
    by_sla = _references(_body(client.get("/admin/?sort=sla")))
    assert by_sla[0] == several["sev1"]  # Sev 1: acknowledge within 15 minutes
    by_update = _references(_body(client.get("/admin/?sort=customer_update")))
    # Longest silence first: the world's updates came first, the Sev 4's status news last.
    assert by_update[0] == several["outage_a"] and by_update[-1] == several["sev4"]


def test_the_queue_is_paged_with_the_total_shown(client, auth, world, several, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    auth.login(world.staff[Role.AGENT].email)
    first = _body(client.get("/admin/"))
    assert len(_references(first)) == 2 and "1–2 of 5 escalations" in _text(first)
    assert "Page 1 of 3" in first and 'rel="next" ' not in first
    assert 'href="/admin/?page=2" rel="next"' in first
    last = _body(client.get("/admin/?page=3"))
    assert len(_references(last)) == 1 and "5–5 of 5" in _text(last)
    beyond = _body(client.get("/admin/?page=99"))
    assert _references(beyond) == _references(last)
    everything = (_references(first) + _references(_body(client.get("/admin/?page=2")))
                  + _references(last))
    assert len(set(everything)) == 5


# --------------------------------------------------------------------- live: ETag and 304


@pytest.fixture
def minute():
    instant = (now() + timedelta(minutes=1)).replace(second=5, microsecond=0)
    with frozen_at(instant):
        yield instant


def _etag(response) -> str:
    etag, weak = response.get_etag()
    assert weak
    return etag


def test_an_unchanged_poll_answers_304(client, auth, world, minute):
    auth.login(world.staff[Role.AGENT].email)
    first = client.get("/admin/", headers=HX)
    etag = _etag(first)
    html = _body(first)
    assert f'data-etag="{etag}"' in html and 'id="queue-rows"' in html
    assert "<html" not in html  # the fragment only
    again = client.get("/admin/", headers={**HX, "If-None-Match": f'W/"{etag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    page = client.get("/admin/")
    assert _etag(page) != etag and f'data-etag="{etag}"' in _body(page)
    assert 'hx-get="/admin/"' in _body(page) and "every 15s" in _body(page)


def test_a_change_or_the_next_minute_changes_the_etag(client, auth, as_staff, world, minute):
    """A status change, a handoff and its acknowledgement each answer in full (seconds apart,
    in the same minute); so does the next minute, for ages and SLA states."""
    auth.login(world.staff[Role.AGENT].email)
    etag = _etag(client.get("/admin/", headers=HX))
    assert client.get("/admin/", headers={**HX, "If-None-Match": f'W/"{etag}"'}
                      ).status_code == 304
    manager = world.staff[Role.ESCALATION_MANAGER]

    def change_status(session):
        ops.change_status(session.get(Escalation, world.escalation_b.id), Status.ACKNOWLEDGED,
                          actor=_staff(session, world))

    def hand_over(session):
        ops.transfer_ownership(session.get(Escalation, world.escalation_b.id),
                               session.get(User, manager.id), actor=_staff(session, world),
                               template=factories.handoff_template())

    def acknowledge(session):
        handoff = session.scalars(ops_queries.pending_handoffs_for(manager.id)).one()
        ops.acknowledge_handoff(handoff, actor=session.get(User, manager.id))

    for seconds, change in ((10, change_status), (20, hand_over), (30, acknowledge)):
        with frozen_at(minute + timedelta(seconds=seconds)):
            with as_staff() as session:
                change(session)
            answer = client.get("/admin/", headers={**HX, "If-None-Match": f'W/"{etag}"'})
            assert answer.status_code == 200, change.__name__
            etag = _etag(answer)
    with frozen_at(minute + timedelta(minutes=1)):
        assert client.get("/admin/", headers={**HX, "If-None-Match": f'W/"{etag}"'}
                          ).status_code == 200


def test_the_etag_follows_the_view_and_the_viewer(client, auth, world, minute):
    auth.login(world.staff[Role.AGENT].email)
    all_open = _etag(client.get("/admin/", headers=HX))
    mine = _etag(client.get("/admin/?view=mine", headers=HX))
    assert all_open != mine


# --------------------------------------------------------------------- constant queries


def _escalations(as_staff, world, count: int) -> None:
    with as_staff() as session:
        org = factories.make_organization(segment=Segment.ENTERPRISE)
        agent = _staff(session, world)
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        for n in range(count):
            escalation = factories.make_escalation(org, actor=agent, severity=1 + n % 4,
                                                   communicator=manager)
            ops.add_milestone(escalation, actor=agent, title=f"Milestone {n}",
                              due_at=now() + timedelta(hours=n + 1))
            if n % 3 == 0:
                ops.transfer_ownership(escalation, manager, actor=agent,
                                       template=factories.handoff_template())


def test_the_queue_runs_a_constant_number_of_queries(app, client, auth, as_staff, world):
    """3 or 30 more escalations (with milestones and handoffs): the same handful of SQL
    queries for the page, the fragment and a filtered view, never one per row."""
    auth.login(world.staff[Role.AGENT].email)
    counts = []
    for count in (3, 27):
        _escalations(as_staff, world, count)
        per_request = []
        for path, headers in (("/admin/", {}), ("/admin/", HX),
                              ("/admin/?severity=1&sort=sla&q=Escalation", {})):
            with _counted_queries(app) as statements:
                response = client.get(path, headers=headers)
            assert response.status_code == 200
            per_request.append(len(statements))
        counts.append(per_request)
    print("queries per queue request (page, fragment, filtered):", counts)
    assert counts[0] == counts[1], counts
    # 6 for the queue itself (the summary, with the nav's counts, comes with the page's rows
    # and the senior-involvement threshold; a row's milestone, handoff and customer request
    # are one statement per page)
    assert max(counts[1]) <= 6, counts


def test_the_queue_reads_the_navigation_counts_with_its_summary(app, client, auth, as_staff,
                                                                 world):
    """The handoff and approval badges the queue page shows (read as columns of its summary)
    are the ones every other console page shows (each read by a query of its own)."""
    from portal.escalations.models import UpdateApproval

    _escalations(as_staff, world, 4)  # two handed to the escalation manager
    with as_staff() as session:
        agent = _staff(session, world)
        session.add(UpdateApproval(organization_id=world.org_a.id,
                                   escalation_id=world.escalation_a.id, author=agent,
                                   body="Waiting for a second pair of eyes.",
                                   next_update_by=now() + timedelta(hours=2),
                                   submitted_at=now()))
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    badge = re.compile(r'href="([^"]+)"[^>]*>[^<]*<span class="nav-count">(\d+)<')
    queue_page = badge.findall(_body(client.get("/admin/")))
    other_page = badge.findall(_body(client.get("/admin/handoffs")))
    assert queue_page == other_page
    assert dict(queue_page) == {"/admin/handoffs": "2", "/admin/approvals": "1"}
    with _counted_queries(app) as statements:
        client.get("/admin/")
    assert not any("update_approvals" in str(s) and "escalations" not in str(s)
                   for s in statements)


# --------------------------------------------------------------------------- access


def test_customers_cannot_see_the_queue(client, auth, world):
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    assert client.get("/admin/").status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.ACCOUNT_MANAGER, Role.ESCALATION_MANAGER,
                                  Role.ADMINISTRATOR])
def test_every_staff_role_works_the_queue(client, auth, world, role):
    auth.login(world.staff[role].email)
    assert client.get("/admin/").status_code == 200


def test_the_empty_queue_says_it_is_clear(client, auth, as_staff, world):
    with as_staff() as session:
        agent = _staff(session, world)
        for escalation in session.query(Escalation).all():
            ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
            ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
            ops.change_status(escalation, Status.RESOLVED, actor=agent,
                              resolution_summary="Done.")
    auth.login(world.staff[Role.AGENT].email)
    assert "The queue is clear" in _body(client.get("/admin/"))


def test_empty_states_say_why_nothing_shows(client, auth, world, several):
    """Filters that match nothing offer to clear them; an empty quick view says what it
    would hold."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    filtered = _body(client.get("/admin/?q=no-such-words"))
    assert "Nothing matches these filters" in filtered and "Clear filters" in filtered
    mine = _body(client.get("/admin/?view=mine"))
    assert _references(mine) == [] and "Nothing is yours right now" in mine
    assert "Every open escalation has an owner" not in mine


# ------------------------------------------------------------------- senior involvement


def test_every_bar_marks_the_senior_involvement_threshold_an_administrator_set(
        client, auth, as_staff, world):
    """The threshold is read with the page (no statement of its own): the default 75 until an
    administrator sets another, then that one on every row's priority bar."""
    auth.login(world.staff[Role.AGENT].email)
    body = _body(client.get("/admin/"))
    assert body.count('class="priority-bar-threshold" x="74.25"') == body.count(
        '<tr id="escalation-')
    with as_staff() as session:
        set_priority_settings(dict(DEFAULT_WEIGHTS), 40,
                              actor=_staff(session, world, Role.ADMINISTRATOR))
    body = _body(client.get("/admin/"))
    assert 'class="priority-bar-threshold" x="74.25"' not in body
    assert body.count('class="priority-bar-threshold" x="39.25"') == body.count(
        '<tr id="escalation-') > 0


def test_the_sla_filter_follows_the_clock_with_the_same_filters(client, auth, world):
    """The same filtered view asked again later: an escalation breached since is counted and
    listed (the statements are remembered per filters; the instant is bound each time)."""
    reference = world.escalation_a.reference
    opened = world.escalation_a.opened_at
    with frozen_at(opened + timedelta(minutes=5)):  # Sev 2: acknowledge within 60 min
        auth.login(world.staff[Role.AGENT].email)
        assert reference not in _references(_body(client.get("/admin/?sla=breached")))
    with frozen_at(opened + timedelta(minutes=90)):
        auth.login(world.staff[Role.AGENT].email)
        body = _body(client.get("/admin/?sla=breached"))
        assert reference in _references(body)
        assert re.search(r'aria-current="page">All open <span class="queue-view-count">'
                         r"[1-9]", body)


def test_the_open_escalations_indexes_cover_exactly_the_open_statuses():
    """The partial indexes' predicate (migration 0036) names the statuses the queue calls open,
    as the queue's statements write them: a new open status must be added to both."""
    from sqlalchemy.dialects import postgresql

    from portal.enums import OPEN_STATUSES
    from portal.escalations.models.escalation import OPEN_PREDICATE

    named = re.findall(r"'(\w+)'", OPEN_PREDICATE)
    assert named == [status.value for status in OPEN_STATUSES]
    written = str(queue._open().compile(dialect=postgresql.dialect()))
    assert written == "escalations." + OPEN_PREDICATE


def test_a_row_holds_what_the_orm_reads_of_its_escalation(as_staff, world, several):
    """The rows' columns are converted in one pass (queue._escalation_of), not by their types'
    processors: the same UTC instants, enum members, breakdown and names as the ORM reads."""
    with as_staff() as session:
        at = now()
        summary = queue.summarize(queue.QueueQuery(), viewer_id=0, at=at)
        board = queue.load_page(queue.QueueQuery(), summary, viewer_id=0, at=at)
        assert board.rows
        for row in board.rows:
            read, orm = row.escalation, session.get(Escalation, row.escalation.id)
            for name in ("title", "severity", "status", "tier", "product_area", "owner_id",
                         "communicator_id", "organization_id", "priority_score",
                         "priority_breakdown", "opened_at", "status_changed_at", "updated_at",
                         "last_customer_update_at", "ack_due_at", "ack_at_risk_at",
                         "resolve_due_at", "resolve_at_risk_at", "next_update_due_at",
                         "is_drill"):
                value, expected = getattr(read, name), getattr(orm, name)
                assert value == expected and type(value) is type(expected), name
                if isinstance(value, datetime):
                    assert value.utcoffset() == timedelta(0), name
            assert type(read.status) is Status and type(read.tier) is Tier
            assert read.organization == queue.Named(orm.organization.name,
                                                    orm.organization.segment)
            assert type(read.organization.segment) is Segment
            assert read.owner == (queue.Named(orm.owner.name) if orm.owner else None)


@pytest.mark.parametrize("asked", [
    {}, {"sort": "sla"}, {"sort": "age"}, {"sort": "customer_update", "view": "unassigned"},
    {"search": "outage"}, {"segment": Segment.ENTERPRISE, "sort": "sla"}, {"view": "mine"},
    {"search": "no-such-words"}, {"page": 2}, {"page": 9},
])
def test_the_page_read_with_its_summary_is_the_page_and_summary_read_apart(
        as_staff, world, several, monkeypatch, asked):
    """queue.read (one statement for the summary, the nav's counts and the page) gives what
    summarize and load_page give, past the last page and with nothing matching too."""
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)  # several pages out of a handful of rows
    also = (sa.select(sa.func.count(Escalation.id)).scalar_subquery(),)
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        query, at = queue.QueueQuery(**asked), now()
        together = queue.read(query, viewer_id=manager.id, at=at, also=also)
        summary = queue.summarize(query, viewer_id=manager.id, at=at, also=also)
        apart = queue.load_page(query, summary, viewer_id=manager.id, at=at)
    assert together.summary == summary and summary.total_open > 0
    assert together.page == apart.page and together.threshold == apart.threshold
    assert together.rows == apart.rows
    if set(asked) <= {"sort", "view"}:
        assert together.rows  # (the other cases: whatever they match, the same)


def test_an_empty_queue_reads_an_empty_summary_with_the_page(as_staff, world):
    """Nothing open: the one statement still says so (no page row, no product area)."""
    with as_staff() as session:
        session.execute(sa.update(Escalation).values(status=Status.CLOSED))
        board = queue.read(queue.QueueQuery(), viewer_id=0, at=now())
    assert board.summary.total_open == 0 and board.summary.areas == ()
    assert board.rows == [] and board.summary.also is None
