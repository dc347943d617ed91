"""The demo world: `flask demo` seeds a believable, repeatable world through the operations."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select

from portal.accounts.models import Organization, User
from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.audit import AuditEvent
from portal.clock import now
from portal.demo import DEMO_LOGINS, DEMO_PASSWORD
from portal.enums import Role, Status, Tier, Visibility
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation, Handoff, Milestone, StatusChange, Update
from portal.escalations.operations import post_update
from portal.extensions import db
from portal.security import verify_password
from portal.tenancy import Scope, set_scope
from tests.conftest import AuthActions

MARKER = "Played with the demo before resetting it."


def seed(runner, *options: str) -> str:
    result = runner.invoke(args=["demo", *options])
    assert result.exit_code == 0, result.output
    return result.output


@contextmanager
def unscoped(app):
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test checks"))
        yield db.session


def counts(session) -> dict[str, int]:
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Organization, User, Escalation, Update, Handoff, AuditEvent)}


def test_demo_command_seeds_organizations_people_and_escalations(app, runner):
    """`flask demo` creates three kinds of customer, every role and ~40 escalations."""
    output = seed(runner)
    assert "3 organizations" in output and "escalations" in output
    with unscoped(app) as session:
        orgs = session.scalars(select(Organization)).all()
        assert len(orgs) >= 3
        assert len({org.segment for org in orgs}) == 3
        assert len({org.timezone for org in orgs}) == len(orgs)
        assert all(org.account_manager and org.account_manager.is_staff for org in orgs)
        assert {user.role for user in session.scalars(select(User))} == set(Role)
        escalations = session.scalars(select(Escalation)).all()
        assert 35 <= len(escalations) <= 45
        assert {e.status for e in escalations} == set(Status)
        assert {e.severity for e in escalations} == {1, 2, 3, 4}
        assert {e.tier for e in escalations} == set(Tier)
        assert all(e.resolution_summary for e in escalations if e.resolved_at)


def test_demo_timelines_mix_customer_and_internal_history(app, runner):
    """Timelines hold both visibilities, customer comments, handoffs both ways and a reopen."""
    seed(runner)
    with unscoped(app) as session:
        updates = session.scalars(select(Update)).all()
        assert {u.visibility for u in updates} == set(Visibility)
        assert any(u.kind == "customer_comment" for u in updates)
        assert any(u.next_update_by for u in updates)
        internal = [u.body for u in updates if u.visibility == Visibility.INTERNAL]
        assert any(".prod.clearpath.internal" in body for body in internal)
        customer = [u.body for u in updates if u.visibility == Visibility.CUSTOMER]
        assert not any(".internal" in body for body in customer)
        handoffs = session.scalars(select(Handoff)).all()
        assert any(h.is_pending for h in handoffs) and any(not h.is_pending for h in handoffs)
        assert {m.state() for m in session.scalars(select(Milestone))} == {
            "done", "upcoming", "late"}
        reopens = session.scalars(select(StatusChange).where(
            StatusChange.from_status.in_([Status.RESOLVED, Status.CLOSED]),
            StatusChange.to_status == Status.INVESTIGATING)).all()
        assert reopens


def test_demo_history_is_backdated_and_never_in_the_future(app, runner):
    """Escalations were opened over weeks, and nothing on a timeline happens after now."""
    seed(runner)
    with unscoped(app) as session:
        current = now()
        opened = [e.opened_at for e in session.scalars(select(Escalation))]
        assert current - min(opened) > (current - max(opened)) * 10
        assert (current - min(opened)).days >= 20
        assert max(session.scalars(select(Update.created_at))) <= current
        assert max(session.scalars(select(AuditEvent.at))) <= current


def test_demo_has_breached_and_at_risk_open_escalations(app, runner):
    """Some open escalations have already breached an SLA clock and some are at risk."""
    seed(runner)
    with unscoped(app) as session:
        states = set()
        for escalation in session.scalars(select(Escalation)):
            if escalation.is_open:
                clocks = clocks_for(escalation)
                states |= {clocks.acknowledge.state, clocks.resolve.state}
        assert {"breached", "at_risk"} <= states


def test_seeding_twice_without_reset_changes_nothing(app, runner):
    """A second `flask demo` says the demo is already there and leaves every row alone."""
    seed(runner)
    with unscoped(app) as session:
        before = counts(session)
    output = seed(runner)
    assert "already seeded" in output
    with unscoped(app) as session:
        assert counts(session) == before


def test_reset_rebuilds_the_same_world(app, runner):
    """`flask demo --reset` deletes the demo world, audit events included, and seeds it again."""
    seed(runner)
    with unscoped(app) as session:
        pristine = counts(session)
        escalation = session.scalars(select(Escalation)).first()
        agent = session.scalar(select(User).where(User.role == Role.AGENT))
        post_update(escalation, author=agent, body=MARKER, visibility=Visibility.INTERNAL)
        session.commit()
        assert counts(session) != pristine
    seed(runner, "--reset")
    with unscoped(app) as session:
        assert counts(session) == pristine
        assert session.scalar(select(Update).where(Update.body == MARKER)) is None


def test_demo_logins_cover_every_role_with_a_valid_password():
    """The published demo logins name every role, and the shared password is long enough."""
    assert {label for _email, label, _org in DEMO_LOGINS} == {role.label for role in Role}
    assert len({email for email, _label, _org in DEMO_LOGINS}) == len(DEMO_LOGINS)
    assert len(DEMO_PASSWORD) >= MIN_PASSWORD_LENGTH


def test_every_demo_login_can_sign_in(app, runner, auth):
    """Every demo login exists with the role and organization published for it."""
    seed(runner)
    with unscoped(app) as session:
        for email, label, org_name in DEMO_LOGINS:
            user = session.scalar(select(User).where(User.email == email))
            assert user is not None, email
            assert user.role.label == label
            assert (user.organization.name if user.organization else "Staff") == org_name
            assert verify_password(user.password_hash, DEMO_PASSWORD), email
    by_label = {}
    for email, label, _org in DEMO_LOGINS:
        by_label.setdefault(label, email)
    samples = [by_label[Role.ADMINISTRATOR.label], by_label[Role.AGENT.label],
               by_label[Role.VIEWER.label], by_label[Role.EXECUTIVE.label]]
    assert auth.login(samples[0], DEMO_PASSWORD).status_code == 302
    for email in samples[1:]:
        assert AuthActions(app.test_client()).login(email, DEMO_PASSWORD).status_code == 302


def test_seeded_history_sends_no_mail_now(app, runner):
    """The demo's past was announced in the past: seeding queues nothing to send today."""
    from portal.notices.models import Notice, NoticeStatus

    seed(runner)
    with unscoped(app) as session:
        statuses = set(session.scalars(select(Notice.status)))
        assert statuses == {NoticeStatus.SENT}
