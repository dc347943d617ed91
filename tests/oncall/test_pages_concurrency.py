"""Two schedulers paging at the same instant on PostgreSQL (a second one started by mistake,
past the sweep lock): every page and every repeat goes out once, and neither fails."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.clock import frozen_at
from portal.extensions import db
from portal.oncall.paging import page_on_call
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.conftest import BoundSession
from tests.oncall.paging import london_team, open_sev1

OPENED = datetime(2026, 11, 24, 10, tzinfo=UTC)


def _race(app, at: datetime) -> list[Exception]:
    barrier = threading.Barrier(2, timeout=30)
    errors: list[Exception] = []

    def pager():
        try:
            with app.app_context():
                set_scope(db.session(), Scope.unscoped("test: a second scheduler"))
                barrier.wait()
                page_on_call(at)
                db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=pager) for _ in range(2)]
    with frozen_at(at):  # once, here: the one clock is process-wide, not per thread
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return errors


def test_two_pagers_at_the_same_instant_page_once(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers are PostgreSQL's (SQLite: one writer at a time)")
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    bound = db.session
    try:
        with app.app_context(), engine.connect() as setup:
            # Committed rows, visible to both pagers; the schema is emptied again below.
            db.session = db._make_scoped_session({"class_": BoundSession, "bind": setup})
            session = db.session()
            set_scope(session, Scope.unscoped("test setup"))
            ann = factories.make_staff(name="Ann")
            london_team([ann], starts_on=date(2026, 11, 2))
            org, owner = factories.make_organization(), factories.make_staff()
            for _ in range(10):
                open_sev1(org, owner, OPENED)
            session.commit()
            session.close()
        # One session per pager (scoped by app context), each on its own connection.
        db.session = db._make_scoped_session({"class_": BoundSession, "bind": engine})
        for minute in (15, 25, 35):
            assert _race(app, OPENED + timedelta(minutes=minute)) == []
        db.session = bound
        with engine.connect() as connection:
            keys = connection.execute(sa.text(
                "SELECT key, count(*) FROM notices WHERE event = 'oncall_paged' "
                "GROUP BY key")).all()
            repeats = connection.execute(sa.text("SELECT repeats FROM oncall_pages")).all()
        assert len(keys) == 10 * 3 and all(count == 1 for _, count in keys)
        assert sorted(r for (r,) in repeats) == [2] * 10
    finally:
        db.session = bound
        with engine.begin() as connection:  # back to the empty migrated schema
            tables = db.metadata.sorted_tables
            connection.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables)
                                       + " RESTART IDENTITY CASCADE"))
        engine.dispose()
