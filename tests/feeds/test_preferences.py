"""The customer's feed links on their preferences page: create, copy, reset; shown to their
owner only."""

import re

import feedparser

from portal.enums import Role
from tests.conftest import csrf_token_from
from tests.feeds.conftest import updates_path

PAGE = "/account/notifications"
LINK = re.compile(r'value="http://127\.0\.0\.1:5000(/feeds/(cpf_[^/"]+)/updates\.atom)"')


def _token_on(html: str) -> str | None:
    match = LINK.search(html)
    return match.group(2) if match else None


def test_a_customer_creates_feed_links_and_subscribes(client, auth, world):
    """Before: a "Create feed links" button. After: the updates and calendar links, with copy
    buttons, and the link works in a feed reader."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Create feed links" in html and _token_on(html) is None
    created = client.post("/account/feeds", data={"csrf_token": csrf_token_from(html)})
    assert created.status_code == 302 and created.headers["Location"].endswith("#feed-links")
    html = client.get(PAGE).get_data(as_text=True)
    token = _token_on(html)
    assert token and f"/feeds/{token}/calendar.ics" in html
    assert 'data-copy-from="feed-updates"' in html and "js/copy-links.js" in html
    assert f"/feeds/{token}/escalations/{world.escalation_a.reference}.atom" in html
    assert client.get(PAGE).get_data(as_text=True).count(token) >= 2  # shown again, same
    client.post("/logout", data={"csrf_token": csrf_token_from(html)})
    feed = feedparser.parse(client.get(updates_path(token)).get_data())
    assert feed.feed.title.startswith("Acme Logistics")


def test_reset_from_the_page_replaces_the_links(client, auth, world, feed_token):
    """"Reset feed links" (htmx) answers the section with new links; the old ones are 404."""
    user = world.customers_a[Role.VIEWER]
    old = feed_token(user)
    auth.login(user.email)
    html = client.get(PAGE).get_data(as_text=True)
    assert _token_on(html) == old
    answer = client.post("/account/feeds/reset", data={"csrf_token": csrf_token_from(html)},
                         headers={"HX-Request": "true"})
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and fragment.startswith('<section id="feed-links"')
    assert "The old ones stopped working" in fragment
    new = _token_on(fragment)
    assert new and new != old
    assert client.get(updates_path(old)).status_code == 404
    assert client.get(updates_path(new)).status_code == 200


def test_a_change_without_the_csrf_token_is_refused(client, auth, world, feed_token):
    """A forged reset (no CSRF token) changes nothing."""
    user = world.customers_a[Role.VIEWER]
    token = feed_token(user)
    auth.login(user.email)
    answer = client.post("/account/feeds/reset", data={})
    assert answer.status_code in (400, 422)
    assert client.get(updates_path(token)).status_code == 200


def test_each_person_sees_only_their_own_links(client, auth, world, feed_token):
    """A colleague's page never shows another person's token."""
    mine = feed_token(world.customers_a[Role.VIEWER])
    colleague = world.customers_a[Role.CUSTOMER_ADMIN]
    theirs = feed_token(colleague)
    auth.login(colleague.email)
    html = client.get(PAGE).get_data(as_text=True)
    assert theirs in html and mine not in html


def test_staff_previewing_the_customer_do_not_see_their_links(client, auth, world, feed_token):
    """Preview as customer shows that links exist, never the token."""
    viewer = world.customers_a[Role.VIEWER]
    token = feed_token(viewer)
    auth.login(world.staff[Role.AGENT].email)
    page = client.get(f"/admin/escalations/{world.escalation_a.id}/preview")
    client.post(f"/admin/preview/{viewer.id}",
                data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    html = client.get(PAGE).get_data(as_text=True)
    assert 'id="preview-banner"' in html
    assert token not in html
    assert "only their owner sees them" in html and token[:12] in html
