"""The feed links fragment draws its buttons and errors with the Python globals (submit_button,
form_errors) byte for byte as the macros drew them (tests/fixtures/feed_links_before.html):
before any links, with links and their escalations, hidden from a preview, unreadable, and
refused."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal.customer.feed_links import EscalationFeed, FeedLinks
from portal.customer.forms import FeedLinksForm

FIXTURES = Path(__file__).parent.parent / "fixtures"
FRAGMENT = "customer/_feed_links.html"
VIEWER = SimpleNamespace(organization=SimpleNamespace(name="Acme <& Co>"), is_authenticated=True)
MADE = datetime(2026, 11, 23, 13, 2, tzinfo=UTC)
URLS = {"updates": "http://127.0.0.1:5000/feeds/cpf_a&b/updates.atom",
        "calendar": "http://127.0.0.1:5000/feeds/cpf_a&b/calendar.ics"}
ESCALATIONS = [EscalationFeed("ESC-00042", "Disk <full>", "http://x/feeds/cpf_a/42.atom")]


def _links(**changes) -> FeedLinks:
    return FeedLinks(**{"prefix": "cpf_a<b", "created_at": MADE, "last_used_at": None,
                        "urls": URLS, "escalations": ESCALATIONS, **changes})


FEEDS = [None, _links(), _links(escalations=[], last_used_at=MADE),
         _links(urls=None, escalations=[], hidden=True), _links(urls=None, escalations=[])]


def _both(app, **context):
    before = app.jinja_env.from_string((FIXTURES / "feed_links_before.html").read_text())
    context = {"current_user": VIEWER, "feed_form": None, "feed_confirmation": None, **context}
    return app.jinja_env.get_template(FRAGMENT).render(context), before.render(context)


@pytest.mark.parametrize("feeds", FEEDS)
@pytest.mark.parametrize("confirmation", [None, "Your feed links are ready. <Keep> them."])
def test_the_fragment_reads_as_the_macros_drew_it(app, feeds, confirmation):
    """Before any links, with them, hidden or unreadable, with or without a confirmation."""
    with app.test_request_context("/account/notifications"):
        new, old = _both(app, feeds=feeds, feed_confirmation=confirmation)
        assert new == old
        assert ("Create feed links" in new) is (feeds is None)


@pytest.mark.parametrize("feeds", FEEDS)
def test_a_refused_change_reads_as_the_macros_drew_it(app, feeds):
    """A forged change (no CSRF token), and an operation's refusal beside it."""
    with app.test_request_context("/account/feeds", method="POST"):
        form = FeedLinksForm(formdata=MultiDict())
        assert not form.validate()
        form.form_errors.append("Feed links could not be made: <try again>.")
        new, old = _both(app, feeds=feeds, feed_form=form)
        assert new == old and "try again" in new
