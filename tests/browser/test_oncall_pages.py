"""My pages in a real browser: the person on call sees the page the sweep sent them,
acknowledges it with its button, copies their shifts' calendar link and resets it — at a
laptop's width and a phone's, with no console error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.browser.session import STAFF_LANDING, sign_in
from tests.oncall.paging import london_team, open_sev1, sweep

pytestmark = pytest.mark.browser

OPENED = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)


@pytest.fixture(scope="module")
def paged(browser_app):
    """The seeded escalation manager, alone on call, paged about a Sev 1 breached just now."""
    app, seeded = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test setup: a page"))
        manager = session.scalar(select(User).where(User.email == seeded.staff_email))
        london_team([manager], starts_on=date(2026, 1, 5))
        escalation = open_sev1(factories.make_organization(), factories.make_staff(), OPENED)
        reference = escalation.reference
        sweep(OPENED + timedelta(minutes=15))
        session.commit()
    return reference


@pytest.mark.parametrize("width", [1280, 390])
def test_the_person_paged_acknowledges_and_keeps_their_shifts_link(
        page, page_errors, seeded, live_server, paged, width):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    page.goto("/admin/on-call/pages")
    page.wait_for_load_state("load")
    row = page.locator("#oncall-pages tbody tr").filter(has_text=paged)
    acknowledge = row.get_by_role("button", name="Acknowledge")
    if acknowledge.count():  # whichever width runs first acknowledges; the other sees it done
        expect(row).to_contain_text("Repeating")
        acknowledge.click()
        expect(page.locator(".flash").first).to_contain_text("Page acknowledged")
    expect(page.locator("#oncall-pages tbody tr").filter(has_text=paged)).to_contain_text(
        "Acknowledged")

    create = page.locator("#my-shifts").get_by_role("button", name="Create my shifts link")
    if create.count():
        create.click()
    link = page.get_by_label("My shifts (iCalendar)")
    expect(link).to_be_visible()
    old = link.input_value()
    assert old.endswith("/shifts.ics")
    page.locator("#my-shifts").get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == old
    path = old.split("://", 1)[1].split("/", 1)[1]
    assert page.request.get(f"{live_server}/{path}").status == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#my-shifts").get_by_role("button", name="Reset my shifts link").click()
    expect(page.get_by_label("My shifts (iCalendar)")).not_to_have_value(old)
    assert page.request.get(f"{live_server}/{path}").status == 404
    width_now = page.evaluate("document.documentElement.scrollWidth")
    assert width_now <= width
    assert page_errors == []
