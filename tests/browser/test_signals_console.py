"""Monitoring integrations in a real browser: an escalation manager creates one, copies the
token shown once, maps it to a customer; alerts posted with the token open an escalation,
and the console shows what each signal did and that monitoring says it is resolved."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.session import STAFF_LANDING, sign_in


def _post(live_server: str, token: str, **fields) -> dict:
    body = {"source": "nagios", "dedupe_key": "checkout-5xx", "status": "firing",
            "title": "Checkout answers 5xx", "description": "error rate 14% on web-3",
            "severity": "high", "labels": {"service": "checkout", "env": "prod"}} | fields
    response = httpx.post(f"{live_server}/api/v1/signals/generic", json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 202, response.text
    return response.json()["signals"][0]


@pytest.mark.browser
def test_create_map_and_watch_an_integration(page, page_errors, seeded, live_server,
                                             tmp_path):
    """The token is shown once; after mapping, two firings and a resolve show on the
    integration page, and the escalation page asks "Monitoring says resolved — resolve?"."""
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    page.goto(f"{live_server}/admin/integrations")  # the bar or the Administration menu
    page.get_by_role("link", name="New integration").click()
    page.get_by_label("Name").fill("Shop monitoring")
    page.get_by_label("Sends").select_option(label="Generic JSON")
    page.get_by_role("button", name="Create integration").click()
    secret = page.locator("#credential-once code")
    expect(secret).to_have_text(re.compile(r"^cps_"))
    token = secret.inner_text()

    page.get_by_label("Mapping rules").fill(
        'service=checkout -> product_area="Web shop" severity=1')
    choice = page.locator("#default_organization option", has_text=seeded.organization)
    page.get_by_label("Default organization").select_option(label=choice.inner_text())
    page.get_by_role("button", name="Save mapping").click()
    expect(page.locator("#credential-once")).to_have_count(0)  # never shown again

    opened = _post(live_server, token)
    _post(live_server, token)
    _post(live_server, token, status="resolved")
    page.reload()
    signals = page.locator("#recent-signals")
    expect(signals).to_contain_text("opened an escalation")
    expect(signals).to_contain_text("added to the open escalation")
    expect(signals).to_contain_text("proposed resolution")
    page.screenshot(path=str(tmp_path / "signals-integration.png"), full_page=True)

    signals.get_by_role("link").first.click()
    banner = page.locator("#signal-banner")
    expect(banner).to_contain_text("Monitoring says resolved — resolve?")
    page.screenshot(path=str(tmp_path / "signals-escalation.png"), full_page=False)
    assert opened["outcome"] == "opened"
    assert page_errors == []
