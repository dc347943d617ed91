"""Idle means idle: a live page left open is signed out when the idle limit passes, although
it polls all along, and the page itself goes to sign-in and says why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.polling import POLL_TIMEOUT_MS, next_poll
from tests.browser.session import CUSTOMER_LANDING, enter_credentials, sign_in

POLL_INTERVAL_SECONDS = 1
IDLE_SECONDS = 8  # a shortened idle limit: about eight polls fit in it
APP_SETTINGS = {"SESSION_IDLE_TIMEOUT": timedelta(seconds=IDLE_SECONDS)}


@pytest.mark.browser
def test_a_dashboard_left_open_goes_to_sign_in_when_the_idle_limit_passes(page, seeded):
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    # The page keeps polling (and each poll is answered as the signed-in customer)...
    first = next_poll(page, "/escalations")
    assert first.status in (200, 304)
    assert first.request.headers.get("x-clearpath-background") == "poll"
    # ...yet nobody touches it: the first poll after the limit takes the page to sign-in.
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fescalations$"),
                             timeout=POLL_TIMEOUT_MS)
    expect(page.get_by_text(
        f"You were signed out after {IDLE_SECONDS} seconds without activity.")).to_be_visible()
    # Signing in again returns to the page that was open.
    enter_credentials(page, seeded.viewer_email)
    expect(page.get_by_role("heading", name=CUSTOMER_LANDING, level=1)).to_be_visible()
