"""Tenancy in one place: customers see only their organization, and say so loudly otherwise."""

import pytest
from sqlalchemy import func, insert, select, update

from portal.accounts.models import Organization, User
from portal.escalations.models import Escalation, Update
from portal.extensions import db
from portal.tenancy import Scope, TenancyUndecided, TenancyViolation, set_scope, unscoped


def _scoped_to(org_id: int):
    session = db.session()
    set_scope(session, Scope.organization(org_id))
    return session


def test_customer_scope_hides_other_organizations_rows(app, world):
    """A customer-scoped session cannot load, count or get another organization's rows."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        refs = session.scalars(select(Escalation)).all()
        assert [e.id for e in refs] == [world.escalation_a.id]
        assert session.get(Escalation, world.escalation_b.id) is None
        assert session.scalar(select(func.count()).select_from(Update).where(
            Update.organization_id == world.org_b.id)) == 0
        assert session.scalars(select(Organization)).all() == [session.get(
            Organization, world.org_a.id)]


def test_customer_scope_sees_colleagues_and_staff_but_not_other_customers(app, world):
    """Customers can read their colleagues and vendor staff (owners), never another customer."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        visible = {u.id for u in session.scalars(select(User))}
        assert {u.id for u in world.customers_a.values()} <= visible
        assert {u.id for u in world.staff.values()} <= visible
        assert not visible & {u.id for u in world.customers_b.values()}


def test_relationship_loads_are_scoped_too(app, world):
    """Walking a relationship cannot reach across organizations either."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.organization.id == world.org_a.id
        assert all(change.organization_id == world.org_a.id
                   for change in escalation.status_history)


def test_write_for_another_organization_is_refused_at_flush(app, world):
    """Even a hand-built row for another organization is refused when flushed."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        session.add(Update(organization_id=world.org_b.id, escalation_id=world.escalation_b.id,
                           kind="note", visibility="customer", body="sneaky"))
        with pytest.raises(TenancyViolation):
            session.flush()
        session.rollback()


def test_session_without_a_decision_refuses_to_query(app, world):
    """Forgetting to decide the scope is an error, not a silent leak."""
    with app.app_context(), pytest.raises(TenancyUndecided):
        db.session.scalars(select(Escalation)).all()


def test_unscoped_block_restores_the_previous_scope(app, world):
    """An unscoped block (say, loading the signed-in user) does not widen the scope after it."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        with unscoped(session, "test"):
            assert len(session.scalars(select(Escalation)).all()) == 2
        assert len(session.scalars(select(Escalation)).all()) == 1



def test_an_unscoped_block_left_by_an_error_restores_the_decision_or_its_absence(app, world):
    """An error inside an unscoped block goes on up, and the session is left as it was:
    with the previous decision, or (none before) with no decision at all."""
    from portal.tenancy import current_scope

    with app.app_context():
        session = _scoped_to(world.org_a.id)
        before = current_scope(session)
        with pytest.raises(LookupError), unscoped(session, "test"):
            assert current_scope(session).is_unscoped
            raise LookupError
        assert current_scope(session) is before
        set_scope(session, Scope.unscoped("outer"))
        with unscoped(session, "inner"), unscoped(session, "innermost"):
            assert current_scope(session).unscoped_reason == "innermost"
        assert current_scope(session).unscoped_reason == "outer"
        session.info.clear()
        with pytest.raises(KeyError), unscoped(session, "test"):
            raise KeyError
        assert current_scope(session) is None
        with pytest.raises(ValueError), unscoped(session, ""):
            pass  # a block must say why

def test_an_email_rendered_inside_a_request_keeps_the_requests_decision(app, world):
    """Rendering an email pushes its own request context (for absolute URLs); tearing that
    down must not undo the page's tenancy decision."""
    from flask_login import login_user

    from portal.notices.models import Notice
    from portal.outreach.rendering import render_email

    with app.test_request_context("/admin/"):
        with unscoped(db.session(), "test: sign in"):
            staff = db.session.get(User, world.staff[next(iter(world.staff))].id)
            notice_id = db.session.scalar(select(Notice.id).where(Notice.event == "update"))
        login_user(staff)
        app.preprocess_request()
        render_email(db.session.get(Notice, notice_id))
        assert db.session.scalar(select(func.count()).select_from(Escalation)) == 2


def test_a_bulk_update_by_primary_key_is_refused_in_a_customer_scope(app, world):
    """`session.execute(update(Model), [rows])` passes neither the flush guard nor loader
    criteria: in a customer's session it is refused, whoever's rows it names."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        for escalation_id in (world.escalation_b.id, world.escalation_a.id):
            with pytest.raises(TenancyViolation, match="by primary key"):
                session.execute(update(Escalation), [{"id": escalation_id, "title": "moved"}])
        session.rollback()
        set_scope(session, Scope.unscoped("test: what the refusals left"))
        assert session.get(Escalation, world.escalation_b.id).title != "moved"


def test_a_bulk_insert_of_another_organizations_rows_is_refused(app, world):
    """An ORM INSERT whose parameters are rows is checked row by row: the session's own
    organization may be written, another's is refused before anything is sent."""
    with app.app_context():
        session = _scoped_to(world.org_a.id)
        row = {"escalation_id": world.escalation_b.id, "kind": "note",
               "visibility": "customer", "body": "sneaky"}
        with pytest.raises(TenancyViolation, match="organization"):
            session.execute(insert(Update), [{**row, "organization_id": world.org_b.id}])
        with pytest.raises(TenancyViolation, match="organization"):
            session.execute(insert(Update).values(organization_id=world.org_b.id,
                                                  **row))
        own = {**row, "escalation_id": world.escalation_a.id,
               "organization_id": world.org_a.id, "body": "ours"}
        session.execute(insert(Update), [own])
        assert session.scalar(select(func.count()).select_from(Update).where(
            Update.body == "ours")) == 1
        session.rollback()
