"""The sweeps are set-based: the statement count does not grow with the open escalations, and
two sweeps racing on PostgreSQL queue every notice exactly once."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal.clock import frozen_at
from portal.enums import Role, Visibility
from portal.escalations import operations as ops
from portal.extensions import db
from portal.notices.models import Notice
from portal.rules.settings import HOLDING_MESSAGE_ENABLED, load_rules
from portal.rules.sweeps import all_sweeps, sweep_params
from portal.rules.watermark import SWEPT_UNTIL
from portal.settings import Setting, set_setting
from tests import factories
from tests.conftest import BoundSession
from tests.rules.helpers import counted_statements, minutes, sweep_at


def _open_many(count: int, org, owner):
    for n in range(count):
        with frozen_at(minutes(0)):
            escalation = factories.make_escalation(org, actor=owner, owner=owner, severity=1,
                                                   title=f"Outage {n}")
            ops.add_milestone(escalation, actor=owner, title="Fix", due_at=minutes(30))
            ops.post_update(escalation, author=owner, visibility=Visibility.CUSTOMER,
                            body="Looking.", next_update_by=minutes(20))


def _statements_for(count: int) -> tuple[int, int]:
    org = factories.make_organization()
    owner = factories.make_staff()
    factories.make_customer(org)
    _open_many(count, org, owner)
    # Built "in the past" (T0), after a sweep at T0+300: forget that sweep, as a scheduler
    # running since before T0 would have seen them as they happened.
    db.session.execute(sa.delete(Setting).where(Setting.key == SWEPT_UNTIL))
    with counted_statements() as statements:
        sweep_at(300)
    queued = db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.escalation_id.is_not(None), Notice.created_at == minutes(300)))
    return len(statements), queued


def test_statement_count_does_not_depend_on_the_number_of_escalations(staff_session):
    """3 or 30 open escalations with breaches, missed commitments and late milestones: the
    same number of statements, ten times the notices."""
    admin = factories.make_staff(Role.ADMINISTRATOR)
    factories.make_staff(Role.ESCALATION_MANAGER)
    set_setting(HOLDING_MESSAGE_ENABLED[0], True, actor=admin)
    few, few_queued = _statements_for(3)
    many, many_queued = _statements_for(30)
    assert few == many
    assert many_queued - few_queued >= 9 * few_queued > 0


def test_two_concurrent_sweeps_queue_each_notice_once(app, database_url):
    """On PostgreSQL two sweeps running at the same moment on two connections never queue a
    key twice (ON CONFLICT DO NOTHING under concurrency), and neither fails."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency of ON CONFLICT is a PostgreSQL property (SQLite: one writer)")
    from portal.tenancy import Scope, set_scope

    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    bound = db.session
    try:
        with app.app_context(), engine.connect() as setup:
            # Committed rows, visible to both sweepers (the test's own transaction would hide
            # them); the schema is emptied again below.
            db.session = db._make_scoped_session({"class_": BoundSession, "bind": setup})
            session = db.session()
            set_scope(session, Scope.unscoped("test setup"))
            org = factories.make_organization()
            owner = factories.make_staff()
            manager = factories.make_staff(Role.ESCALATION_MANAGER)
            _open_many(20, org, owner)
            session.commit()
            rules = load_rules()
            owner_email, manager_email = owner.email, manager.email
            session.close()
        db.session = bound
        at = minutes(300)
        barrier = threading.Barrier(2, timeout=30)
        errors = []

        def sweeper():
            try:
                with app.app_context(), engine.connect() as connection:
                    statements = [sweep.statement for sweep in all_sweeps(rules)]
                    barrier.wait()
                    with connection.begin():
                        for statement in statements:
                            connection.execute(statement, sweep_params(at, rules))
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=sweeper) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with engine.connect() as connection:
            keys = connection.execute(sa.text(
                "SELECT key, count(*) FROM notices WHERE recipient IN (:a, :b) GROUP BY key"),
                {"a": owner_email, "b": manager_email}).all()
        assert keys and all(count == 1 for _, count in keys)
        assert len(keys) >= 20 * 3  # breach, missed commitment, late milestone each
    finally:
        db.session = bound
        with engine.begin() as connection:  # back to the empty migrated schema
            tables = db.metadata.sorted_tables
            connection.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables)
                                       + " RESTART IDENTITY CASCADE"))
        engine.dispose()
