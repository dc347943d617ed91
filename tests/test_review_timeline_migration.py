"""Migration 0022 (reviews.timeline_choices): a review from before keeps its timeline — the
highlights it was started with, every customer-visible entry copied — and chooses no entry
besides, so its report reads as it did."""

import json
from contextlib import ExitStack

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.clock import now
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.reports import operations as reports
from portal.reports.content import build_content
from portal.reports.models import Review
from portal.reports.timeline import customer_timeline
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.pgschema import own_schema
from tests.reports.conftest import resolve


def test_a_review_from_before_keeps_its_timeline(database_url, tmp_path):
    """Downgrade to 0019, store highlights as reviews were started then, upgrade: the review
    chooses no entry, and its report's timeline is exactly the old highlights."""
    with ExitStack() as stack:
        url = (
            stack.enter_context(own_schema(database_url, "review_timeline"))
            if database_url.startswith("postgresql")
            else f"sqlite:///{tmp_path / 'timeline.sqlite3'}"
        )
        app = create_app(settings_of(TestConfig, DATABASE_URL=url))
        with app.app_context(), app.test_request_context():
            upgrade()
            set_scope(db.session(), Scope.unscoped("test setup"))
            agent = factories.make_staff(Role.AGENT)
            escalation = factories.make_escalation(factories.make_organization(), actor=agent)
            resolve(escalation, agent)
            review_id = reports.start_review(escalation, actor=agent).id
            db.session.commit()
            old_highlights = [
                {"at": update.created_at.isoformat(), "text": update.body}
                for update in customer_timeline(escalation)
            ]
            db.session.remove()

            downgrade(revision="0019")
            with db.engine.begin() as connection:
                assert "timeline_choices" not in {
                    column["name"] for column in sa.inspect(connection).get_columns("reviews")
                }
                connection.execute(
                    sa.text("UPDATE reviews SET timeline_highlights = :h WHERE id = :id"),
                    {"h": json.dumps(old_highlights), "id": review_id},
                )
            upgrade()

            set_scope(db.session(), Scope.unscoped("test check"))
            review = db.session.get(Review, review_id)
            assert review.timeline_choices == []
            content = build_content(review, version=1, published_at=now())
            assert [(item["at"], item["text"]) for item in content["timeline"]] == [
                (item["at"], item["text"]) for item in old_highlights
            ]
            assert len(old_highlights) >= 3
            db.session.remove()
            db.engine.dispose()
