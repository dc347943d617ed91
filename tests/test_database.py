"""The embedded SQLite database lets several people write at once: they wait, never fail."""

from __future__ import annotations

import threading

import psycopg
import pytest

from portal import create_app, database
from portal.config import TestConfig, settings_of
from portal.extensions import db


@pytest.fixture
def sqlite_engine(tmp_path):
    app = create_app(settings_of(TestConfig, DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}"))
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        yield engine
        engine.dispose()


def test_a_write_after_a_stale_read_waits_its_turn(sqlite_engine):
    """A request that read before another one wrote can still write (it used to get
    "database is locked" at once: SQLite cannot upgrade a stale read snapshot)."""
    with sqlite_engine.connect() as reader, sqlite_engine.connect() as writer:
        reader.begin()
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
        with writer.begin():
            writer.exec_driver_sql("INSERT INTO t VALUES (1)")
        reader.exec_driver_sql("INSERT INTO t VALUES (2)")
        reader.commit()
    with sqlite_engine.connect() as check:
        assert check.exec_driver_sql("SELECT x FROM t ORDER BY x").scalars().all() == [1, 2]


def test_a_writer_waits_for_the_one_holding_the_lock(sqlite_engine):
    """While one transaction writes, another's first write waits for its commit."""
    holding, done = threading.Event(), threading.Event()
    results = []

    def second():
        holding.wait(30)
        with sqlite_engine.begin() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM t").scalar()
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        results.append("second")
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        holding.set()
        assert not done.wait(0.2), "the second writer must wait for this commit"
        results.append("first")
    thread.join(30)
    assert results == ["first", "second"]
    with sqlite_engine.connect() as check:
        assert check.exec_driver_sql("SELECT x FROM t ORDER BY x").scalars().all() == [1, 2]


def test_on_postgresql_a_cursor_describes_its_columns_as_psycopg_does(app):
    """The portal's cursors give each column's name and type code as psycopg's own do (and
    None where psycopg's say nothing either way for SQLAlchemy), also for no rows, unnamed
    columns and statements that return none."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("psycopg's cursors; the PostgreSQL pass of the suite runs this")
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert isinstance(raw.cursor(), database.PlainDescriptionCursor)
            for sql in ("SELECT 1 AS one, 'x'::text, now() AS \"Ünïcode\", NULL::int[] AS a",
                        "SELECT id, email FROM users WHERE false", "SELECT",
                        "SET timezone TO 'UTC'"):
                ours, theirs = raw.cursor(), psycopg.Cursor(raw)
                ours.execute(sql)
                theirs.execute(sql)
                if theirs.description is None:
                    assert ours.description is None
                    continue
                assert [(name, code) for name, code, *_ in ours.description] == [
                    (column.name, column.type_code) for column in theirs.description]
                assert all(len(column) == 7 for column in ours.description)


# The source of what `database.remove_context_session` does in Flask-SQLAlchemy's place
# (Flask-SQLAlchemy 3.1's teardown, SQLAlchemy's scoped_session.remove and its registry): if
# an upgrade changes one, read it again and update the digest.
SESSION_REMOVAL_SHA256 = "cc7cf2501039e7136df0601796704034d392b77964d127246a55bb7b5c2fb96e"


def _session_removal_source() -> str:
    import inspect

    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.orm import scoped_session
    from sqlalchemy.util import ScopedRegistry

    return "".join(inspect.getsource(f) for f in (
        SQLAlchemy._teardown_session, scoped_session.remove, ScopedRegistry.__call__,
        ScopedRegistry.has, ScopedRegistry.clear))


def test_the_session_removal_copied_is_still_flask_sqlalchemys():
    """An upgrade that changes how a context's session is removed fails here, not in
    production."""
    import hashlib

    digest = hashlib.sha256(_session_removal_source().encode()).hexdigest()
    assert digest == SESSION_REMOVAL_SHA256


def test_the_apps_teardown_removes_the_contexts_session_in_flask_sqlalchemys_place(app):
    """The app tears a context's session down where Flask-SQLAlchemy would, once."""
    teardowns = app.teardown_appcontext_funcs
    assert database.remove_context_session in teardowns
    assert db._teardown_session not in teardowns
    reference = create_app(settings_of(TestConfig, DATABASE_URL="sqlite://"))
    assert ([f.__qualname__ for f in reference.teardown_appcontext_funcs]
            == [f.__qualname__ for f in teardowns])


@pytest.mark.parametrize("closing_fails", [False, True])
def test_a_contexts_session_is_closed_then_forgotten_as_flask_sqlalchemy_does(
        app, monkeypatch, closing_fails):
    """Leaving an app context closes its session (its transaction over, nothing held) and
    forgets it, as `db.session.remove()` does; a close that fails still raises, and the
    session is forgotten all the same (Flask-SQLAlchemy would keep it for a context that
    is gone)."""
    from sqlalchemy import text

    registry = db.session.registry
    closed = []
    with app.app_context() as ctx:
        session = db.session()
        session.execute(text("SELECT 1"))
        assert session.in_transaction()
        real_close = session.close

        def close():
            closed.append(session)
            real_close()
            if closing_fails:
                raise RuntimeError("close failed")

        monkeypatch.setattr(session, "close", close)
        if closing_fails:
            with pytest.raises(RuntimeError, match="close failed"):
                database.remove_context_session(None)
        else:
            database.remove_context_session(None)
        assert closed == [session] and not session.in_transaction()
        assert ctx not in registry.registry
        assert db.session() is not session  # a new one for the same context
    assert ctx not in registry.registry  # and that one removed as the context ended


def test_a_context_without_a_session_removes_nothing(app):
    """A context that never asked for a session tears down without making one."""
    with app.app_context() as ctx:
        database.remove_context_session(None)
        assert ctx not in db.session.registry.registry
