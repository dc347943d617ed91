"""Plain reads (portal.reads) skip the ORM's execution but never the tenancy guard: the same
statement answers each organization with its own rows only, hides drills, shows nothing to
nobody, refuses a session without a decision, and is scoped into the same object each time."""

from functools import cache

import pytest
from sqlalchemy import bindparam, delete, select, text

from portal import reads
from portal.enums import Role
from portal.escalations.models import Escalation, Update
from portal.extensions import db
from portal.isolation import ORGANIZATION_PARAMETER, scoped_read
from portal.tenancy import Scope, TenancyUndecided, clear_scope, set_scope
from tests import factories


@cache
def _escalations_with_updates():
    """Built once, as the pages' prebuilt reads are: a join over two tenant tables."""
    return (select(Escalation.id, Update.organization_id)
            .outerjoin(Update, Update.escalation_id == Escalation.id)
            .where(Escalation.id > bindparam("after"))
            .order_by(Update.id))


def _in_scope(scope: Scope):
    session = db.session()
    set_scope(session, scope)
    return session


def test_each_organization_reads_its_own_rows_only(app, world):
    """Taking turns between two organizations, the one prebuilt read answers each with its
    own escalation's rows, never the other's."""
    expected = {world.org_a.id: world.escalation_a.id, world.org_b.id: world.escalation_b.id}
    with app.app_context():
        for turn in range(4):
            org_id = (world.org_a.id, world.org_b.id)[turn % 2]
            _in_scope(Scope.organization(org_id))
            rows = reads.rows(_escalations_with_updates(), {"after": 0})
            assert rows and {tuple(row) for row in rows} == {(expected[org_id], org_id)}


def test_a_drill_and_its_rows_are_not_read(app, world, as_staff):
    """A drill of the customer's own organization is not there for a plain read either."""
    with as_staff() as session:
        agent = session.merge(world.staff[Role.AGENT])
        drill = factories.make_escalation(session.merge(world.org_a), actor=agent,
                                          title="Rehearsal")
        drill.is_drill = True
        session.flush()
        drill_id = drill.id
    with app.app_context():
        _in_scope(Scope.organization(world.org_a.id))
        ids = {row.id for row in reads.rows(_escalations_with_updates(), {"after": 0})}
        assert ids == {world.escalation_a.id} and drill_id not in ids
        _in_scope(Scope.unscoped("test: the drill is there"))
        assert drill_id in {row.id for row in reads.rows(_escalations_with_updates(),
                                                        {"after": 0})}


def test_nobody_reads_no_tenant_row_and_staff_read_every_row(app, world):
    """Anonymous: nothing. Unscoped (staff, jobs): both organizations, as it says."""
    with app.app_context():
        _in_scope(Scope.anonymous())
        assert reads.rows(_escalations_with_updates(), {"after": 0}) == []
        _in_scope(Scope.unscoped("test: everything"))
        assert {row.organization_id for row in reads.rows(_escalations_with_updates(),
                                                         {"after": 0})} == {
            world.org_a.id, world.org_b.id}


def test_a_session_without_a_decision_reads_nothing(app, world):
    """No tenancy decision: refused before any SQL, as for an ORM statement."""
    with app.app_context():
        clear_scope(db.session())
        with pytest.raises(TenancyUndecided):
            reads.rows(_escalations_with_updates(), {"after": 0})


def test_a_parameter_of_the_same_name_cannot_choose_the_organization(app, world):
    """A caller's own parameter named like the tenancy one is overridden by the session's."""
    statement = select(Escalation.id).where(
        Escalation.organization_id == bindparam(ORGANIZATION_PARAMETER))
    with app.app_context():
        _in_scope(Scope.organization(world.org_a.id))
        rows = reads.rows(statement, {ORGANIZATION_PARAMETER: world.org_b.id})
        assert [row.id for row in rows] == [world.escalation_a.id]


def test_the_scoped_form_is_made_once_per_statement(app, world):
    """Run again, a prebuilt read is scoped into the same object (SQLAlchemy computes its cache
    key once), and that object is the one an ORM read of it gets too."""
    with app.app_context():
        session = _in_scope(Scope.organization(world.org_a.id))
        first, _ = scoped_read(session, _escalations_with_updates())
        second, parameters = scoped_read(session, _escalations_with_updates(), {"after": 1})
        assert first is second
        assert parameters == {"after": 1, ORGANIZATION_PARAMETER: world.org_a.id}


def test_pending_changes_are_read_and_nothing_but_selects_runs(app, world):
    """Like the ORM's autoflush, a change made in the session is flushed before the read;
    anything but a select() (a DELETE, plain SQL text) is refused."""
    with app.app_context():
        session = _in_scope(Scope.unscoped("test: a pending change"))
        escalation = session.get(Escalation, world.escalation_a.id)
        escalation.title = "Renamed, not yet flushed"
        rows = reads.rows(select(Escalation.title).where(Escalation.id == escalation.id))
        assert [row.title for row in rows] == ["Renamed, not yet flushed"]
        session.rollback()
        for statement in (delete(Update), text("SELECT 1")):
            with pytest.raises(TypeError):
                reads.rows(statement)
