"""The live dashboard in a real browser: it refreshes itself, and filters without reloading."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.enums import Visibility
from tests.browser.polling import POLL_TIMEOUT_MS, next_poll, polls_after_now
from tests.browser.session import CUSTOMER_LANDING, sign_in
from tests.browser.staff import post_as_owner
from tests.factories import CANARY

POLL_INTERVAL_SECONDS = 1  # the suite's browser app polls every second: changes show quickly


@pytest.mark.browser
def test_a_watched_row_changes_without_a_reload(page, page_errors, browser_app, seeded):
    """A customer watches the dashboard; staff post an update; the row shows it, highlighted,
    and the page never reloads. Unchanged polls answer 304 and leave the rows alone."""
    app, _ = browser_app
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    row = page.locator(f"#escalation-{seeded.reference}")
    excerpt = row.locator(".dash-excerpt")
    expect(excerpt).to_have_text(re.compile("We are investigating"))
    page.evaluate("window.__marker = 1")

    # Unchanged polls come back 304; the rows stay and "updated" keeps counting from then.
    next_poll(page, "/escalations", status=304)
    expect(row).to_be_visible()
    expect(page.locator("[data-live-updated]")).to_have_text(
        re.compile(r"^(just now|\d+ seconds ago)$"))

    # An internal note is not news to the customer: nothing changes on their screen.
    post_as_owner(app, seeded.reference, f"{CANARY} looking at db-07", Visibility.INTERNAL)
    polls_after_now(page, "/escalations")
    expect(excerpt).to_have_text(re.compile("We are investigating"))
    expect(row).not_to_have_class(re.compile("row-changed"))

    post_as_owner(app, seeded.reference, "Root cause found: a **bad deploy**. Rolling back.",
                   Visibility.CUSTOMER)
    expect(excerpt).to_have_text("Root cause found: a bad deploy. Rolling back.")
    expect(row).to_have_class(re.compile(r"\brow-changed\b"))
    expect(page.locator("#live-announcer")).to_have_text(f"{seeded.reference} has changed.")
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    assert CANARY not in page.content()
    # The highlight is for a moment only.
    expect(row).not_to_have_class(re.compile(r"\brow-changed\b"))
    assert page_errors == []


@pytest.mark.browser
def test_filters_apply_without_a_reload_and_keep_the_url(page, page_errors, seeded,
                                                         live_server):
    """Choosing a filter or typing a search narrows the list in place; the address bar keeps
    the filter; links in the list still lead to their pages."""
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    page.evaluate("window.__marker = 1")
    row = page.locator(f"#escalation-{seeded.reference}")
    expect(row).to_be_visible()

    page.get_by_label("Severity").select_option("4")
    expect(page.get_by_text("No open escalations match these filters")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]severity=4\b"))
    page.get_by_role("link", name="Clear filters").first.click()
    expect(row).to_be_visible()

    page.get_by_label("Search").fill("checkout")
    expect(row).to_be_visible()
    page.get_by_label("Search").fill("no such thing")
    expect(row).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=no(\+|%20)such(\+|%20)thing"))
    assert page.evaluate("window.__marker") == 1, "the page reloaded"

    # A title inside the live rows still opens the escalation page as a page of its own.
    page.get_by_role("link", name="Clear filters").first.click()
    page.get_by_role("link", name=re.compile(rf"^{seeded.reference}\b")).click()
    expect(page).to_have_url(f"{live_server}/escalations/{seeded.reference}")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("#dashboard-rows")).to_have_count(0)
    assert page_errors == []


@pytest.mark.browser
def test_a_poll_never_swaps_a_link_away_from_under_a_press(page, page_errors, browser_app,
                                                          seeded, live_server):
    """A customer presses a row's link just as a poll brings a change: the region is not
    swapped while the button is down (the click would be lost), so releasing it opens the
    escalation page; a press that opens nothing lets the change in once it is over."""
    app, _ = browser_app
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    row = page.locator(f"#escalation-{seeded.reference}")
    expect(row).to_be_visible()
    page.evaluate("""() => document.addEventListener("htmx:beforeSwap", (e) => {
        if (e.detail.elt.id === "dashboard-rows" && e.detail.xhr.status === 200)
            window.__changedPolls = (window.__changedPolls || 0) + 1;
    })""")

    def press_while_a_change_arrives(target, body: str) -> None:
        box = target.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        post_as_owner(app, seeded.reference, body, Visibility.CUSTOMER)
        page.wait_for_function("() => window.__changedPolls >= 1", timeout=POLL_TIMEOUT_MS)
        page.evaluate("window.__changedPolls = 0")

    # Pressed on the row's "Open for" line (no link): nothing opens; the change comes in
    # after.
    press_while_a_change_arrives(row.locator(".dash-meta"), "Rollback under way.")
    expect(row.locator(".dash-excerpt")).not_to_have_text("Rollback under way.")
    page.mouse.up()
    expect(row.locator(".dash-excerpt")).to_have_text("Rollback under way.")

    # Pressed on the title link: the release opens the escalation page.
    link = page.get_by_role("link", name=re.compile(rf"^{seeded.reference}\b"))
    press_while_a_change_arrives(link, "Rollback finished; watching error rates.")
    page.mouse.up()
    expect(page).to_have_url(f"{live_server}/escalations/{seeded.reference}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    assert page_errors == []
