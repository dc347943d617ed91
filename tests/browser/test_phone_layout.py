"""On a phone (390 × 844) the first escalation is on the first screen, the filters fold behind
"Filters (n active)", and the navigation is a "Menu" that shows every item; on a laptop
nothing is folded but the console's setup pages, which wait in its "Administration" menu. With
and without JavaScript."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.enums import Role
from tests.browser.demo_world import demo_app, sign_in_as
from tests.conftest import BROWSER_TIMEOUT_MS

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
#: Every item of the main navigation, per role (the demo's people).
MENU = {
    Role.ADMINISTRATOR: [
        "Queue",
        "New escalation",
        "My handoffs",
        "Approvals",
        "Broadcasts",
        "Analytics",
        # the Administration menu's, which continue the list on a phone
        "Organizations",
        "SLA policies",
        "Delivery",
        "People",
        "Priority",
        "Two-factor",
        "Rules",
        "Update templates",
        "Sent mail",
        "Audit log",
    ],
    Role.CUSTOMER_ADMIN: [
        "Open escalations",
        "History",
        "Reports",
        "Executive view",
        "Team",
        "Notifications",
    ],
}


@pytest.fixture(scope="module")
def browser_app(tmp_path_factory):
    """The demo world (this module's own app: a dashboard and a queue full of escalations).
    Its tests sign in more often than the sign-in limits allow one address a minute."""
    yield demo_app(tmp_path_factory.mktemp("phone") / "demo.sqlite3",
                   LOGIN_RATE_LIMIT="100 per minute", LOGIN_RATE_LIMIT_PER_EMAIL="100 per minute"
                   ), None


@pytest.fixture
def open_context(browser, live_server):
    """`open_context(viewport, javascript=True)` → a page in a context closed after the test."""
    contexts = []

    def make(viewport, *, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server, viewport=viewport, java_script_enabled=javascript
        )
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        context.route("**/favicon.svg", lambda route: route.fulfill(status=204))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _starting(label: str) -> re.Pattern:
    return re.compile("^" + re.escape(label) + r"\b")  # a count may follow ("2 waiting")


def _first_on_screen(page, selector: str) -> None:
    first = page.locator(selector).first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"{selector} ends at {box}"


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_first_escalation_is_on_a_phones_first_screen(open_context, javascript):
    """The customer's first card and the queue's first row show without scrolling."""
    page = open_context(PHONE, javascript=javascript)
    sign_in_as(page, Role.VIEWER)
    page.goto("/escalations")
    expect(page.locator("#dashboard-filters")).to_be_hidden()
    _first_on_screen(page, ".dash-card h2, .dash-card h3, .dash-card .ref")
    staff = open_context(PHONE, javascript=javascript)
    sign_in_as(staff, Role.ESCALATION_MANAGER)
    staff.goto("/admin/")
    expect(staff.locator("#queue-filters")).to_be_hidden()
    _first_on_screen(staff, "tr.queue-row th[scope=row] a")


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_filters_fold_and_count_what_was_set(open_context, javascript):
    """ "Filters (2 active)" opens the form with both choices kept; a laptop shows it open."""
    page = open_context(PHONE, javascript=javascript)
    sign_in_as(page, Role.VIEWER)
    page.goto("/escalations?severity=1&status=investigating&sort=newest")
    summary = page.locator("summary", has_text="Filters")
    expect(summary).to_have_text("Filters (2 active)")
    expect(page.get_by_label("Severity")).to_be_hidden()
    summary.click()
    expect(page.get_by_label("Severity")).to_have_value("1")
    expect(page.get_by_label("Status")).to_have_value("investigating")
    if javascript:  # under htmx only the results change: the count follows the form
        page.get_by_label("Status").select_option("")
        expect(summary).to_have_text("Filters (1 active)")
        page.get_by_label("Severity").select_option("")
        expect(summary).to_have_text("Filters")
    page.set_viewport_size(LAPTOP)
    page.goto("/escalations")
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()
    expect(page.get_by_label("Severity")).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize("role", list(MENU), ids=lambda role: role.value)
def test_the_menu_shows_every_item_on_a_phone(open_context, role):
    """One "Menu" button (keyboard too) opens a list where every item fits the screen."""
    page = open_context(PHONE)
    sign_in_as(page, role)
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.locator("summary", has_text="Menu")
    expect(nav.get_by_role("link", name=_starting(MENU[role][-1]))).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    for label in MENU[role]:
        link = nav.get_by_role("link", name=_starting(label))
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Enter")  # the summary still has the focus: the menu folds again
    expect(nav.get_by_role("link", name=_starting(MENU[role][-1]))).to_be_hidden()
    page.set_viewport_size(LAPTOP)
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name=_starting(MENU[role][0]))).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize("role", list(MENU), ids=lambda role: role.value)
def test_the_open_menu_and_filters_have_no_axe_violation(open_context, role):
    """axe-core finds nothing on a phone with the menu and the filters open."""
    page = open_context(PHONE)
    sign_in_as(page, role)
    page.goto("/admin/" if role == Role.ADMINISTRATOR else "/escalations")
    page.get_by_role("navigation", name="Main").locator("summary", has_text="Menu").click()
    page.locator("summary", has_text="Filters").click()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.browser
def test_the_console_bar_is_one_row_and_setup_pages_wait_in_a_menu(open_context):
    """On a laptop the administrator's bar is one row; "Administration" drops down the setup
    pages, and Escape or a click elsewhere closes it (Escape gives the focus back)."""
    page = open_context(LAPTOP)
    sign_in_as(page, Role.ADMINISTRATOR)
    nav = page.get_by_role("navigation", name="Main")
    work, setup = MENU[Role.ADMINISTRATOR][:6], MENU[Role.ADMINISTRATOR][6:]
    tops = {round(nav.get_by_role("link", name=_starting(label)).bounding_box()["y"])
            for label in work}
    assert len(tops) == 1, tops
    menu = nav.locator("summary", has_text="Administration")
    expect(nav.get_by_role("link", name=setup[0])).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    for label in setup:
        expect(nav.get_by_role("link", name=_starting(label))).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name=setup[0])).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    expect(nav.get_by_role("link", name=setup[-1])).to_be_visible()
    page.locator("h1").click()
    expect(nav.get_by_role("link", name=setup[-1])).to_be_hidden()
    menu.click()
    nav.get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile("/admin/audit"))
    expect(menu).to_have_class(re.compile(r"\bactive\b"))
