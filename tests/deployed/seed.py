"""What the demo world lacks for the deployed-shape tests, and what they need to know about it.

Run as a script after `flask --app wsgi demo`, with the same PORTAL_* environment:
`python tests/deployed/seed.py <webhook url> <webhook secret>`. It adds Northwind's webhook
endpoint (there is no console page for endpoints) and prints, as one JSON line, the references
and logins the tests use, so that no test hard-codes an id of the demo.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select

from portal import create_app
from portal.accounts.models import Organization, User
from portal.demo import DEMO_LOGINS, DEMO_PASSWORD
from portal.enums import Role, Status
from portal.escalations.models import Escalation
from portal.escalations.operations.updates import approval_required
from portal.extensions import db
from portal.notices import signing
from portal.notices.models import WebhookEndpoint, WebhookKind
from portal.reports.models import Review, ReviewState
from portal.tenancy import Scope, set_scope

CLOSED = (Status.RESOLVED, Status.CLOSED)


def main(webhook_url: str, webhook_secret: str) -> dict:
    session = db.session()
    set_scope(session, Scope.unscoped("deployed-shape test seeding"))
    northwind = session.scalar(select(Organization).where(Organization.slug == "northwind-freight"))
    session.add(WebhookEndpoint(organization_id=northwind.id, name="Northwind status feed",
                                url=webhook_url, kind=WebhookKind.GENERIC,
                                secret_sealed=signing.seal(webhook_secret)))
    escalations = session.scalars(select(Escalation).order_by(Escalation.id.desc())).all()
    open_ones = [e for e in escalations if e.status not in CLOSED]
    reviewed = set(session.scalars(select(Review.escalation_id)))
    published = session.scalar(select(Review).where(
        Review.organization_id == northwind.id, Review.state == ReviewState.PUBLISHED))
    to_publish = next(e for e in escalations if e.organization_id == northwind.id
                      and e.status == Status.RESOLVED and e.id not in reviewed)
    update_on = next(e for e in open_ones
                     if e.organization_id == northwind.id and not approval_required(e))
    paged = _breached_for_paging(session, northwind, webhook_url, webhook_secret)
    users = {u.email: u for u in session.scalars(select(User))}
    open_by_org = {}
    for escalation in reversed(open_ones):
        open_by_org.setdefault(escalation.organization_id, escalation.reference)
    session.commit()

    def role(email: str) -> Role:
        return users[email].role

    return {
        "password": DEMO_PASSWORD,
        "organization": northwind.name,
        "customer": next(e for e, *_ in DEMO_LOGINS if role(e) == Role.CUSTOMER_ADMIN
                         and users[e].organization_id == northwind.id),
        "executive": next(e for e, *_ in DEMO_LOGINS if role(e) == Role.EXECUTIVE
                          and users[e].organization_id == northwind.id),
        "publisher": next(e for e, *_ in DEMO_LOGINS if role(e) == Role.ESCALATION_MANAGER),
        "update": {"id": update_on.id, "reference": update_on.reference,
                   "title": update_on.title},
        "paged": paged,
        "to_publish": {"id": to_publish.id, "reference": to_publish.reference,
                       "title": to_publish.title},
        "published": {"reference": published.escalation.reference,
                      "title": published.escalation.title,
                      "version": published.latest_version},
        # Every demo login, with an open escalation of theirs to comment on (customers).
        "logins": [{"email": email,
                    "comment_on": (open_by_org.get(users[email].organization_id)
                                   if users[email].organization_id else None)}
                   for email, *_ in DEMO_LOGINS],
    }


def _breached_for_paging(session, northwind, webhook_url: str, webhook_secret: str) -> dict:
    """A Sev 1 opened 20 minutes ago, unacknowledged (its 15-minute target has passed), for the
    team covering every area, and a staff team endpoint choosing on-call pages: the
    scheduler's first sweep pages whoever is on call (tests/deployed/test_paging.py)."""
    from datetime import timedelta

    from portal.clock import frozen_at, now
    from portal.enums import Trigger
    from portal.escalations.operations import HandoffTemplate, open_escalation
    from portal.oncall.queries import on_call_for

    session.add(WebhookEndpoint(organization_id=None, name="On-call pager", url=webhook_url,
                                kind=WebhookKind.GENERIC, events=["oncall.paged"],
                                secret_sealed=signing.seal(webhook_secret)))
    owner = session.scalar(select(User).where(User.role == Role.AGENT, User.active.is_(True))
                           .order_by(User.id))
    with frozen_at(now() - timedelta(minutes=20)):
        escalation = open_escalation(
            northwind, actor=owner, owner=owner, title="Manifest uploads time out (paging)",
            severity=1, trigger=Trigger.SEVERITY, product_area="Carrier portal",
            handoff=HandoffTemplate(summary="Uploads time out", customer_impact="No manifests",
                                    steps_taken="Restarted the upload workers",
                                    environment="prod", reason=Trigger.SEVERITY))
    session.flush()
    on_call = on_call_for(escalation.product_area, now())
    return {"id": escalation.id, "reference": escalation.reference,
            "on_call": on_call.user.email if on_call else None}


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(main(sys.argv[1], sys.argv[2])))
