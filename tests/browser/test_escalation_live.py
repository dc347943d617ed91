"""The escalation page in a real browser: a new update appears by itself, highlighted and
announced, while what the customer is typing stays as it was."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.enums import Visibility
from tests.browser.polling import next_poll, polls_after_now
from tests.browser.session import CUSTOMER_LANDING, sign_in
from tests.browser.staff import post_as_owner
from tests.factories import CANARY, PASSWORD

POLL_INTERVAL_SECONDS = 1  # the suite's browser app polls every second: changes show quickly


@pytest.mark.browser
def test_a_new_update_appears_while_the_customer_types(page, page_errors, browser_app, seeded):
    app, _ = browser_app
    path = f"/escalations/{seeded.reference}"
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    page.goto(path)
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    page.evaluate("window.__marker = 1")
    comment = page.get_by_label("Comment or question")
    comment.fill("Half a question about the EU reg")
    comment.focus()

    # Unchanged polls answer 304 and leave the page alone; an internal note changes nothing.
    next_poll(page, path, status=304)
    post_as_owner(app, seeded.reference, f"{CANARY} looking at db-07", Visibility.INTERNAL)
    polls_after_now(page, path)
    expect(page.locator("#timeline .timeline-item.row-changed")).to_have_count(0)

    author = post_as_owner(app, seeded.reference, "Root cause found: a **bad deploy**.",
                            Visibility.CUSTOMER)
    newest = page.locator("#timeline .timeline-item").first
    expect(newest).to_contain_text("Root cause found: a bad deploy.")
    expect(newest).to_have_class(re.compile(r"\brow-changed\b"))
    expect(page.locator("#live-announcer")).to_have_text(f"New on the timeline, from {author}.")
    # What the customer was typing is still there, and still where they were typing.
    expect(comment).to_have_value("Half a question about the EU reg")
    expect(comment).to_be_focused()
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    assert CANARY not in page.content()
    assert page_errors == []


@pytest.mark.browser
def test_without_javascript_the_page_says_nothing_about_refreshing(browser, live_server,
                                                                   seeded):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(seeded.viewer_email)
        page.get_by_role("button", name="Continue").click()  # the email first
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name=CUSTOMER_LANDING, level=1)).to_be_visible()
        page.goto(f"/escalations/{seeded.reference}")
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
        expect(page.get_by_text(re.compile("refreshes every"))).to_be_hidden()
        expect(page.locator(".live-status")).to_contain_text("Updated at")
    finally:
        context.close()
