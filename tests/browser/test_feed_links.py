"""Feed links in a real browser: create them, copy one with the button, reset them over htmx
(after the confirmation), and the copied link is the feed a reader gets."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.session import CUSTOMER_LANDING, sign_in

pytestmark = pytest.mark.browser


def test_a_customer_creates_copies_and_resets_feed_links(page, page_errors, seeded,
                                                         live_server, tmp_path):
    """The Feeds card makes links, "Copy" puts one on the clipboard, "Reset feed links" (after
    the confirmation) swaps in new links and the old one stops working."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    sign_in(page, seeded.viewer_email, landing=CUSTOMER_LANDING)
    page.goto("/account/notifications")
    page.wait_for_load_state("load")
    card = page.locator("#feed-links")
    card.get_by_role("button", name="Create feed links").click()
    updates = page.get_by_label("Updates (Atom feed)")
    expect(updates).to_be_visible()
    old_link = updates.input_value()
    assert "/feeds/cpf_" in old_link and old_link.endswith("/updates.atom")
    card.get_by_role("button", name="Copy").first.click()
    expect(card.locator("[data-copied]")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == old_link
    path = old_link.split("://", 1)[1].split("/", 1)[1]
    assert page.request.get(f"{live_server}/{path}").status == 200

    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Reset feed links").click()
    expect(page.locator("#feed-links [role=status]").first).to_contain_text(
        "The old ones stopped working")
    new_link = page.get_by_label("Updates (Atom feed)").input_value()
    assert new_link != old_link
    assert page.request.get(f"{live_server}/{path}").status == 404
    assert page_errors == []
    # Last: a screenshot leaves empty style attributes behind, which a later htmx swap would
    # copy (and the CSP would refuse).
    page.goto("/account/notifications")
    page.locator("#feed-links").screenshot(path=tmp_path / "feed-links.png")
    page.screenshot(path=tmp_path / "feed-links-page.png", full_page=True)
