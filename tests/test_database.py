"""The embedded SQLite database lets several people write at once: they wait, never fail."""

from __future__ import annotations

import threading

import pytest

from portal import create_app
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
