"""On-call triage in a real browser: a monitoring signal opens an escalation at night with
nobody owning it; the scheduler's triage job gives it to the person on call; they sign in,
find it in My handoffs, acknowledge it, and the escalation page says it was acknowledged."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import scheduler
from portal.accounts.models import Organization, User
from portal.clock import frozen_at, now
from portal.enums import Role, Trigger
from portal.escalations import operations as ops
from portal.extensions import db
from portal.oncall.models import RotationLength, Team, TeamMember
from portal.oncall.triage_models import RoutingRule
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.browser.session import STAFF_LANDING, sign_in

TITLE = "Warehouse API returns 503 for every scan"


def _last_night() -> datetime:
    """02:10 UTC of the last night that has passed (the clock the job runs on)."""
    today = datetime.combine(now().date(), time(2, 10), tzinfo=UTC)
    return today if today < now() else today - timedelta(days=1)


@pytest.fixture(scope="module")
def night_escalation(browser_app) -> dict:
    """A night team (the agent on call), a rule for Sev 2 or worse, an escalation a
    monitoring signal opened at 02:10 with no owner, and the scheduler's triage job run."""
    app, _ = browser_app
    night = _last_night()
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test setup"))
        agent = session.scalars(select(User).where(User.role == Role.AGENT)).first()
        manager = session.scalars(select(User).where(
            User.role == Role.ESCALATION_MANAGER)).first()
        team = Team(name="Night desk", product_area="", timezone="Europe/London",
                    rotation_length=RotationLength.DAILY,
                    starts_on=date(2026, 1, 1), acknowledge_minutes=15,
                    manager_id=manager.id,
                    members=[TeamMember(user_id=agent.id, position=0)])
        session.add(team)
        session.flush()
        session.add(RoutingRule(position=1, max_severity=2, team_id=team.id))
        organization = session.scalars(select(Organization).order_by(Organization.id)).first()
        with frozen_at(night):
            escalation = ops.open_escalation(
                organization, actor=None, title=TITLE, severity=1,
                trigger=Trigger.MONITORING_SIGNAL, handoff=factories.handoff_template())
        session.commit()
        facts = {"id": escalation.id, "reference": escalation.reference,
                 "agent_name": agent.name, "agent_email": agent.email}
    job = next(job for job in scheduler._jobs() if job.name == "oncall-triage")
    with frozen_at(night + timedelta(minutes=1)):
        scheduler._run_in_app(app, job)  # as the scheduler process runs it
    return facts


@pytest.mark.browser
def test_the_person_on_call_acknowledges_a_night_escalation(page, page_errors,
                                                            night_escalation, tmp_path):
    """Triage assigned it overnight: the escalation page says so and waits for them; My
    handoffs lists it; after Acknowledge the page says acknowledged."""
    facts = night_escalation
    sign_in(page, facts["agent_email"], landing=STAFF_LANDING)
    page.goto(f"/admin/escalations/{facts['id']}")
    state = page.locator("#triage-state")
    expect(state).to_contain_text("Night desk")
    expect(state).to_contain_text(f"Assigned: {facts['agent_name']}")
    expect(state).to_contain_text("Awaiting acknowledgement")
    page.screenshot(path=tmp_path / "awaiting.png", full_page=True)

    expect(page.get_by_role("link", name=re.compile(r"My handoffs 1"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"My handoffs")).click()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Pending acknowledgement since")
    row.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(page.get_by_role("status").filter(has_text="it is yours")).to_be_visible()

    page.goto(f"/admin/escalations/{facts['id']}")
    expect(page.locator("#triage-state")).to_contain_text("Acknowledged")
    expect(page.locator("#people")).to_contain_text(facts["agent_name"])
    page.screenshot(path=tmp_path / "acknowledged.png", full_page=True)
    assert page_errors == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_routing_page_tests_an_example_and_fits_a_phone(page, page_errors, seeded,
                                                            night_escalation, width,
                                                            tmp_path):
    """The escalation manager sees the rules in order, tests a Sev 1 example and reads which
    rule, team and person it would reach; nothing is wider than the screen."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    page.goto("/admin/on-call/routing")
    expect(page.get_by_role("heading", name="Routing rules", level=1)).to_be_visible()
    expect(page.locator("#rule-1, .routing-rule").first).to_contain_text("Sev 2 or worse")
    page.get_by_label("Severity").select_option(label="Sev 1")
    page.get_by_label("Trigger").select_option(label="Monitoring signal")
    page.get_by_role("button", name="Test").click()
    result = page.locator("#rule-test-result")
    expect(result).to_contain_text("Rule 1")
    expect(result).to_contain_text("Night desk")
    expect(result).to_contain_text(f"On call now: {night_escalation['agent_name']}")
    page.screenshot(path=tmp_path / f"routing-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.goto(f"/admin/escalations/{night_escalation['id']}")
    expect(page.locator("#triage-state")).to_be_visible()
    page.screenshot(path=tmp_path / f"escalation-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page_errors == []
