"""The notification settings page reads what it shows in one statement (two with feed links,
which list the open escalations): the muted escalations newest first, never a drill's or
another organization's, and the person's newest active feed token."""

import re
from datetime import timedelta

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Role
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Subscription
from portal.feeds import operations as feeds
from tests import factories
from tests.querycount import counted_queries

PAGE = "/account/notifications"


def _muted_references(html: str) -> list[str]:
    section = html.split('id="muted-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<span class="ref">(ESC-\d+)</span>', section)


def test_the_page_reads_one_statement_without_feed_links(app, client, auth, world):
    """Muted escalations and the (absent) feed token come in one statement."""
    auth.login(world.customers_a[Role.VIEWER].email)
    client.get(PAGE)
    with counted_queries(app) as statements:
        html = client.get(PAGE).get_data(as_text=True)
    assert "Create feed links" in html
    # The signed-in user (remembered instead under the live memo), then the page's one.
    assert len(statements) == 2, statements


def test_feed_links_add_one_statement_for_the_open_escalations(app, client, auth, world,
                                                               as_staff):
    """With feed links, the open escalations' feeds are listed: one more statement."""
    viewer = world.customers_a[Role.VIEWER]
    with as_staff() as session:
        feeds.issue_feed_token(session.get(User, viewer.id))
    auth.login(viewer.email)
    client.get(PAGE)
    with counted_queries(app) as statements:
        html = client.get(PAGE).get_data(as_text=True)
    assert 'id="feed-updates"' in html and world.escalation_a.reference in html
    assert len(statements) == 3, statements


def test_muted_escalations_newest_first_never_a_drill_nor_another_organizations(
        client, auth, world, as_staff):
    """The list shows the person's own muted escalations, newest first; one they hear about
    again, a drill's and another organization's subscription row are not listed."""
    viewer = world.customers_a[Role.VIEWER]
    with as_staff() as session:
        person = session.get(User, viewer.id)
        agent = session.get(User, world.staff[Role.AGENT].id)
        older = session.get(Escalation, world.escalation_a.id)
        newer = factories.make_escalation(older.organization, actor=agent, title="Newer one")
        newer.opened_at = older.opened_at + timedelta(hours=1)
        again = factories.make_escalation(older.organization, actor=agent, title="Heard again")
        drill = factories.make_escalation(older.organization, actor=agent, title="A drill")
        drill.is_drill = True
        for escalation in (older, newer, again, drill):
            ops.set_subscription(escalation, person, False)
        ops.set_subscription(again, person, True)
        foreign = session.get(Escalation, world.escalation_b.id)
        session.add(Subscription(organization_id=foreign.organization_id, user_id=person.id,
                                 escalation_id=foreign.id, subscribed=False,
                                 updated_at=now()))
        session.flush()
        expected = [newer.reference, older.reference]
    auth.login(viewer.email)
    html = client.get(PAGE).get_data(as_text=True)
    assert _muted_references(html) == expected
    assert "A drill" not in html and world.escalation_b.reference not in html


def test_only_the_newest_active_feed_token_is_shown(client, auth, world, as_staff):
    """After a reset, the page shows the new token's prefix, once."""
    viewer = world.customers_a[Role.VIEWER]
    with as_staff() as session:
        person = session.get(User, viewer.id)
        feeds.issue_feed_token(person)
        newest = feeds.reset_feed_token(person)
        prefix = newest.prefix
    auth.login(viewer.email)
    html = client.get(PAGE).get_data(as_text=True)
    assert html.count('id="feed-updates"') == 1 and prefix in html
