from datetime import timedelta

from sqlalchemy import select

from portal.clock import frozen_at, now
from portal.escalations.jobs import evaluate_rules
from portal.notices.models import Notice
from tests import factories


def test_smoke(staff_session):
    agent = factories.make_staff()
    org = factories.make_organization()
    with frozen_at(now() - timedelta(hours=3)):
        factories.make_escalation(org, actor=agent, severity=1)
    print(evaluate_rules())
    print(evaluate_rules())
    for n in staff_session.scalars(select(Notice)):
        print(n.key, n.context, n.recipient, n.template)
