"""An administrator in a real browser: SLA policy errors in place, deactivating a colleague
after confirming."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.browser.session import STAFF_LANDING, open_admin_page, sign_in


@pytest.fixture
def people(browser_app):
    app, _ = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: who to sign in as"))
        admin = session.scalar(select(User).where(User.role == Role.ADMINISTRATOR))
        agent = session.scalar(select(User).where(User.role == Role.AGENT))
        return {"admin": admin.email, "agent": agent.name}


@pytest.mark.browser
def test_a_bad_target_is_explained_in_place_and_a_good_one_saves(page, page_errors, people):
    """The message sits by the field and in the summary; the fixed value saves."""
    sign_in(page, people["admin"], landing=STAFF_LANDING)
    open_admin_page(page, "SLA policies")
    page.locator(".card-title a").first.click()
    page.get_by_role("link", name="Edit policy").click()
    page.get_by_label("Sev 2: Update every (minutes)").fill("0")
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("#sev2-update-error")).to_contain_text("from 1 to")
    expect(page.get_by_role("alert").first).to_contain_text("Sev 2, update every")
    page.get_by_label("Sev 2: Update every (minutes)").fill("180")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status").filter(has_text="is saved")).to_be_visible()
    expect(page.locator("#policy-organizations")).to_be_visible()
    # Chromium logs every non-2xx response; the 422 is the answer we asked for.
    assert [e for e in page_errors if "status of 422" not in e] == []


@pytest.mark.browser
def test_deactivating_asks_first_then_signs_them_out(page, page_errors, people):
    """The administrator confirms first; the row then offers to reactivate."""
    sign_in(page, people["admin"], landing=STAFF_LANDING)
    open_admin_page(page, "People")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name=f"Deactivate {people['agent']}").first.click()
    expect(page.get_by_role("status").filter(has_text="deactivated")).to_be_visible()
    assert asked and people["agent"] in asked[0]
    expect(page.get_by_role("button", name=f"Reactivate {people['agent']}").first).to_be_visible()
    assert page_errors == []
