"""The Atom feeds, read as a feed reader reads them (feedparser)."""

import re
from datetime import timedelta

import feedparser

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Update
from portal.escalations.operations.updates import edit_update, retract_update
from portal.feeds import operations, tokens
from tests.factories import CANARY, make_escalation
from tests.feeds.conftest import escalation_path, updates_path


def _parse(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def _without_nonces(response) -> str:
    return re.sub(r"nonce-?[=\"']*[A-Za-z0-9_-]+", "", response.get_data(as_text=True))


def _post(as_staff, world, escalation_id, body, visibility=Visibility.CUSTOMER):
    with as_staff() as session:
        return ops.post_update(session.get(Escalation, escalation_id),
                               author=session.merge(world.staff[Role.AGENT]),
                               visibility=visibility, body=body).id


def test_a_feed_reader_reads_the_organizations_updates(client, world, feed_token, as_staff):
    """The organization feed lists our customer-visible updates, newest first, each linking
    back to the update on the escalation's page, with its author and its text."""
    _post(as_staff, world, world.escalation_a.id, "Patch **4.2.1** is rolling out.")
    feed = _parse(client.get(updates_path(feed_token(world.customers_a[Role.VIEWER]))))
    assert feed.feed.title == "Acme Logistics — escalation updates"
    assert feed.feed.link == "http://127.0.0.1:5000/escalations"
    newest, older = feed.entries[0], feed.entries[1]
    assert "<strong>4.2.1</strong>" in newest.content[0].value
    assert "We are investigating the Acme Logistics outage." in older.content[0].value
    reference = world.escalation_a.reference
    assert newest.title.startswith(f"[{reference}] Acme Logistics checkout outage")
    assert newest.link.startswith(f"http://127.0.0.1:5000/escalations/{reference}#update-")
    assert newest.author == world.staff[Role.AGENT].name
    assert newest.updated_parsed is not None and newest.published_parsed is not None
    assert newest.id.startswith("urn:uuid:")


def test_the_canary_internal_note_never_appears_in_a_feed(client, world, feed_token,
                                                          as_staff):
    """Internal notes stay out of every Atom feed (and out of their headers)."""
    _post(as_staff, world, world.escalation_a.id, f"{CANARY} second internal note",
          Visibility.INTERNAL)
    token = feed_token(world.customers_a[Role.CUSTOMER_ADMIN])
    for path in (updates_path(token), escalation_path(token, world.escalation_a.reference)):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert CANARY not in body and "10.0.3.7" not in body, path
        assert CANARY not in str(response.headers)


def test_another_organizations_updates_never_appear(client, world, feed_token):
    """Acme's feed shows Acme's escalations only; Globex's feed shows Globex's only."""
    acme = client.get(updates_path(feed_token(world.customers_a[Role.VIEWER])))
    globex = client.get(updates_path(feed_token(world.customers_b[Role.VIEWER])))
    assert "Globex" not in acme.get_data(as_text=True)
    assert "Acme" not in globex.get_data(as_text=True)
    assert world.escalation_b.reference not in acme.get_data(as_text=True)


def test_a_foreign_escalations_feed_answers_404_like_a_missing_one(client, world, feed_token):
    """Globex's escalation, a missing one and a malformed reference all answer 404 to Acme."""
    token = feed_token(world.customers_a[Role.VIEWER])
    own = client.get(escalation_path(token, world.escalation_a.reference))
    assert own.status_code == 200
    foreign = client.get(escalation_path(token, world.escalation_b.reference))
    missing = client.get(escalation_path(token, "ESC-999999"))
    malformed = client.get(escalation_path(token, "nonsense"))
    assert foreign.status_code == missing.status_code == malformed.status_code == 404
    assert _without_nonces(foreign) == _without_nonces(missing)
    assert "Globex" not in foreign.get_data(as_text=True)


def test_an_escalation_feed_holds_that_escalation_only(client, world, feed_token, as_staff):
    """The per-escalation feed lists its own updates and links to its page."""
    with as_staff() as session:
        other = make_escalation(session.merge(world.org_a),
                                actor=session.merge(world.staff[Role.AGENT]),
                                title="Second Acme problem")
        other_id = other.id
    _post(as_staff, world, other_id, "Only about the second problem.")
    token = feed_token(world.customers_a[Role.VIEWER])
    feed = _parse(client.get(escalation_path(token, world.escalation_a.reference)))
    assert feed.feed.link == f"http://127.0.0.1:5000/escalations/{world.escalation_a.reference}"
    assert all(world.escalation_a.reference in entry.title for entry in feed.entries)
    assert "second problem" not in str(feed.entries)
    both = _parse(client.get(updates_path(token)))
    assert any("second problem" in entry.content[0].value for entry in both.entries)


def test_entry_ids_stay_the_same_after_an_edit_and_a_reset(client, world, feed_token,
                                                           as_staff):
    """A corrected update keeps its entry id (readers update it, not duplicate it), and so
    does every entry after the person resets their feed links."""
    update_id = _post(as_staff, world, world.escalation_a.id, "Frist text")
    user = world.customers_a[Role.VIEWER]
    token = feed_token(user)
    before = _parse(client.get(updates_path(token))).entries[0]
    with as_staff() as session:
        edit_update(session.get(Update, update_id), actor=session.merge(
            world.staff[Role.AGENT]), body="First text", reason="typo")
    with as_staff() as session:
        new_token = tokens.unseal(operations.reset_feed_token(
            session.get(User, user.id)).token_sealed)
    after = _parse(client.get(updates_path(new_token))).entries[0]
    assert after.id == before.id
    assert "First text" in after.content[0].value
    assert after.updated_parsed >= before.updated_parsed


def test_a_retracted_update_leaves_the_feed(client, world, feed_token, as_staff):
    """What the portal no longer shows, the feed no longer shows."""
    update_id = _post(as_staff, world, world.escalation_a.id, "Wrong customer, sorry")
    with as_staff() as session:
        retract_update(session.get(Update, update_id),
                           actor=session.merge(world.staff[Role.AGENT]), reason="wrong")
    body = client.get(updates_path(feed_token(world.customers_a[Role.VIEWER]))).get_data(
        as_text=True)
    assert "Wrong customer" not in body


def test_the_feed_keeps_the_newest_fifty(client, world, feed_token, as_staff):
    """A long history does not make a long feed: the newest 50 updates, newest first."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        agent = session.merge(world.staff[Role.AGENT])
        start = now() - timedelta(hours=2)
        for n in range(55):
            session.add(Update(escalation_id=escalation.id,
                               organization_id=escalation.organization_id, author_id=agent.id,
                               kind="note", visibility=Visibility.CUSTOMER, body=f"Step {n}",
                               created_at=start + timedelta(minutes=n)))
    feed = _parse(client.get(updates_path(feed_token(world.customers_a[Role.VIEWER]))))
    assert len(feed.entries) == 50
    texts = [entry.content[0].value.removeprefix("<p>").split("</p>")[0]
             for entry in feed.entries]
    # The world's own update is the newest (posted now); then steps 54 down to 6.
    assert texts[1:] == [f"Step {n}" for n in range(54, 5, -1)]
    assert [entry.updated_parsed for entry in feed.entries] == sorted(
        (entry.updated_parsed for entry in feed.entries), reverse=True)
