"""Feeds are cheap to poll: 304s from one aggregate, a fixed number of statements whatever the
number of rows, private caching, and a modest rate limit per token."""

from datetime import timedelta

import pytest
from werkzeug.http import http_date

from portal.clock import now
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from tests.factories import make_escalation
from tests.feeds.conftest import all_paths, calendar_path, escalation_path, updates_path
from tests.querycount import counted_queries


@pytest.fixture
def token(world, feed_token):
    return feed_token(world.customers_a[Role.VIEWER])


def _paths(world, token):
    return all_paths(token, world.escalation_a.reference)


def test_an_unchanged_feed_answers_304(client, world, token):
    """A reader sending back the ETag (or the Last-Modified time) gets 304 and no body."""
    for path in _paths(world, token):
        first = client.get(path)
        assert first.status_code == 200
        assert first.headers["Cache-Control"].startswith("private")
        assert first.headers["ETag"].startswith('W/"')
        assert first.headers["Last-Modified"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.get_data() == b""
        assert again.headers["ETag"] == first.headers["ETag"]
        since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, path


def test_a_customer_update_changes_the_etag_an_internal_note_does_not(client, world, token,
                                                                      as_staff):
    """The validator moves with what the customer can see, and only with it: an ETag says
    nothing about internal work."""
    etags = {path: client.get(path).headers["ETag"] for path in _paths(world, token)}
    with as_staff() as session:
        ops.post_update(session.get(Escalation, world.escalation_a.id),
                        author=session.merge(world.staff[Role.AGENT]),
                        visibility=Visibility.INTERNAL, body="Internal only")
    for path, etag in etags.items():
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304, path
    with as_staff() as session:
        ops.post_update(session.get(Escalation, world.escalation_a.id),
                        author=session.merge(world.staff[Role.AGENT]),
                        visibility=Visibility.CUSTOMER, body="Visible to you",
                        next_update_by=now() + timedelta(hours=3))
    for path, etag in etags.items():
        answer = client.get(path, headers={"If-None-Match": etag})
        assert answer.status_code == 200, path
        assert answer.headers["ETag"] != etag


def test_an_old_if_modified_since_gets_the_feed(client, world, token):
    """A reader whose copy predates the last change gets the whole feed."""
    old = http_date(now() - timedelta(days=1))
    assert client.get(updates_path(token), headers={"If-Modified-Since": old}).status_code == 200


def _counts(app, client, paths) -> dict[str, int]:
    counts = {}
    for path in paths:
        client.get(path)  # the first read of a token also notes its use (one UPDATE)
        with counted_queries(app) as statements:
            assert client.get(path).status_code == 200
        counts[path] = len(statements)
    return counts


def test_statements_per_feed_do_not_grow_with_rows(app, client, world, token, as_staff):
    """Each feed runs the same few statements with 2 or 40 escalations and 100 updates."""
    paths = _paths(world, token)
    small = _counts(app, client, paths)
    with as_staff() as session:
        org = session.merge(world.org_a)
        agent = session.merge(world.staff[Role.AGENT])
        for n in range(20):
            escalation = make_escalation(org, actor=agent, title=f"Load {n}")
            for k in range(5):
                ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                                body=f"Update {k} of {n}")
            ops.add_milestone(escalation, actor=agent, title=f"Milestone {n}",
                              due_at=now() + timedelta(days=n + 1))
        first = session.get(Escalation, world.escalation_a.id)
        for k in range(20):
            ops.post_update(first, author=agent, visibility=Visibility.CUSTOMER,
                            body=f"More on the first {k}")
    large = _counts(app, client, paths)
    assert large == small
    assert small[updates_path(token)] <= 3
    assert small[escalation_path(token, world.escalation_a.reference)] <= 3
    assert small[calendar_path(token)] <= 4


def test_a_304_costs_two_statements(app, client, world, token):
    """An unchanged poll reads the token and one aggregate, nothing else."""
    for path in _paths(world, token):
        etag = client.get(path).headers["ETag"]
        with counted_queries(app) as statements:
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert len(statements) == 2, (path, statements)


def test_feed_reads_are_rate_limited_per_token(app, client, world, feed_token, monkeypatch):
    """A runaway reader is slowed down (429) without affecting anyone else's feed."""
    monkeypatch.setitem(app.config, "FEED_RATE_LIMIT", "3 per minute")
    other = feed_token(world.customers_a[Role.EXECUTIVE])
    mine = feed_token(world.customers_a[Role.VIEWER])
    answers = [client.get(updates_path(mine)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get(calendar_path(other)).status_code == 200
