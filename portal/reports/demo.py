"""Published post-incident reviews for the demo world (called by portal.demo.seed_demo)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Role, StepStatus
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.reports import operations as ops

REVIEWS = {
    "Complete outage of the shipment tracking portal": dict(
        values=dict(
            executive_summary=(
                "For **3 hours 40 minutes** on the afternoon of the incident, the Northwind "
                "tracking portal and its API refused every connection. An intermediate TLS "
                "certificate on our EU load balancers had expired, so no client could complete "
                "a secure handshake.\n\nWe rotated the certificate, confirmed recovery with "
                "your operations team, and have since put every edge certificate under "
                "automated renewal with alerts 30 days before expiry. No shipment data was lost."),
            customer_impact=(
                "- Dispatchers and carriers could not see or update shipments.\n"
                "- API integrations (about 8,000 users) received TLS errors and retried.\n"
                "- No data was lost: updates queued by carriers were applied on recovery."),
            root_cause=(
                "The intermediate certificate of the EU edge chain expired. Our renewal job "
                "renewed leaf certificates only; the intermediate was installed by hand two "
                "years ago and was not tracked."),
            root_cause_category="Certificate management",
            contributing_factors=(
                "- Expiry monitoring watched leaf certificates, not full chains.\n"
                "- The first alerts pointed at the API gateway, which delayed the diagnosis "
                "by about 40 minutes."),
            preventive_measures=(
                "1. Every certificate in every chain is inventoried and renewed automatically.\n"
                "2. Synthetic TLS checks from three regions alert on any handshake failure.\n"
                "3. Chain expiry alerts fire 30, 14 and 7 days ahead."),
            lessons_learned=(
                "Customer-visible symptoms reached you before our alerts reached us. We now "
                "test from the outside, as you connect."),
            internal_analysis=(
                "Blameless: the runbook for edge certificates predates the move to the shared "
                "load balancer pool; nobody owned the intermediate."),
        ),
        actions=[("Inventory and auto-renew every certificate chain", "Clearpath Platform team",
                  -10, StepStatus.DONE),
                 ("Synthetic TLS checks from three regions", "Clearpath SRE", 5,
                  StepStatus.IN_PROGRESS),
                 ("Review your carriers' retry settings with us", "Northwind IT operations", 20,
                  StepStatus.PLANNED)],
    ),
    "Portal unavailable during evening shift change": dict(
        values=dict(
            executive_summary=(
                "At the 19:00 shift change the portal stopped answering for Contoso staff. A "
                "scheduled database maintenance task overlapped the login surge and exhausted "
                "database connections.\n\nWe moved maintenance windows away from your shift "
                "changes and doubled connection headroom; the last three shift changes ran "
                "cleanly."),
            customer_impact="About 1,800 night-shift staff could not sign handovers.",
            root_cause=(
                "A weekly database vacuum was scheduled in UTC and drifted into Contoso's 19:00 "
                "local shift change after the daylight-saving change."),
            root_cause_category="Capacity",
            contributing_factors="Connection pool limits had not been revisited since Contoso "
                                 "doubled its night shift.",
            preventive_measures="Maintenance windows are planned in each customer's local "
                                "time, and connection headroom is reviewed every quarter.",
            lessons_learned="Plan maintenance in the customer's clock, not ours.",
            internal_analysis="Blameless: the scheduler's UTC default was never questioned.",
        ),
        actions=[("Move maintenance out of shift-change windows", "Clearpath Database team", -2,
                  StepStatus.DONE),
                 ("Quarterly connection headroom review", "Clearpath SRE", 30,
                  StepStatus.PLANNED)],
    ),
}


def seed_demo_reviews() -> int:
    """Publish the reviews above on their demo escalations; returns how many were published."""
    author = db.session.scalar(select(User).where(User.role == Role.ESCALATION_MANAGER,
                                                  User.active.is_(True)).order_by(User.id))
    if author is None:
        return 0
    today = now().date()
    published = 0
    for title, spec in REVIEWS.items():
        escalation = db.session.scalar(select(Escalation).where(Escalation.title == title))
        if escalation is None:
            continue
        review = ops.start_review(escalation, actor=author)
        ops.save_review(review, actor=author, values=spec["values"])
        for action_title, owner, days, status in spec["actions"]:
            ops.add_action(review, actor=author, title=action_title, owner=owner,
                           due_on=today + timedelta(days=days), status=status)
        ops.submit_review(review, actor=author)
        ops.publish_review(review, actor=author, confirmed=True)
        published += 1
    return published
