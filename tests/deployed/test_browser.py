"""The same deployment in Chromium: what a customer and an executive do, through gunicorn
(its headers, its workers, the CSP the app sends), with no fixed waits."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.polling import polls_after_now
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.deployed.pdf import pdf_text


@pytest.fixture
def page(browser, deployment) -> Iterator:
    context = browser.new_context(base_url=deployment.base_url, accept_downloads=True,
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    try:
        yield page
    finally:
        context.close()


def _sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()  # the email first
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_a_customer_signs_in_reads_and_comments_in_chromium(deployment, page):
    """In Chromium: sign in, see the dashboard, post a comment that tops the timeline."""
    facts = deployment.facts
    _sign_in(page, facts["customer"], facts["password"])
    expect(page.get_by_role("heading", name="Open escalations", level=1)).to_be_visible()
    reference = facts["update"]["reference"]
    expect(page.get_by_text(reference).first).to_be_visible()

    page.goto(f"/escalations/{reference}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    text = f"Can we get a call at 15:00 CET? ({time.time_ns()})"
    page.get_by_label("Comment or question").fill(text)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status").filter(has_text="Your comment is on the timeline")
           ).to_be_visible()
    expect(page.locator("#timeline .timeline-item").first).to_contain_text(text)
    assert page.errors == []


@pytest.mark.browser
def test_an_executive_downloads_the_report_pdf_in_chromium(deployment, page):
    """In Chromium: the report page's download button saves the PDF of the review."""
    facts = deployment.facts
    report = facts["published"]
    _sign_in(page, facts["executive"], facts["password"])
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"/escalations/{report['reference']}/report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    saved = download.value
    assert saved.failure() is None
    assert saved.suggested_filename.endswith(".pdf")
    assert report["title"] in pdf_text(Path(saved.path()).read_bytes())
    assert page.errors == []


# The deployment polls at production's interval (15 s): an update shows at the next poll; a
# loaded machine may poll late, so the wait allows two polls and more.
NEXT_POLLS_MS = 2 * 15_000 + BROWSER_TIMEOUT_MS


@pytest.mark.browser
def test_an_open_escalation_page_shows_a_staff_update_by_itself(deployment, page, signed_in):
    """A customer keeps the escalation page open in Chromium while staff post through
    gunicorn's other workers: an internal note changes nothing on it; the customer update
    appears without a reload, highlighted and announced (the production poll interval)."""
    facts = deployment.facts
    escalation = facts["update"]
    path = f"/escalations/{escalation['reference']}"
    _sign_in(page, facts["customer"], facts["password"])
    expect(page.get_by_role("heading", name="Open escalations", level=1)).to_be_visible()
    page.goto(path)
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    page.evaluate("window.__marker = 1")
    staff = signed_in(facts["publisher"])

    note = f"Internal: db-07 looks suspicious ({time.time_ns()})"
    staff.post_to_timeline(escalation["id"], "internal", note)
    polls_after_now(page, path)
    expect(page.locator("#timeline .timeline-item.row-changed")).to_have_count(0)

    body = f"The fix is rolled out in every region; error rates are back to normal. " \
           f"({time.time_ns()})"
    staff.post_to_timeline(escalation["id"], "customer", body)
    # Highlighted for a few seconds when it arrives: wait on the two together.
    arrived = page.locator("#timeline .timeline-item.row-changed").filter(has_text=body)
    expect(arrived).to_have_count(1, timeout=NEXT_POLLS_MS)
    expect(page.locator("#timeline .timeline-item").first).to_contain_text(body)
    expect(page.locator("#live-announcer")).to_have_text(
        re.compile(r"^New on the timeline, from .+\.$"))
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    assert note not in page.content()
    assert page.errors == []
