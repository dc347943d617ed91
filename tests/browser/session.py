"""Signing in through the real sign-in form, and waiting until the landing page can be used."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories import PASSWORD

CUSTOMER_LANDING = "Open escalations"
STAFF_LANDING = "Escalation queue"


def sign_in(page, email: str, *, landing: str, password: str = PASSWORD) -> None:
    """Sign in as `email` and wait on the landing page's `landing` heading and its scripts.

    The heading is drawn before the deferred scripts run: a change made on the page before
    htmx has attached itself would be a plain, unheard DOM event. The page's load event
    comes after the deferred scripts and htmx's own start-up, so the test waits for it.
    """
    page.goto("/login")
    enter_credentials(page, email, password)
    expect(page.get_by_role("heading", name=landing, level=1)).to_be_visible()
    page.wait_for_load_state("load")


def enter_credentials(page, email: str, password: str = PASSWORD) -> None:
    """On the sign-in page: the email first, then the password (the two-step page)."""
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_admin_page(page, label: str) -> None:
    """Follow a console setup page's link: open the bar's Administration menu, then the link."""
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Administration").click()
    nav.get_by_role("link", name=label).click()
