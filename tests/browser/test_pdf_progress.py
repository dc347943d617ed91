"""Report PDFs prepared in the background, in a real browser: the progress page turns into the
download without a reload, and buttons that take time say what they are doing.

The browser app has no render threads (TestConfig): each test runs the render jobs itself, as
the scheduler's `prepare-reports` job does, so the page is seen waiting first."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.enums import Role
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.reports import operations as reports
from portal.reports.jobs import prepare_reports
from portal.tenancy import Scope, set_scope
from tests.browser.session import CUSTOMER_LANDING, STAFF_LANDING, sign_in
from tests.reports.conftest import publish, resolve


@pytest.fixture(scope="module")
def report(browser_app, tmp_path_factory) -> dict:
    """Version 1 of escalation A's review published; version 2 waiting for publication."""
    app, seeded = browser_app
    app.config["REPORT_CACHE_DIR"] = str(tmp_path_factory.mktemp("report-cache"))
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test setup"))
        manager = session.scalar(select(User).where(User.email == seeded.staff_email))
        escalation = session.get(Escalation, Escalation.id_from_reference(seeded.reference))
        resolve(escalation, manager)
        review = publish(escalation, manager)
        reports.save_review(review, actor=manager, values={"lessons_learned": "Renew early."})
        reports.submit_review(review, actor=manager)
        executive = session.scalar(
            select(User).where(
                User.organization_id == escalation.organization_id, User.role == Role.EXECUTIVE
            )
        )
        facts = {"executive": executive.email, "escalation_id": escalation.id}
        session.commit()
    return facts


def _run_render_jobs(app) -> int:
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("browser test: the scheduler's job"))
        ran = prepare_reports()
        db.session.commit()
        return ran


@pytest.mark.browser
def test_the_progress_page_turns_into_the_download(
    page, page_errors, browser_app, seeded, report, tmp_path
):
    """An executive asks for a report not made yet: the button says it is preparing, a page
    shows the progress, and the download starts by itself once ready, on the same page."""
    app, _ = browser_app
    sign_in(page, report["executive"], landing=CUSTOMER_LANDING)
    page.goto(f"/escalations/{seeded.reference}/report")
    button = page.get_by_role("link", name="Download the PDF")
    button.click()
    expect(page.get_by_role("heading", name="Preparing the PDF", level=1)).to_be_visible()
    page.wait_for_load_state("load")
    box = page.locator("[data-progress]")
    expect(box).to_have_attribute("data-state", "queued")
    expect(page.get_by_text("Waiting for a renderer")).to_be_visible()
    page.evaluate("window.__stillTheSamePage = true")
    for width, name in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
        page.screenshot(path=tmp_path / f"preparing-{name}.png", full_page=True)
    with page.expect_download() as download:
        assert _run_render_jobs(app) == 1
    assert download.value.suggested_filename == f"{seeded.reference}-post-incident-report-v1.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    expect(box).to_have_attribute("data-state", "done")
    expect(page.get_by_role("status")).to_contain_text("the download has started")
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage === true")  # no reload
    page.screenshot(path=tmp_path / "ready.png", full_page=True)
    assert [e for e in page_errors if "status of 202" not in e] == []


@pytest.mark.browser
def test_publish_is_disabled_while_it_works_and_says_so(
    page, page_errors, browser_app, seeded, report
):
    """Publishing disables its button with "Publishing…" at once, then shows the PDF being
    made, and lands on the review, published, once it is."""
    app, _ = browser_app
    sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
    page.goto(f"/admin/escalations/{report['escalation_id']}/review/publish")
    page.wait_for_load_state("load")
    page.get_by_label("I have read the report", exact=False).check()
    held = []
    page.route(
        "**/review/publish",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    button = page.get_by_role("button", name="Publish to the customer")
    button.click()
    busy = page.get_by_role("button", name="Publishing…")
    expect(busy).to_be_disabled()
    expect(busy).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    expect(
        page.get_by_role("heading", name="Publishing: the PDF is being made first")
    ).to_be_visible()
    assert _run_render_jobs(app) == 1
    expect(page.get_by_text("Version 2 published")).to_be_visible()
    expect(page.get_by_role("heading", name="Post-incident review")).to_contain_text("Published")
    assert [e for e in page_errors if "status of 202" not in e] == []


@pytest.mark.browser
def test_a_publication_whose_pdf_fails_says_why_on_the_page(
    page, page_errors, browser_app, seeded, report, tmp_path
):
    """With the render limit set below any render, Publish shows the PDF being made, then
    says in place that nothing was published and why."""
    from portal.reports.models import Review, ReviewState
    from portal.reports.rendering import RENDER_TIMEOUT_SECONDS
    from portal.settings import set_setting

    app, _ = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test setup"))
        manager = session.scalar(select(User).where(User.email == seeded.staff_email))
        review = session.scalar(
            select(Review).where(Review.escalation_id == report["escalation_id"])
        )
        if review.state != ReviewState.IN_REVIEW:
            reports.save_review(review, actor=manager, values={"lessons_learned": "Again."})
            reports.submit_review(review, actor=manager)
        set_setting(RENDER_TIMEOUT_SECONDS[0], 0.01, actor=None)
        session.commit()
    try:
        sign_in(page, seeded.staff_email, landing=STAFF_LANDING)
        page.goto(f"/admin/escalations/{report['escalation_id']}/review/publish")
        page.wait_for_load_state("load")
        page.get_by_label("I have read the report", exact=False).check()
        page.get_by_role("button", name="Publish to the customer").click()
        expect(
            page.get_by_role("heading", name="Publishing: the PDF is being made first")
        ).to_be_visible()
        assert _run_render_jobs(app) == 1
        expect(page.locator("[data-progress]")).to_have_attribute("data-state", "failed")
        expect(page.get_by_role("alert")).to_contain_text("took longer than 0.01 seconds")
        expect(page.get_by_role("alert")).to_contain_text("nobody was told")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Not published: the PDF could not be made")
        for width, name in ((1280, "desktop"), (390, "phone")):
            page.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
            page.screenshot(path=tmp_path / f"refused-{name}.png", full_page=True)
        page.goto(f"/admin/escalations/{report['escalation_id']}/review")
        expect(page.get_by_role("alert")).to_contain_text("was not published")
        page.screenshot(path=tmp_path / "refused-tab.png", full_page=True)
    finally:
        with app.app_context():
            set_scope(db.session(), Scope.unscoped("browser test teardown"))
            set_setting(RENDER_TIMEOUT_SECONDS[0], 20, actor=None)
            db.session.commit()
    assert [e for e in page_errors if "status of 202" not in e] == []
