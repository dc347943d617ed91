"""The customer's escalation page: what a stakeholder reads there, and what it costs to serve."""

import re
from contextlib import contextmanager
from datetime import timedelta
from html import unescape

from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
from sqlalchemy import event

from portal.accounts.models import SlaPolicy, User
from portal.clock import now
from portal.enums import Party, Role, Status, StepStatus, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, ExitCriterion, Update
from portal.escalations.workflow import next_tier
from portal.extensions import db
from tests import factories
from tests.factories import CANARY


def _page(client, auth, world, role=Role.VIEWER, reference=None):
    auth.login(world.customers_a[role].email)
    response = client.get(f"/escalations/{reference or world.escalation_a.reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    """The page as a reader sees it: tags dropped (a line-break hint joins its word), whitespace
    collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", ""))))


def test_header_names_status_severity_tier_and_how_to_reach_people(as_staff, client, auth,
                                                                       world):
    """The header says how bad, where it stands, who owns it and how to reach them."""
    with as_staff() as session:
        owner = session.get(User, world.escalation_a.owner_id)
        owner.phone = "+49 30 1234 567"
    html = _page(client, auth, world)
    text = _text(html)
    assert "Sev 2 · High" in text and "New" in text and "L1" in text
    owner, contact = world.staff[Role.AGENT], world.staff[Role.ACCOUNT_MANAGER]
    assert owner.name in text and contact.name in text
    assert f'href="mailto:{owner.email}"' in html and f'href="mailto:{contact.email}"' in html
    assert 'href="tel:+49301234567"' in html


def test_without_a_communicator_the_account_manager_is_the_contact(as_staff, client, auth,
                                                                    world):
    """Until a communicator is named, customers see their account manager as the contact."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        escalation.communicator_id = None
        escalation.organization.account_manager_id = world.staff[Role.ACCOUNT_MANAGER].id
    text = _text(_page(client, auth, world))
    manager = world.staff[Role.ACCOUNT_MANAGER]
    assert f"Your account manager {manager.name}" in text and manager.email in text


def test_timeline_is_newest_first_marks_edits_and_hides_retractions(as_staff, client, auth,
                                                                     world):
    """Updates read newest first; a corrected one says "edited"; a retracted one is gone."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        start = now() + timedelta(minutes=1)
        for n, body in enumerate(("First finding", "Second finding", "Withdrawn claim")):
            ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                            body=body, at=start + timedelta(minutes=n))
        updates = {u.body: u for u in session.query(Update).filter_by(
            escalation_id=escalation.id)}
        updates["First finding"].edited_at = now()
        updates["Withdrawn claim"].retracted_at = now()
    html = _page(client, auth, world)
    timeline = html[html.index('class="timeline" hx-disable'):]
    assert timeline.index("Second finding") < timeline.index("First finding") < timeline.index(
        "We are investigating the Acme Logistics outage.")
    assert "Withdrawn claim" not in html
    first = timeline[timeline.rindex("<li", 0, timeline.index("First finding")):]
    assert "edited" in first[:first.index("</li>")]
    second = timeline[timeline.rindex("<li", 0, timeline.index("Second finding")):]
    assert "edited" not in second[:second.index("</li>")]


def test_milestones_show_done_upcoming_and_late(as_staff, client, auth, world):
    """Each customer-visible milestone says whether it is done, upcoming or late."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        late = ops.add_milestone(escalation, actor=agent, title="Hotfix in staging",
                                 due_at=now() - timedelta(hours=1))
        done = ops.add_milestone(escalation, actor=agent, title="Workaround published",
                                 due_at=now() - timedelta(hours=2))
        ops.complete_milestone(done, actor=agent)
        assert late.completed_at is None
    text = _text(_page(client, auth, world))
    assert re.search(r"Hotfix in staging Late due", text)
    assert re.search(r"Workaround published Done done", text)
    assert re.search(r"Root cause confirmed Upcoming due", text)
    assert CANARY not in text


def test_plan_shows_owners_dates_checks_and_exit_criteria(as_staff, client, auth, world):
    """Steps show who does them (the customer's own say "Your team"), when, how they are
    checked and measured; exit criteria say whether they are met."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        ops.add_remediation_step(escalation, actor=agent, title="Roll out connection pool fix",
                                 owner=agent, due_at=now() + timedelta(days=1),
                                 validation_test="Replay Monday's peak in staging",
                                 success_metric="p99 checkout latency under 800 ms",
                                 status=StepStatus.IN_PROGRESS)
        criterion = session.query(ExitCriterion).filter_by(
            escalation_id=escalation.id, visibility=Visibility.CUSTOMER).one()
        criterion.met_at = now()
        ops.add_exit_criterion(escalation, actor=agent, description="No failed checkouts for 24 h")
    text = _text(_page(client, auth, world))
    customer_step = text[text.index("Apply patch 4.2.1 on your side"):]
    assert "Owner Your team" in customer_step
    vendor_step = text[text.index("Roll out connection pool fix"):]
    assert "In progress" in vendor_step and f"Owner {world.staff[Role.AGENT].name}" in vendor_step
    assert "Replay Monday's peak in staging" in text
    assert "p99 checkout latency under 800 ms" in text
    assert re.search(r"Error rate below 0\.1 % Met \d\d \w{3}", text)
    assert "No failed checkouts for 24 h Not met yet" in text
    assert "1 of 2 met" in text


def test_sla_panel_shows_targets_calendar_and_clocks(client, auth, world):
    """The SLA panel says what was promised (for this severity, in which hours) and where
    each clock stands."""
    text = _text(_page(client, auth, world))
    panel = text[text.index("Service level"):]
    assert "Sev 2 targets" in panel and "around the clock (24×7)" in panel
    assert re.search(r"Acknowledge: On track due in [\w ]+ Target: within 1 h · due \w{3}", panel)
    assert re.search(r"Resolve: On track due in [\w ]+ Target: within 1 d · due \w{3}", panel)
    assert "Next update: " in panel and "Target: every 4 h; this time as promised" in panel


def test_sla_panel_on_business_hours_names_the_hours_and_timezone(as_staff, client, auth,
                                                                     world):
    """On a business-hours plan the panel says which hours count, and in which timezone."""
    with as_staff() as session:
        policy = session.get(SlaPolicy, world.org_a.sla_policy_id)
        policy.business_hours = {str(day): [["09:00", "18:00"]] for day in range(5)}
        policy.holidays = ["2026-12-25"]
    text = _text(_page(client, auth, world))
    assert "business hours: Mon–Fri 09:00–18:00, public holidays off (Europe/Berlin)" in text
    assert "Target: within 1 business hour " in text
    assert "Target: every 4 business hours" in text


def test_paused_clock_says_it_waits_on_the_customer(as_staff, client, auth, world):
    """While the team waits on the customer, the resolve clock says so, and since when."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
        ops.change_status(escalation, Status.WAITING_ON_CUSTOMER, actor=agent,
                          reason="We need your proxy logs.")
    text = _text(_page(client, auth, world))
    assert "Waiting on customer" in text
    assert re.search(r"Resolve: Paused waiting on you since \d\d:\d\d [A-Z]{2,5} Target: "
                     r"within 1 d\. The clock stops while we wait for your team", text)


def test_resolved_escalation_shows_how_it_was_resolved(as_staff, client, auth, world):
    """Once resolved, the page leads with the resolution summary and no longer offers to
    escalate."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
            ops.change_status(escalation, status, actor=agent)
        ops.change_status(escalation, Status.RESOLVED, actor=agent,
                          resolution_summary="Rolled back **release 7.3** in every region.")
    html = _page(client, auth, world)
    assert "How it was resolved" in html
    assert "<strong>release 7.3</strong>" in html
    assert "Request escalation" not in html
    assert "How did we do?" in html


def test_page_has_no_internal_rows_for_any_customer_role(client, auth, world):
    """No customer role ever sees the canary internal note, milestone, step or criterion."""
    for role in (Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN):
        html = _page(client, auth, world, role=role)
        assert CANARY not in html
        auth.logout(f"/escalations/{world.escalation_a.reference}")


@contextmanager
def _counting_queries(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", statement, re.I):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _grow(as_staff, world, *, updates: int, plan_items: int):
    """Add timeline updates (from staff and from several customers) and plan items."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        people = [agent, *(session.merge(c) for c in world.customers_a.values())]
        extra_customers = [factories.make_customer(escalation.organization)
                           for _ in range(3)]
        people += extra_customers
        for n in range(updates):
            author = people[n % len(people)]
            if author.is_staff:
                ops.post_update(escalation, author=author, visibility=Visibility.CUSTOMER,
                                body=f"Progress note {n}")
            else:
                ops.comment_on_escalation(escalation, author=author, body=f"Question {n}")
        for n in range(plan_items):
            ops.add_milestone(escalation, actor=agent, title=f"Milestone {n}",
                              due_at=now() + timedelta(hours=n - 3))
            ops.add_remediation_step(escalation, actor=agent, title=f"Step {n}",
                                     owner=people[n % 2] if n % 2 == 0 else None,
                                     owner_party=Party.CUSTOMER if n % 2 else Party.VENDOR)
            ops.add_exit_criterion(escalation, actor=agent, description=f"Criterion {n}")
        ops.change_tier(escalation, next_tier(escalation.tier), actor=agent,
                        reason="Needs the database team")


def test_page_runs_a_constant_small_number_of_queries(app, as_staff, client, auth, world):
    """The page costs the same few queries with 3 updates or 40 (and long plans)."""
    auth.login(world.customers_a[Role.VIEWER].email)
    path = f"/escalations/{world.escalation_a.reference}"
    counts = []
    for updates, plan_items in ((3, 1), (37, 12)):
        _grow(as_staff, world, updates=updates, plan_items=plan_items)
        with _counting_queries(app) as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(statements))
    body = response.get_data(as_text=True)
    assert body.count('class="timeline-item') == 1 + 3 + 37 + 2  # seed, grown, tier changes
    assert counts[0] == counts[1], counts
    # The signed-in user, the validator, the escalation, and what the page lists.
    assert counts[1] <= 4, "\n\n".join(statements)
    # psycopg parses a statement longer than this anew on every execution (its cache of
    # parsed statements takes shorter ones only): the page's stay within it.
    longest = max(statements, key=len)
    assert len(longest) <= MAX_CACHED_STATEMENT_LENGTH, longest
