"""Staff analytics in a real browser, at desktop and phone width: no axe-core violation (with
every chart's table and the filters open), nothing wider than the screen, and the filter works
from the folded summary."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.analytics.dataset import SINCE, UNTIL, seed_half_year
from tests.browser.session import STAFF_LANDING, sign_in
from tests.conftest import BROWSER_TIMEOUT_MS as TIMEOUT_MS

PAGE = f"/admin/analytics?since={SINCE}&until={UNTIL}"
WIDTHS = [(1280, 800), (390, 844)]


@pytest.fixture(scope="module")
def manager_email(browser_app) -> str:
    """A half-year of escalation work in the browser app; the escalation manager's email."""
    app, _ = browser_app
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: analytics data"))

        def one(role, organization_id=None):
            query = select(User).where(User.role == role).order_by(User.id)
            if organization_id is not None:
                query = query.where(User.organization_id == organization_id)
            return session.scalar(query)

        org_a, org_b = session.scalars(select(Organization).order_by(Organization.id)).all()[:2]
        staff = {role: one(role) for role in (Role.AGENT, Role.ESCALATION_MANAGER)}
        world = SimpleNamespace(
            staff=staff,
            org_a=org_a,
            org_b=org_b,
            customers_a={Role.VIEWER: one(Role.VIEWER, org_a.id)},
            customers_b={Role.VIEWER: one(Role.VIEWER, org_b.id)},
        )
        seed_half_year(world, count=24)
        session.commit()
        return staff[Role.ESCALATION_MANAGER].email


@pytest.fixture(scope="module")
def staff_context(browser, live_server, manager_email):
    """One signed-in browser context for the module (signing in per test would meet the
    sign-in rate limit); each test opens its own page in it."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    first = context.new_page()
    sign_in(first, manager_email, landing=STAFF_LANDING)
    first.close()
    yield context
    context.close()


@pytest.fixture
def staff_page(staff_context):
    page = staff_context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    page.close()


def _no_violations(page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_analytics_page_is_accessible_and_fits(staff_page, width, height):
    page = staff_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(PAGE)
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Escalations opened per month")).to_be_visible()
    _fits(page, width)
    _no_violations(page)
    _fits(page, width)
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_grouping_from_the_folded_filters_shows_the_groups(staff_page, width, height):
    page = staff_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(PAGE)
    page.get_by_text("Filter and group").click()
    page.get_by_label("Group by").select_option("owner")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="By owner over the period")).to_be_visible()
    expect(page.get_by_text("· by owner")).to_be_visible()
    _fits(page, width)
    _no_violations(page)


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_a_refused_ticket_volume_is_explained_by_its_field(staff_page, width, height):
    page = staff_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/admin/analytics/ticket-volumes")
    page.get_by_label("Organization").select_option(index=1)
    page.get_by_label("Support tickets raised that month").fill("-3")
    page.get_by_role("button", name="Save ticket volume").click()
    expect(page.locator("#tickets-error")).to_contain_text("Give a whole number from 0")
    _fits(page, width)
    _no_violations(page)
