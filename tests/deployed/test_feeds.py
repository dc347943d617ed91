"""Private feeds as deployed: a customer makes feed links on their page (gunicorn), a feed
reader and a calendar app fetch them without any session, and the rate limit holds across the
workers (Redis, on the PostgreSQL run)."""

from __future__ import annotations

import re

import feedparser
import httpx
from icalendar import Calendar

PAGE = "/account/notifications"
FEED_LINK = re.compile(r'id="feed-(updates|calendar)" type="url" value="([^"]+)"')
FEED_RATE_LIMIT_PER_MINUTE = 30  # the default (README "Configuration")


def test_a_customer_subscribes_to_their_feeds(deployment, signed_in):
    """Create feed links on the page; the Atom feed parses with the customer's updates, the
    calendar parses with its promised update time, both answer 304 when unchanged, and a
    runaway reader meets 429 across gunicorn's workers."""
    facts = deployment.facts
    customer = signed_in(facts["customer"])
    created = customer.post("/account/feeds", csrf_from=PAGE)
    assert created.status_code == 302, created.text[:2000]
    links = dict(FEED_LINK.findall(customer.get(PAGE).text))
    assert set(links) == {"updates", "calendar"}
    assert all(link.startswith(deployment.base_url + "/feeds/cpf_") for link in links.values())

    reader = httpx.get(links["updates"])  # no cookie: the URL is the credential
    assert reader.status_code == 200
    assert reader.headers["Content-Type"].startswith("application/atom+xml")
    assert reader.headers["Cache-Control"].startswith("private")
    assert "set-cookie" not in reader.headers
    feed = feedparser.parse(reader.content)
    assert not feed.bozo and feed.entries
    assert any(facts["update"]["reference"] in entry.title for entry in feed.entries)
    unchanged = httpx.get(links["updates"], headers={"If-None-Match": reader.headers["ETag"]})
    assert unchanged.status_code == 304

    calendar = httpx.get(links["calendar"])
    assert calendar.status_code == 200 and calendar.headers["Content-Type"].startswith(
        "text/calendar")
    events = Calendar.from_ical(calendar.content).walk("VEVENT")
    assert any(str(event["UID"]).startswith("next-update-") for event in events)

    if deployment.redis_url:  # memory:// counts per worker: only Redis holds across them
        answers = [httpx.get(links["calendar"]).status_code  # a new connection each time
                   for _ in range(FEED_RATE_LIMIT_PER_MINUTE + 2)]
        assert 429 in answers
        assert answers.index(429) <= FEED_RATE_LIMIT_PER_MINUTE
