"""Signing in and out in a real browser."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_customer_signs_in_sees_their_escalations_and_signs_out(page, page_errors, seeded,
                                                                 live_server, tmp_path):
    """A customer signs in, sees their open escalations, signs out, and is locked out again."""
    page.goto("/login")
    page.get_by_label("Email").fill(seeded.viewer_email)
    page.get_by_role("button", name="Continue").click()  # the email first
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/escalations")
    expect(page.get_by_role("heading", name="Open escalations", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"^{seeded.reference}\b"))).to_be_visible()
    expect(page.get_by_text(seeded.foreign_reference)).to_have_count(0)
    page.screenshot(path=tmp_path / "landing.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Sign in to Clearpath")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    page.goto("/escalations")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login") + r"(\?|$)"))
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    assert page_errors == []
