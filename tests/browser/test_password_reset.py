"""The whole password reset journey in Chromium, with the mail caught by a real SMTP server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.outreach import dispatch
from portal.tenancy import Scope, set_scope
from tests.browser.session import CUSTOMER_LANDING, sign_in
from tests.conftest import BROWSER_TIMEOUT_MS, free_port
from tests.notices.conftest import Mailbox, SmtpServer

NEW_PASSWORD = "violet kettle across the harbour"
SUBJECT = "Choose a new Clearpath password"


@pytest.fixture
def mail(browser_app, live_server):
    """A real SMTP server on loopback, and the browser app's mail pointed at it (links to the
    live server); `deliver()` runs the outbox's dispatcher as the scheduler would."""
    app, _ = browser_app
    server = SmtpServer("127.0.0.1", free_port(), Mailbox())
    server.start()
    saved = {key: app.config[key] for key in ("SMTP_HOST", "SMTP_PORT", "PUBLIC_URL")}
    app.config.update(SMTP_HOST=server.host, SMTP_PORT=server.port, PUBLIC_URL=live_server)

    def deliver():
        with app.app_context():
            set_scope(db.session(), Scope.unscoped("the dispatcher, as the scheduler runs it"))
            dispatch.dispatch_all()
        return server.mailbox.messages

    try:
        yield deliver
    finally:
        app.config.update(saved)
        server.stop()


@pytest.mark.browser
def test_forgot_password_mail_link_new_password_signed_out_elsewhere_sign_in(
        browser, page, page_errors, seeded, live_server, mail):
    """Forgot → the emailed link → a new password → the other browser is signed out → sign
    in with the new password."""
    elsewhere_context = browser.new_context(base_url=live_server)
    elsewhere_context.set_default_timeout(BROWSER_TIMEOUT_MS)
    elsewhere = elsewhere_context.new_page()
    try:
        sign_in(elsewhere, seeded.viewer_email, landing=CUSTOMER_LANDING)

        page.goto("/login")
        page.get_by_label("Email").fill(seeded.viewer_email)
        page.get_by_role("button", name="Continue").click()  # the email first
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
        page.get_by_label("Email").fill(seeded.viewer_email)
        page.get_by_role("button", name="Email me a link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

        [message] = [m for m in mail() if m["To"] == seeded.viewer_email
                     and m["Subject"] == SUBJECT]
        text = message.get_body(("plain",)).get_content()
        link = re.search(r"http\S+/password/reset/[^\s]+", text).group(0)
        assert link.startswith(live_server)

        page.goto(link)
        expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set my new password").click()
        expect(page).to_have_url(f"{live_server}/login")
        expect(page.get_by_role("status")).to_contain_text("every session of your account is "
                                                           "signed out")

        elsewhere.reload()
        expect(elsewhere).to_have_url(re.compile(re.escape(f"{live_server}/login")))
        expect(elsewhere.get_by_role("button", name="Continue")).to_be_visible()

        page.goto(link)
        expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()

        sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING, password=NEW_PASSWORD)
        expect(page).to_have_url(f"{live_server}/escalations")
        # The used link's 410 is the one error Chromium may log; nothing else (CSP, scripts).
        assert [e for e in page_errors if "status of 410" not in e] == []
    finally:
        elsewhere_context.close()
