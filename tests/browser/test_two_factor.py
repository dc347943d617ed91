"""Two-factor sign-in in a real browser: enrolment right after the password, then a code.

The live server runs in this process, so `frozen_at` moves its clock too: the second sign-in
happens one TOTP step later without waiting for the real one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from portal.clock import frozen_at
from tests.browser.session import enter_credentials

T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True, scope="module")
def _enforced(browser_app):
    """Production's rule (TestConfig turns the requirement off for the other modules)."""
    app, _ = browser_app
    app.config["TWO_FACTOR_ENFORCE_REQUIRED"] = True
    yield
    app.config["TWO_FACTOR_ENFORCE_REQUIRED"] = False


def _password_step(page, email: str) -> None:
    page.goto("/login")
    enter_credentials(page, email)


@pytest.mark.browser
def test_escalation_manager_enrols_then_signs_in_again_with_a_code(page, page_errors, seeded,
                                                                   live_server):
    """Password → enrolment (QR code and key) → ten recovery codes → the console; signed out
    and back in, the code page takes a code from the app."""
    with frozen_at(T0):
        _password_step(page, seeded.staff_email)
        expect(page).to_have_url(f"{live_server}/login/two-factor")
        expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
        expect(page.locator(".qr-code svg")).to_be_visible()
        page.goto("/admin/")  # no way around it
        expect(page).to_have_url(f"{live_server}/login/two-factor")

        secret = page.locator("#manual-key").inner_text().replace(" ", "")
        page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).at(T0))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()

        expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        expect(page.get_by_role("link", name="Download")).to_be_visible()
        expect(page.get_by_role("button", name="Print")).to_be_visible()  # the script ran
        page.get_by_role("button", name="I have saved my recovery codes").click()
        expect(page.get_by_role("heading", name="Escalation queue", level=1)).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{live_server}/login")

    later = T0 + timedelta(seconds=30)
    with frozen_at(later):
        _password_step(page, seeded.staff_email)
        expect(page).to_have_url(f"{live_server}/login/code")
        page.get_by_label("Authentication code").fill("000000")
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#code-error")).to_contain_text("That code is not right")
        page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(later))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="Escalation queue", level=1)).to_be_visible()
        expect(page).to_have_url(re.compile(re.escape(f"{live_server}/admin/") + "$"))
    # The wrong code's 422 is the browser's only complaint (no CSP violation, no script error).
    assert [e for e in page_errors if "status of 422" not in e] == []
