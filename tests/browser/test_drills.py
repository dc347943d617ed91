"""A drill in a real browser, on the demo world: the escalation manager starts the demo's
scenario for an agent, sees it marked DRILL in the queue and on its page; the agent
acknowledges the handoff; the manager ends the drill and reads its scorecard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from portal.drills.demo import DEMO_SCENARIO
from portal.enums import Role
from tests.browser.demo_world import demo_app, demo_login
from tests.browser.session import STAFF_LANDING, open_admin_page, sign_in
from tests.conftest import BROWSER_TIMEOUT_MS

AGENT_NAME = "Sam Whitfield"  # the demo's first agent (demo_login(Role.AGENT))


@pytest.fixture(scope="module")
def browser_app(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("drills") / "demo.sqlite3")
    yield app, None


@pytest.mark.browser
def test_run_a_drill_from_the_demo_scenario(page, page_errors, browser, live_server,
                                            tmp_path):
    """Start, see DRILL, acknowledge as the participant, end, read the scorecard."""
    sign_in(page, demo_login(Role.ESCALATION_MANAGER), landing=STAFF_LANDING,
            password=DEMO_PASSWORD)
    open_admin_page(page, "Drills")
    row = page.locator("#drill-scenarios tr", has_text=DEMO_SCENARIO)
    row.get_by_role("link", name="Start drill").click()
    page.get_by_label("Who owns the escalation").select_option(label=AGENT_NAME)
    page.get_by_role("button", name="Start drill").click()
    expect(page.locator(".alert, [role=status]").first).to_contain_text("Drill started")
    expect(page.locator(".eyebrow .badge-drill")).to_have_text("DRILL")
    page.screenshot(path=str(tmp_path / "drill-running.png"), full_page=True)

    page.locator(".subtitle a").first.click()
    banner = page.locator("#drill-banner")
    expect(banner).to_contain_text("This escalation is a drill")
    reference = page.locator(".escalation-header .eyebrow .ref").inner_text()
    page.goto("/admin/")
    expect(page.locator(f"#escalation-{reference} .badge-drill")).to_have_text("DRILL")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "drill-queue-phone.png"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    agent = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    agent.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        participant = agent.new_page()
        sign_in(participant, demo_login(Role.AGENT), landing=STAFF_LANDING,
                password=DEMO_PASSWORD)
        participant.locator(f"#escalation-{reference} a.queue-title").click()
        expect(participant.locator("#drill-banner")).to_be_visible()
        participant.locator("#handoff-banner").get_by_role("button",
                                                           name="Acknowledge").click()
        expect(participant.locator("#handoff-banner")).to_have_count(0)
    finally:
        agent.close()

    page.goto("/admin/drills")
    page.locator("#running-drills a", has_text=DEMO_SCENARIO).click()
    page.get_by_role("button", name="End drill").click()
    card = page.locator("#scorecard")
    expect(card).to_contain_text("Time to assign")
    assign = card.locator("dt", has_text="Time to assign").locator(
        "xpath=following-sibling::dd[1]")
    expect(assign).to_contain_text(" min ")
    expect(card).to_contain_text("Injected events handled")
    page.screenshot(path=str(tmp_path / "drill-scorecard.png"), full_page=True)
    page.goto("/admin/drills")
    expect(page.locator("#past-drills")).to_contain_text(DEMO_SCENARIO)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "drill-past-phone.png"), full_page=True)
    assert page_errors == []
