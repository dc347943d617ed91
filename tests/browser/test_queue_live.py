"""The staff queue in a real browser: it refreshes itself (304 when unchanged), highlights a
changed row, and filters without reloading."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.enums import Status
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.browser.polling import next_poll
from tests.browser.session import STAFF_LANDING, sign_in

POLL_INTERVAL_SECONDS = 1  # the suite's browser app polls every second: changes show quickly


def _acknowledge(app, reference: str) -> None:
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: staff acknowledges"))
        escalation = session.get(Escalation, Escalation.id_from_reference(reference))
        ops.change_status(escalation, Status.ACKNOWLEDGED,
                          actor=session.get(User, escalation.owner_id))
        session.commit()


@pytest.mark.browser
def test_the_queue_refreshes_itself_and_filters_in_place(page, page_errors, browser_app,
                                                         seeded):
    app, _ = browser_app
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    row = page.locator(f"#escalation-{seeded.reference}")
    expect(row).to_contain_text("New")
    page.evaluate("window.__marker = 1")

    next_poll(page, "/admin/", status=304)

    _acknowledge(app, seeded.reference)
    expect(row).to_contain_text("Acknowledged")
    expect(row).to_have_class(re.compile(r"\brow-changed\b"))
    expect(page.locator("#live-announcer")).to_have_text(f"{seeded.reference} has changed.")

    page.get_by_label("Search").fill(seeded.foreign_reference)
    expect(page.locator("#queue-rows tbody tr")).to_have_count(1)
    expect(page.locator(f"#escalation-{seeded.foreign_reference}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=ESC-"))
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    assert page_errors == []
