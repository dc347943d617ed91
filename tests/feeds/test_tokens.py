"""Feed tokens: unknown, revoked and deactivated all answer 404; a reset replaces every link;
the token is never stored in the clear."""

from sqlalchemy import select

from portal.accounts.credentials import deactivate
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.enums import Role
from portal.feeds import operations, tokens
from portal.feeds.models import FeedToken
from tests.feeds.conftest import all_paths, updates_path


def _reset(as_staff, user) -> str:
    with as_staff() as session:
        return tokens.unseal(operations.reset_feed_token(session.get(User, user.id)).token_sealed)


def test_an_unknown_token_answers_404(client, world):
    """A made-up link, a link without our prefix and an absurdly long one all answer 404."""
    for token in ("cpf_" + "A" * 43, "not-a-token", "cpf_" + "x" * 500):
        for path in all_paths(token, world.escalation_a.reference):
            assert client.get(path).status_code == 404, path


def test_a_reset_stops_every_old_link_with_404(client, world, feed_token, as_staff):
    """After "Reset feed links" every old URL answers 404 (not 401: nothing says it once
    worked), and the new links work."""
    user = world.customers_a[Role.VIEWER]
    old = feed_token(user)
    assert client.get(updates_path(old)).status_code == 200
    new = _reset(as_staff, user)
    assert new != old
    for path in all_paths(old, world.escalation_a.reference):
        assert client.get(path).status_code == 404, path
    for path in all_paths(new, world.escalation_a.reference):
        assert client.get(path).status_code == 200, path


def test_revoking_answers_404(client, world, feed_token, as_staff):
    """Revoked tokens read as unknown ones."""
    user = world.customers_a[Role.VIEWER]
    token = feed_token(user)
    with as_staff() as session:
        revoked = operations.revoke_feed_tokens(session.get(User, user.id), actor=None)
        assert [item.prefix for item in revoked] == [tokens.prefix_of(token)]
    assert client.get(updates_path(token)).status_code == 404


def test_a_deactivated_persons_feeds_answer_404(client, world, feed_token, as_staff):
    """Deactivating someone stops their feeds at once, like their sessions."""
    user = world.customers_a[Role.VIEWER]
    token = feed_token(user)
    with as_staff() as session:
        deactivate(session.get(User, user.id), actor=None)
    for path in all_paths(token, world.escalation_a.reference):
        assert client.get(path).status_code == 404, path


def test_a_staff_token_reads_no_customer_feed(client, world, feed_token):
    """A token of a member of staff (for their own future feeds) opens no customer feed."""
    token = feed_token(world.staff[Role.AGENT])
    for path in all_paths(token, world.escalation_a.reference):
        assert client.get(path).status_code == 404, path


def test_the_token_is_stored_hashed_and_sealed_and_audited_by_prefix(world, feed_token,
                                                                     as_staff):
    """The database holds the token's hash and a sealed copy, never the token; the audit log
    names it by its prefix only."""
    user = world.customers_a[Role.VIEWER]
    token = feed_token(user)
    with as_staff() as session:
        row = session.scalar(select(FeedToken).where(FeedToken.user_id == user.id))
        assert row.token_hash == tokens.token_hash(token)
        assert token not in (row.token_sealed, row.token_hash)
        assert row.prefix == token[:12] and row.prefix.startswith("cpf_")
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "feeds.token_issued")).all()
        assert [event.detail["prefix"] for event in events] == [row.prefix]
        assert all(token not in str(event.detail) for event in events)


def test_one_active_token_per_person(world, feed_token, as_staff):
    """Asking for feed links twice gives the same links; a reset leaves one active token."""
    user = world.customers_a[Role.VIEWER]
    assert feed_token(user) == feed_token(user)
    _reset(as_staff, user)
    with as_staff() as session:
        active = session.scalars(select(FeedToken.revoked_at.is_(None)).where(
            FeedToken.user_id == user.id)).all()
    assert sorted(active) == [False, True]


def test_a_read_notes_when_the_token_was_last_used(client, world, feed_token, as_staff):
    """The preferences page can say when a feed was last read."""
    user = world.customers_a[Role.VIEWER]
    token = feed_token(user)
    client.get(updates_path(token))
    with as_staff() as session:
        row = session.scalar(select(FeedToken).where(FeedToken.user_id == user.id))
        assert row.last_used_at is not None


def test_a_feed_sets_no_cookie(client, world, feed_token):
    """The URL is the credential: a feed answer starts no session."""
    response = client.get(updates_path(feed_token(world.customers_a[Role.VIEWER])))
    assert "Set-Cookie" not in response.headers
