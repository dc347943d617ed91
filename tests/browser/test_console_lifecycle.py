"""The escalation lifecycle in the staff console, in a real browser: open an escalation from
a helpdesk ticket, post an internal note and a customer update, hand it to a colleague, and
the colleague acknowledges it."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.browser.session import STAFF_LANDING, sign_in


@pytest.fixture(scope="module")
def agent(browser_app) -> tuple[str, str]:
    """The seeded agent's name and email (the receiver of the handoff)."""
    app, _ = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test lookup"))
        user = session.scalars(select(User).where(User.role == Role.AGENT)).first()
        return user.name, user.email


@pytest.mark.browser
def test_open_note_update_transfer_and_acknowledge_an_escalation(
        page, page_errors, seeded, agent, live_server, tmp_path):
    """The escalation manager opens an escalation (a missing handoff part is refused beside
    its field first), posts an internal note and a customer update (confirmed first, with a
    live preview), transfers it to the agent with the handoff template; the agent sees it
    pending in their navigation and acknowledges it from My handoffs."""
    agent_name, agent_email = agent
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    page.get_by_role("link", name="New escalation").click()
    expect(page.get_by_role("heading", name="New escalation", level=1)).to_be_visible()

    page.get_by_label("Customer organization").select_option(label=seeded.organization)
    page.get_by_label("Helpdesk ticket").fill("HD-40417")
    page.get_by_label("Title").fill("Label printing stalls in the Hamburg depot")
    page.get_by_label("Severity").select_option(label="Sev 2 · High")
    page.get_by_label("Users affected").fill("120")
    page.get_by_label("Core business operations are blocked").check()
    page.get_by_label("Summary").fill("Label jobs queue but never print since 07:40.")
    page.get_by_label("Customer impact").fill("Hamburg cannot ship parcels.")
    page.get_by_label("Steps already taken and their results").fill(
        "Restarted the print service: no change.")
    page.get_by_label("Reason for escalation").select_option(label="Severity")
    page.get_by_role("button", name="Open escalation").click()

    environment = page.get_by_label("Environment")
    expect(environment).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-environment-error")).to_contain_text("Describe the environment.")
    expect(page.get_by_label("Title")).to_have_value("Label printing stalls in the Hamburg depot")
    environment.fill("prod-eu, print service 3.8")
    page.get_by_role("button", name="Open escalation").click()

    expect(page.get_by_role("status").filter(has_text="is open.")).to_be_visible()
    expect(page.get_by_role("heading", name="Label printing stalls in the Hamburg depot",
                            level=1)).to_be_visible()
    expect(page.get_by_text("Ticket HD-40417")).to_be_visible()
    escalation_url = page.url.split("#")[0]

    page.get_by_role("link", name="Timeline").click()
    page.get_by_label("Internal note — staff only").check()
    page.get_by_label("Update", exact=True).fill("Print spooler on **hh-print-02** is wedged.")
    expect(page.locator("#preview")).to_contain_text("Print spooler on hh-print-02 is wedged.")
    page.get_by_role("button", name="Continue").click()
    note = page.locator(".console-entry.entry-internal").filter(
        has_text="Print spooler on hh-print-02")
    expect(note).to_contain_text("Internal")

    page.get_by_label("Customer update — published to the customer").check()
    page.get_by_label("Update", exact=True).fill(
        "We found the cause of the stalled labels and are restarting the print service.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Publish to the customer?")).to_be_visible()
    page.get_by_role("button", name="Publish to customer").click()
    update = page.locator(".console-entry.entry-customer").filter(
        has_text="restarting the print service")
    expect(update).to_contain_text("Visible to customer")
    page.screenshot(path=tmp_path / "timeline.png", full_page=True)
    page.get_by_role("link", name="Overview").click()

    page.locator("summary", has_text="Transfer ownership").click()
    page.get_by_label("New owner").select_option(label=f"{agent_name} · Agent")
    page.get_by_label("Environment").fill("prod-eu, print service 3.8")
    page.get_by_label("Reason for escalation").select_option(label="Customer request")
    page.get_by_role("button", name="Transfer ownership").click()
    expect(page.locator("#handoff-banner")).to_contain_text(f"Handoff pending to {agent_name}")
    expect(page.locator("#handoffs")).to_contain_text("Pending acknowledgement since")
    page.screenshot(path=tmp_path / "transferred.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, agent_email, landing=STAFF_LANDING)
    expect(page.get_by_role("link", name=re.compile(r"My handoffs 1"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"My handoffs")).click()
    row = page.get_by_role("row").filter(has_text="Label printing stalls")
    expect(row).to_contain_text("Pending acknowledgement since")
    row.get_by_role("button", name=re.compile("Acknowledge")).press("Enter")  # by keyboard

    expect(page.get_by_role("status").filter(has_text="it is yours")).to_be_visible()
    expect(page.get_by_text("Nothing waits for you")).to_be_visible()
    page.goto(escalation_url)
    expect(page.locator("#handoff-banner")).to_have_count(0)
    expect(page.locator("#people")).to_contain_text(agent_name)
    # Chromium logs every non-2xx response; the 422 is the answer we asked for.
    assert [e for e in page_errors if "status of 422" not in e] == []
