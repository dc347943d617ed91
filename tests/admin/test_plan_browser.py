"""The Plan tab and "preview as customer" in a real browser: htmx reorders in place and keeps
the keyboard focus; the preview opens the portal with its banner and exits back."""

import re

import pytest
from playwright.sync_api import expect

from portal.escalations.models import Escalation
from tests.browser import conftest as browser_fixtures
from tests.browser.session import STAFF_LANDING, sign_in

# The browser suite's fixtures (a live server on its own database), used here by name; the
# Chromium is the run's one (tests/conftest.py).
browser_app = browser_fixtures.browser_app
live_server = browser_fixtures.live_server
page = browser_fixtures.page
page_errors = browser_fixtures.page_errors
seeded = browser_fixtures.seeded


@pytest.mark.browser
def test_moving_a_step_swaps_the_list_in_place_and_keeps_focus(page, page_errors, seeded):
    """Down moves the step without a page load, and the focus stays on its Down button."""
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    escalation_id = Escalation.id_from_reference(seeded.reference)
    page.goto(f"/admin/escalations/{escalation_id}/plan")
    titles = page.locator("#plan-steps .plan-item-title")
    first, second = titles.nth(0).inner_text(), titles.nth(1).inner_text()
    page.evaluate("window.__stillTheSamePage = true")
    button = page.locator("#plan-steps .plan-item").first.get_by_role(
        "button", name=re.compile("Down"))
    button_id = button.get_attribute("id")
    button.focus()
    page.keyboard.press("Enter")
    expect(titles.nth(0)).to_have_text(second)
    expect(titles.nth(1)).to_have_text(first)
    assert page.evaluate("window.__stillTheSamePage === true")
    expect(page.locator(f"#{button_id}")).to_be_focused()
    assert page_errors == []


@pytest.mark.browser
def test_preview_opens_the_portal_with_a_banner_and_exits(page, page_errors, seeded):
    """Staff pick a person, see the portal as them under a banner, and exit to the console."""
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    escalation_id = Escalation.id_from_reference(seeded.reference)
    page.goto(f"/admin/escalations/{escalation_id}/preview")
    page.get_by_role("button", name=re.compile(r"Preview as .*\(.*Viewer\)")).click()
    expect(page).to_have_url(re.compile(f"/escalations/{seeded.reference}$"))
    banner = page.get_by_role("region", name="Customer preview")
    expect(banner).to_contain_text("read-only")
    expect(banner).to_contain_text(seeded.organization)
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    banner.get_by_role("button", name="Exit preview").click()
    expect(page).to_have_url(re.compile(f"/admin/escalations/{escalation_id}/preview$"))
    expect(page.get_by_role("region", name="Customer preview")).to_have_count(0)
    assert page_errors == []
