"""Who may publish a customer update on an escalation: its owner, its communicator, the
account's manager, escalation managers and administrators — nobody else (README, "What staff
can do"; `portal.permissions.can_publish_on`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Role
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Update, UpdateApproval
from portal.escalations.operations.updates import publish_customer_update
from portal.notices.models import Notice
from portal.permissions import can_publish_on
from tests import factories
from tests.conftest import AuthActions, csrf_token_from

# who → may they publish on the escalation below?
RULE = {
    "owner (an agent)": True,
    "communicator (an agent)": True,
    "the organization's account manager": True,
    "another account's manager": False,
    "another agent": False,
    "escalation manager": True,
    "administrator": True,
}


@pytest.fixture
def cast(as_staff):
    """An escalation owned by one agent, spoken for by another, on an account with a manager."""
    with as_staff() as session:
        people = {
            "owner (an agent)": factories.make_staff(Role.AGENT),
            "communicator (an agent)": factories.make_staff(Role.AGENT),
            "the organization's account manager": factories.make_staff(Role.ACCOUNT_MANAGER),
            "another account's manager": factories.make_staff(Role.ACCOUNT_MANAGER),
            "another agent": factories.make_staff(Role.AGENT),
            "escalation manager": factories.make_staff(Role.ESCALATION_MANAGER),
            "administrator": factories.make_staff(Role.ADMINISTRATOR),
        }
        org = factories.make_organization()
        org.account_manager = people["the organization's account manager"]
        factories.make_organization().account_manager = people["another account's manager"]
        escalation = factories.make_escalation(org, actor=people["owner (an agent)"])
        ops.assign_communicator(escalation, people["communicator (an agent)"],
                                actor=people["owner (an agent)"])
        session.flush()
        emails = {who: user.email for who, user in people.items()}
        escalation_id = escalation.id
    return emails, escalation_id


def _counts(as_staff, escalation_id):
    with as_staff() as session:
        return tuple(session.scalar(select(func.count()).select_from(model).where(
            model.escalation_id == escalation_id)) for model in (Update, UpdateApproval, Notice))


@pytest.mark.parametrize("who", RULE)
def test_the_rule_in_the_permissions_table(as_staff, cast, who):
    """can_publish_on says yes exactly to the owner, communicator, account manager, escalation
    managers and administrators."""
    emails, escalation_id = cast
    with as_staff() as session:
        user = session.scalar(select(User).where(User.email == emails[who]))
        assert can_publish_on(user, session.get(Escalation, escalation_id)) is RULE[who]


@pytest.mark.parametrize("who", RULE)
def test_the_console_publishes_or_refuses_by_the_rule(app, as_staff, cast, who):
    """A customer update sent from the Timeline tab reaches its confirmation for a permitted
    publisher; anyone else gets 403 and nothing is written."""
    emails, escalation_id = cast
    client = app.test_client()
    AuthActions(client).login(emails[who])
    path = f"/admin/escalations/{escalation_id}/timeline"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    before = _counts(as_staff, escalation_id)
    promise = (now() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    answer = client.post(path, data={"csrf_token": token, "visibility": "customer",
                                     "body": "The fix is rolling out.", "step": "confirm",
                                     "checked": "y", "next_update_by": promise})
    if RULE[who]:
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        assert _counts(as_staff, escalation_id) != before
    else:
        assert answer.status_code == 403
        assert _counts(as_staff, escalation_id) == before


@pytest.mark.parametrize("who", [who for who, allowed in RULE.items() if not allowed])
def test_the_operation_refuses_whoever_the_rule_refuses(as_staff, cast, who):
    """The operation itself refuses (the API and jobs call it too), and writes nothing."""
    emails, escalation_id = cast
    with as_staff() as session:
        user = session.scalar(select(User).where(User.email == emails[who]))
        with pytest.raises(PermissionError):
            publish_customer_update(session.get(Escalation, escalation_id), author=user,
                                        body="Hello", next_update_by=now() + timedelta(hours=2))
        session.rollback()
