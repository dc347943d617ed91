"""The gate's pieces that need no database: reading filters without the form, the memo's
tickets and bounds, the conditional-request match. (End to end: test_live_postgres.py.)"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from portal.customer.dashboard import query_from_args
from portal.customer.forms import DashboardFilterForm
from portal.live.gate import _matches
from portal.live.memo import CachedPage, Memo, UserStamp

ARGS = [
    {}, {"q": "  payments "}, {"q": "x" * 100}, {"q": "x" * 101}, {"severity": "1"},
    {"severity": "5"}, {"severity": ""}, {"status": "investigating"}, {"status": "resolved"},
    {"status": "waiting_on_customer"}, {"area": "Billing"}, {"area": "a" * 81},
    {"sort": "newest"}, {"sort": "next_update"}, {"sort": ""}, {"sort": "bogus"},
    {"page": "2"}, {"page": "0"}, {"page": "-1"}, {"page": "two"}, {"page": "10001"},
    {"page": "٣"}, {"severity": "2", "status": "contained", "area": "API", "q": "ESC-1042",
                    "sort": "oldest", "page": "3"},
]


@pytest.mark.parametrize("args", ARGS, ids=[repr(a)[:40] for a in ARGS])
def test_the_gate_reads_filters_exactly_as_the_form_does(app, args):
    """Where the gate answers, its query is the form's; where the form refuses, the gate
    leaves the request to the app (so a 422 is never replaced by a remembered page). It may
    leave odd but valid input to the app too (a page number in Arabic-Indic digits)."""
    with app.test_request_context("/escalations", query_string=args):
        form = DashboardFilterForm(MultiDict(args))
        valid = form.validate()
        gated = query_from_args(MultiDict(args))
        if gated is not None:
            assert valid and gated == form.to_query()
        else:
            assert not valid or not args.get("page", "1").isascii(), form.errors


def test_the_gate_leaves_unknown_or_repeated_arguments_to_the_app():
    assert query_from_args(MultiDict([("severity", "1"), ("severity", "2")])) is None
    assert query_from_args(MultiDict({"utm_source": "mail"})) is None


def _stamp(version: int = 1) -> UserStamp:
    return UserStamp(id=7, session_version=version, active=True, is_staff=False,
                     organization_id=3, role="viewer", timezone="")


def test_a_value_read_before_a_change_is_never_kept_after_it():
    memo = Memo()
    memo.reset(live=True)
    ticket = memo.ticket("org", 3)
    memo.changed("org", 3)  # the notification arrives while the reader is still reading
    memo.remember_summary(ticket, 3, "q", "stale")
    assert memo.summary(3, "q") is None
    fresh = memo.ticket("org", 3)
    memo.remember_summary(fresh, 3, "q", "current")
    assert memo.summary(3, "q") == "current"
    memo.changed("org", 4)  # another organization's change leaves it alone
    assert memo.summary(3, "q") == "current"
    memo.changed("org", 3)
    assert memo.summary(3, "q") is None


def test_nothing_is_kept_while_the_feed_is_down_or_across_a_reconnect():
    memo = Memo()
    ticket = memo.ticket("user", 7)
    memo.remember_user(ticket, _stamp())
    assert memo.user(7) is None  # not live yet
    memo.reset(live=True)
    before_reconnect = memo.ticket("user", 7)
    memo.reset(live=True)  # reconnected: notifications may have been missed
    memo.remember_user(before_reconnect, _stamp())
    assert memo.user(7) is None
    memo.remember_user(memo.ticket("user", 7), _stamp())
    assert memo.user(7) == _stamp()
    memo.changed("user", 7)
    assert memo.user(7) is None


def test_an_escalation_validator_lives_until_its_escalation_or_organization_changes():
    memo = Memo()
    memo.reset(live=True)

    def remember(value):
        tickets = (memo.ticket("escalation", 5), memo.ticket("org", 3))
        memo.remember_escalation_summary(tickets, 5, 3, "viewer 9", value)

    remember("v1")
    assert memo.escalation_summary(5, 3, "viewer 9") == "v1"
    memo.changed("escalation", 6)  # another escalation: kept
    assert memo.escalation_summary(5, 3, "viewer 9") == "v1"
    memo.changed("escalation", 5)
    assert memo.escalation_summary(5, 3, "viewer 9") is None
    remember("v2")
    memo.changed("org", 3)  # the organization (its contact, its plan): void as well
    assert memo.escalation_summary(5, 3, "viewer 9") is None
    # A value read before a change that arrives before it is kept is never kept.
    tickets = (memo.ticket("escalation", 5), memo.ticket("org", 3))
    memo.changed("escalation", 5)
    memo.remember_escalation_summary(tickets, 5, 3, "viewer 9", "stale")
    assert memo.escalation_summary(5, 3, "viewer 9") is None


def test_pages_are_evicted_least_recently_used_within_the_byte_budget():
    memo = Memo(max_pages=10, max_page_bytes=8000)
    memo.reset(live=True)
    tickets = ((memo.ticket("org", 3), "org", 3),)
    for n in range(8):
        memo.remember_page(tickets, ("page", n), CachedPage("200 OK", (), b"x" * 900, "n"))
    assert memo.page(("page", 0)) is not None  # used: now the most recent
    memo.remember_page(tickets, ("page", 8), CachedPage("200 OK", (), b"x" * 900, "n"))
    assert memo.sizes() == {"users": 0, "accounts": 0, "settings": 0, "summaries": 0,
                            "escalations": 0, "pages": 8, "page_bytes": 7200}
    assert memo.page(("page", 1)) is None and memo.page(("page", 0)) is not None
    # One page may take an eighth of the budget at most.
    memo.remember_page(tickets, ("big", 0), CachedPage("200 OK", (), b"x" * 1001, "n"))
    assert memo.page(("big", 0)) is None
    memo.changed("org", 3)
    memo.remember_page(tickets, ("late", 0), CachedPage("200 OK", (), b"x", "n"))
    assert memo.page(("late", 0)) is None  # its ticket predates the change


@pytest.mark.parametrize(("header", "matches"), [
    (None, False), ('W/"abc"', True), ('"abc"', True), ('W/"abd", W/"abc"', True),
    ("*", True), ('W/"ab"', False),
])
def test_if_none_match(header, matches):
    assert _matches(header, "abc") is matches


def test_the_views_helpers_find_the_apps_memo_and_keep_tickets_in_the_requests_g(app):
    """The helpers views call read this app's memo (none while it is not live) and keep a
    request's tickets in that request's `g`; outside an app they fail as Flask does."""
    from flask import g

    from portal import live

    gate = app.extensions[live.EXTENSION]
    was_live = gate.memo.live
    try:
        with app.test_request_context("/"):
            gate.memo.reset(live=True)
            assert live._memo() is gate.memo
            ticket = live.user_ticket(7)
            assert g.live_tickets == {("user", 7): ticket[0]}
            gate.memo.reset(live=False)
            assert live._memo() is None and live.user_ticket(7) is None
    finally:
        gate.memo.reset(live=was_live)
    with pytest.raises(RuntimeError):
        live._memo()
