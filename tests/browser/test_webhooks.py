"""A customer admin adds a webhook endpoint in a real browser and sees its secret once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.browser.session import CUSTOMER_LANDING, sign_in

# Set to a folder (docs/screenshots) to refresh the README's screenshot from this test.
SCREENSHOTS = os.environ.get("CLEARPATH_SCREENSHOTS")


@pytest.fixture(scope="module")
def customer_admin(browser_app) -> str:
    app, seeded = browser_app
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("browser test: whom to sign in"))
        return db.session.scalar(select(User.email).where(
            User.role == Role.CUSTOMER_ADMIN,
            User.email.endswith(seeded.viewer_email.split("@", 1)[1])).order_by(User.id))


@pytest.mark.browser
def test_a_customer_admin_adds_an_endpoint_and_sees_the_secret_once(
        page, page_errors, customer_admin, tmp_path):
    """Webhooks → fill the form → the secret is shown to copy; on the next visit it is gone."""
    sign_in(page, customer_admin, landing=CUSTOMER_LANDING)
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Ops on-call bridge")
    page.get_by_label("URL").fill("https://93.184.215.14/clearpath")
    page.get_by_label("The severity changes").uncheck()
    page.get_by_role("button", name="Add endpoint").click()

    secret_box = page.get_by_role("textbox", name="Signing secret")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("whsec_") and len(secret) > 40
    row = page.locator("#webhook-endpoints tbody tr").first
    expect(row).to_contain_text("Ops on-call bridge")
    expect(row).not_to_contain_text("The severity changes")
    page.screenshot(path=tmp_path / "webhooks.png", full_page=True)
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / "webhooks.png", full_page=True)

    page.get_by_role("link", name="Ops on-call bridge").click()
    expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_text(f"…{secret[-4:]}").first).to_be_visible()
    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_text("A test event is on its way")).to_be_visible()
    expect(page.locator("#webhook-deliveries tbody tr").first).to_contain_text("ping")
    page.screenshot(path=tmp_path / "endpoint.png", full_page=True)
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / "webhook-endpoint.png", full_page=True)
    assert page_errors == []
