"""The API token page and the API reference in a real browser: the token is shown once, and
Swagger UI draws the generated document under the app's strict CSP (no CDN, no inline script).

Set CLEARPATH_SCREENSHOTS=<dir> to keep the screenshots (the README's comes from here).
"""

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
from tests.browser.session import STAFF_LANDING, open_admin_page, sign_in

pytestmark = pytest.mark.browser


def _administrator_email(app) -> str:
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("browser test lookup"))
        return db.session.scalar(select(User.email).where(User.role == Role.ADMINISTRATOR))


def _keep(page, name: str) -> None:
    folder = os.environ.get("CLEARPATH_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_an_administrator_issues_a_token_and_reads_the_reference(browser_app, page,
                                                                 page_errors):
    """The new token appears once with its prefix listed; the reference draws every operation
    from the generated document, with no console errors (CSP included)."""
    app, _ = browser_app
    sign_in(page, _administrator_email(app), landing=STAFF_LANDING)
    open_admin_page(page, "API tokens")
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Helpdesk sync")
    page.get_by_label("Read escalations, timelines, plans, handoffs and reviews").check()
    page.get_by_label("Post internal notes and customer updates").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator(".token-secret")
    expect(secret).to_contain_text("cp_live_")
    expect(page.locator("#api-tokens")).to_contain_text("Helpdesk sync")
    _keep(page, "api-tokens.png")
    open_admin_page(page, "API reference")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/escalations")
    _keep(page, "api-reference.png")
    assert page_errors == []
