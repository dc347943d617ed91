"""Single sign-on in a real browser, against the real test provider on loopback: the email
first, "Continue with single sign-on", the provider's page, and back signed in; and the
console page where an administrator sets it up.

Set PORTAL_SCREENSHOT_DIR=docs/screenshots to refresh the README's screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.accounts.single_sign_on.configuration import (
    ProviderInput,
    configure_organization_provider,
)
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.browser.session import CUSTOMER_LANDING, STAFF_LANDING, open_admin_page, sign_in
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, TestProvider

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def idp(live_server):
    provider = TestProvider().start()
    provider.allow_redirect(f"{live_server}/login/sso/callback")
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def acme(browser_app, idp):
    """Acme's provider, for its people's domain; returns (domain, administrator's email)."""
    app, seeded = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: single sign-on setup"))
        organization = session.scalar(select(Organization).where(
            Organization.name == seeded.organization))
        admin = session.scalar(select(User).where(User.role == Role.ADMINISTRATOR))
        domain = seeded.viewer_email.rpartition("@")[2]
        configure_organization_provider(organization, ProviderInput(
            issuer=idp.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
            domains=domain, default_role=Role.VIEWER), actor=admin)
        session.commit()
        return domain, admin.email


def _shots(tmp_path) -> Path:
    return Path(os.environ.get("PORTAL_SCREENSHOT_DIR") or tmp_path)


def _both_widths(page, path: Path, name: str) -> None:
    page.screenshot(path=path / f"{name}.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=path / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_a_new_person_signs_in_through_single_sign_on(page, page_errors, browser_app, acme,
                                                      tmp_path):
    """Email, Continue with single sign-on, the provider's page, back on the escalations —
    and the person now exists, as a viewer of their organization."""
    domain, _ = acme
    email = f"grace.hopper@{domain}"
    shots = _shots(tmp_path)
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in to Clearpath")).to_be_visible()
    _both_widths(page, shots, "sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(f"Signing in as {email}")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    _both_widths(page, shots, "sign-in-single-sign-on")
    page.get_by_role("button", name="Continue with single sign-on").click()

    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)  # the login hint came along
    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_role("button", name="Sign in and allow").click()

    expect(page.get_by_role("heading", name=CUSTOMER_LANDING, level=1)).to_be_visible()
    expect(page.get_by_text("Grace")).to_be_visible()
    app, _ = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: check"))
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None and user.role == Role.VIEWER and user.name == "Grace Hopper"
    assert page_errors == []


@pytest.mark.browser
def test_an_administrator_sets_up_single_sign_on_in_the_console(page, page_errors, acme,
                                                                seeded, tmp_path):
    """From the organization's page to its single sign-on settings; a bad domain is
    explained in place; the secret is never shown back."""
    _, admin_email = acme
    sign_in(page, admin_email, landing=STAFF_LANDING)
    open_admin_page(page, "Organizations")
    expect(page.get_by_role("heading", name="Organizations", level=1)).to_be_visible()
    page.get_by_role("main").get_by_role("link", name=seeded.organization, exact=True).click()
    expect(page.get_by_role("heading", name=seeded.organization, level=1)).to_be_visible()
    expect(page.locator("#single-sign-on-summary")).to_contain_text("On for")
    page.locator("#single-sign-on-summary").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
    expect(page.get_by_label("Client secret")).to_have_value("")
    expect(page.get_by_text("The stored one ends in …ssss")).to_be_visible()
    _both_widths(page, _shots(tmp_path), "single-sign-on")
    page.get_by_label("Allowed email domains").fill("not a domain!")
    page.get_by_role("button", name="Save single sign-on").click()
    expect(page.locator("#domains-error")).to_contain_text("is not an email domain")
    # Chromium logs every non-2xx response; the 422 is the answer we asked for.
    assert [e for e in page_errors if "status of 422" not in e] == []
