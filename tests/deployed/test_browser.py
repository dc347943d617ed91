"""The same deployment in Chromium: what a customer and an executive do, through gunicorn
(its headers, its workers, the CSP the app sends), with no fixed waits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

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
