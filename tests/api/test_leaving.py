"""Someone who leaves takes their feed links and API tokens with them: deactivation revokes
both for good, so reactivating the person later brings neither back."""

from sqlalchemy import select

from portal.accounts.models import User
from portal.administration.people import deactivate_user, reactivate_user
from portal.api.models import ApiToken
from portal.audit import AuditEvent
from portal.enums import Role
from portal.feeds.models import FeedToken
from tests.api.conftest import Api
from tests.feeds.conftest import feed_token, updates_path  # noqa: F401  (a fixture)


def test_deactivating_revokes_feed_links_and_api_tokens_for_good(client, world, issue,
                                                                  feed_token, as_staff):  # noqa: F811
    leaver = world.customers_a[Role.CUSTOMER_ADMIN]
    stays = world.customers_a[Role.VIEWER]
    secret, link = issue(leaver), feed_token(leaver)
    others_link = feed_token(stays)
    api = Api(client, secret)
    assert api.get("/api/v1/me").status_code == 200
    assert client.get(updates_path(link)).status_code == 200

    with as_staff() as session:
        administrator = session.get(User, world.staff[Role.ADMINISTRATOR].id)
        deactivate_user(session.get(User, leaver.id), actor=administrator)
    with as_staff() as session:
        administrator = session.get(User, world.staff[Role.ADMINISTRATOR].id)
        reactivate_user(session.get(User, leaver.id), actor=administrator)

    answer = api.get("/api/v1/me")
    assert answer.status_code == 401 and answer.get_json()["detail"] == "This token was revoked."
    assert client.get(updates_path(link)).status_code == 404
    assert client.get(updates_path(others_link)).status_code == 200  # a colleague's stays
    with as_staff() as session:
        revoked = session.scalars(select(ApiToken.revoked_at).where(
            ApiToken.created_by_id == leaver.id)).all()
        assert revoked and None not in revoked
        assert session.scalar(select(FeedToken.revoked_at).where(
            FeedToken.user_id == leaver.id)) is not None
        actions = set(session.scalars(select(AuditEvent.action).where(
            AuditEvent.actor_id == world.staff[Role.ADMINISTRATOR].id)))
    assert {"auth.user_deactivated", "feeds.token_revoked",
            "api_token.revoked_with_issuer"} <= actions
