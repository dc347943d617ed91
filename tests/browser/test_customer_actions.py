"""A customer commenting and asking for escalation in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.session import CUSTOMER_LANDING, sign_in


def _open_escalation(page, seeded):
    page.goto(f"/escalations/{seeded.reference}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    # A marker that a full page load would wipe: it proves the change came in place.
    page.evaluate("window.__stillTheSamePage = true")


def _same_page(page) -> bool:
    return page.evaluate("window.__stillTheSamePage === true")


@pytest.mark.browser
def test_customer_comments_and_sees_it_on_the_timeline(page, page_errors, seeded, tmp_path):
    """A customer types a question and posts it; it tops the timeline without a reload, and
    the box is empty again."""
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    _open_escalation(page, seeded)
    box = page.get_by_label("Comment or question")
    box.fill("Is the **EU** warehouse affected as well?")
    page.get_by_role("button", name="Post comment").click()

    expect(page.get_by_role("status").filter(has_text="Your comment is on the timeline")
           ).to_be_visible()
    first = page.locator("#timeline .timeline-item").first
    expect(first).to_contain_text("Is the EU warehouse affected as well?")
    expect(first.locator("strong")).to_have_text("EU")
    expect(first).to_contain_text("Your team")
    expect(page.get_by_label("Comment or question")).to_have_value("")
    assert _same_page(page)
    page.screenshot(path=tmp_path / "commented.png", full_page=True)
    assert page_errors == []


@pytest.mark.browser
def test_customer_empty_comment_shows_the_message_by_the_field(page, page_errors, seeded):
    """Posting nothing shows what is wrong next to the box, in place."""
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    _open_escalation(page, seeded)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-body-error")).to_contain_text(
        "Write your comment or question first.")
    expect(page.get_by_label("Comment or question")).to_have_attribute("aria-invalid", "true")
    assert _same_page(page)
    # Chromium logs every non-2xx response; the 422 is the answer we asked for.
    assert [e for e in page_errors if "status of 422" not in e] == []


@pytest.mark.browser
def test_customer_requests_escalation(page, page_errors, seeded):
    """A customer asks for the next level with a reason; the box confirms and the timeline
    shows the request."""
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    _open_escalation(page, seeded)
    page.get_by_label("Why does this need the next level?").fill(
        "Our Monday peak starts in 6 hours.")
    page.get_by_role("button", name="Request escalation").click()

    box = page.locator("#escalation-request")
    expect(box.get_by_role("status")).to_contain_text("You asked for escalation on")
    expect(box).to_contain_text("Your reason: Our Monday peak starts in 6 hours.")
    expect(box.get_by_role("button", name="Request escalation")).to_have_count(0)
    expect(page.locator("#timeline .timeline-item").first).to_contain_text(
        "Requested escalation to the next level (L2): Our Monday peak starts in 6 hours.")
    assert _same_page(page)
    assert page_errors == []


@pytest.mark.browser
def test_comment_works_without_javascript(browser, live_server, seeded):
    """With JavaScript off, posting a comment reloads the page with it on the timeline."""
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
        page.goto(f"/escalations/{seeded.reference}")
        page.get_by_label("Comment or question").fill("Sent from a locked-down browser.")
        page.get_by_role("button", name="Post comment").click()
        expect(page).to_have_url(re.compile(rf"/escalations/{seeded.reference}#timeline$"))
        expect(page.get_by_role("status").filter(has_text="Your comment is on the timeline")
               ).to_be_visible()
        expect(page.locator("#timeline .timeline-item").first).to_contain_text(
            "Sent from a locked-down browser.")
    finally:
        context.close()
