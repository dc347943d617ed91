"""Reviews published on both organizations' escalations of the `world`, each with an internal
analysis canary, for the download, leak and access tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.enums import Role, Status, Tier
from portal.escalations import operations as ops
from portal.extensions import db
from portal.reports import operations as reports
from portal.reports.models import Review
from tests.factories import CANARY

INTERNAL_CANARY = "CANARY-analysis-51d2e8"


@dataclass
class Published:
    review_a: Review
    review_b: Review
    reference_a: str
    reference_b: str


def resolve(escalation, actor) -> None:
    for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
        ops.change_status(escalation, status, actor=actor)
    ops.change_tier(escalation, Tier.L2, actor=actor, reason="Needs the gateway specialists.")
    ops.change_status(escalation, Status.CONTAINED, actor=actor)
    ops.change_status(escalation, Status.RESOLVED, actor=actor,
                      resolution_summary="Rotated the expired certificate.")


def publish(escalation, actor, *, summary: str = "The portal was down for an hour.") -> Review:
    review = reports.start_review(escalation, actor=actor)
    reports.save_review(review, actor=actor, values={
        "executive_summary": summary, "root_cause": "An expired intermediate certificate.",
        "internal_analysis": f"{INTERNAL_CANARY} the on-call runbook was stale"})
    reports.add_action(review, actor=actor, title="Automate certificate renewal",
                       owner="Platform team", due_on=date(2030, 1, 15))
    reports.submit_review(review, actor=actor)
    reports.publish_review(review, actor=actor, confirmed=True)
    return review


@pytest.fixture
def published(world, as_staff) -> Published:
    with as_staff() as session:
        manager = session.get(type(world.staff[Role.ESCALATION_MANAGER]),
                              world.staff[Role.ESCALATION_MANAGER].id)
        reviews = []
        for escalation in (world.escalation_a, world.escalation_b):
            escalation = session.merge(escalation)
            resolve(escalation, manager)
            reviews.append(publish(escalation, manager))
        session.flush()
        for review in reviews:
            session.refresh(review)
            db.session.expunge(review)
    return Published(reviews[0], reviews[1], world.escalation_a.reference,
                     world.escalation_b.reference)


__all__ = ["CANARY", "INTERNAL_CANARY", "Published", "publish", "resolve"]


@pytest.fixture(autouse=True)
def _report_cache(app, tmp_path):
    """Each test renders into its own cache folder (and so starts cold)."""
    from portal.reports import rendering

    previous = app.config.get("REPORT_CACHE_DIR")
    app.config["REPORT_CACHE_DIR"] = str(tmp_path / "reports")
    rendering._MEMO.clear()
    yield
    app.config["REPORT_CACHE_DIR"] = previous
    rendering._MEMO.clear()
