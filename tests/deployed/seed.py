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


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(main(sys.argv[1], sys.argv[2])))
