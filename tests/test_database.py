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
