"""The factory, its configuration sources, and the CLI."""

import psycopg
import pytest
from flask import has_request_context, request
from flask_migrate import upgrade
from sqlalchemy import event, select, text
from sqlalchemy.orm import make_transient_to_detached

from portal import audit, create_app, database, reads
from portal.accounts.models import User
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests.pgschema import own_schema


def test_environment_overrides_defaults(monkeypatch, database_url):
    """PORTAL_* variables configure the app, parsed as JSON where they look like it."""
    monkeypatch.setenv("PORTAL_POLL_INTERVAL_SECONDS", "30")
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_SECURE", "false")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 32})
    assert app.config["POLL_INTERVAL_SECONDS"] == 30
    assert app.config["SESSION_COOKIE_SECURE"] is False
    with app.app_context():
        db.engine.dispose()


def test_instance_config_file_is_read(tmp_path, monkeypatch, database_url):
    """An instance/portal.cfg sits between the defaults and the environment."""
    import flask

    (tmp_path / "portal.cfg").write_text("POLL_INTERVAL_SECONDS = 42\n")
    original = flask.Flask.__init__

    def with_instance(self, *args, **kwargs):
        kwargs["instance_path"] = str(tmp_path)
        original(self, *args, **kwargs)

    monkeypatch.setattr(flask.Flask, "__init__", with_instance)
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 32})
    assert app.config["POLL_INTERVAL_SECONDS"] == 42
    with app.app_context():
        db.engine.dispose()


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(app):
    """The embedded database is set up for concurrent readers and real integrity."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            return  # this run is on PostgreSQL; nothing SQLite-specific to check
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_postgres_pings_a_pooled_connection_only_after_it_sat_idle(app, monkeypatch):
    """A connection in steady use is handed out without a round trip; one that sat idle is
    pinged first, and one the server dropped meanwhile is replaced without an error."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("the pool is PostgreSQL's; the PostgreSQL pass of the suite runs this")
        assert engine.dialect.driver == "psycopg" and not engine.pool._pre_ping
        pings = []
        ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping",
                            lambda connection: pings.append(1) or ping(connection))
        with engine.connect() as connection:
            pid = connection.connection.dbapi_connection.info.backend_pid
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.info.backend_pid == pid
        assert pings == []  # in steady use

        # Idle past the threshold (0 here), and dropped by the server meanwhile.
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert connection.connection.dbapi_connection.info.backend_pid != pid
        assert pings


def test_on_postgresql_a_request_that_only_reads_runs_without_a_transaction(database_url):
    """A GET's statements run in autocommit (no BEGIN, no ROLLBACK round trips); a POST keeps
    its transaction; a GET that reads nothing takes no connection; what a GET writes (the
    audited download's INSERT) is kept."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps its transactions; the PostgreSQL pass of the suite runs this")
    with own_schema(database_url, "reads") as schema_url:
        app = create_app(settings_of(TestConfig, DATABASE_URL=schema_url))
        with app.app_context():
            upgrade()
            engine = db.engine
        seen, checkouts = [], []

        def record(conn, cursor, statement, parameters, context, executemany):
            if has_request_context():
                seen.append((request.method, conn.connection.dbapi_connection.autocommit))

        client = app.test_client()
        event.listen(engine, "before_cursor_execute", record)
        event.listen(engine.pool, "checkout", lambda *args: checkouts.append(1))
        try:
            client.get("/login")
            assert checkouts == []  # the sign-in form reads nothing
            for method in ("POST", "GET"):
                with app.test_request_context("/login", method=method):
                    set_scope(db.session(), Scope.unscoped("test: a read"))
                    db.session.scalars(select(User)).all()
                    db.session.get(User, 1)
            assert (("POST", False) in seen and ("GET", True) in seen
                    and set(seen) == {("POST", False), ("GET", True)})

            # A GET whose session began before its first statement, without a connection, as
            # merging the signed-in account copy does, still reads in autocommit: no ROLLBACK
            # at its end to drop psycopg's prepared statements.
            account = User(id=1, email="copy@clearpath.example.com", name="A copy")
            make_transient_to_detached(account)  # as the account copy is: known, not loaded
            seen.clear()
            with app.test_request_context("/login", method="GET"):
                set_scope(db.session(), Scope.unscoped("test: a read"))
                db.session.merge(account, load=False)
                assert db.session().in_transaction()
                db.session.scalars(select(User)).all()
            assert seen == [("GET", True)]

            # A plain read (portal.reads), outside the ORM's execution, takes the same way.
            seen.clear()
            for method in ("POST", "GET"):
                with app.test_request_context("/login", method=method):
                    set_scope(db.session(), Scope.unscoped("test: a plain read"))
                    reads.rows(select(User.id))
            assert seen == [("POST", False), ("GET", True)]

            # The connection a GET read on goes back to the pool out of autocommit: the POST
            # that takes it next (the pool's only idle one) keeps its transaction.
            seen.clear()
            pids = []
            for method in ("GET", "POST"):
                with app.test_request_context("/login", method=method):
                    set_scope(db.session(), Scope.unscoped("test: the same connection"))
                    db.session.scalars(select(User)).all()
                    pids.append(db.session.connection().connection.dbapi_connection
                                .info.backend_pid)
            assert seen == [("GET", True), ("POST", False)] and pids[0] == pids[1]

            # A connection keeps its mode in the pool and is switched only when its next
            # taker wants the other: GETs in a row, then a POST, then a GET, on one connection.
            seen.clear()
            pids.clear()
            for method in ("GET", "GET", "POST", "GET"):
                with app.test_request_context("/login", method=method):
                    set_scope(db.session(), Scope.unscoped("test: modes kept"))
                    db.session.scalars(select(User)).all()
                    pids.append(db.session.connection().connection.dbapi_connection
                                .info.backend_pid)
            assert seen == [("GET", True), ("GET", True), ("POST", False), ("GET", True)]
            assert len(set(pids)) == 1

            # A connection taken any other way during a GET (not by its session's first
            # statement) has a transaction, even the one the last GET left in autocommit.
            with app.test_request_context("/login", method="GET"), engine.connect() as other:
                assert other.connection.dbapi_connection.info.backend_pid == pids[0]
                assert other.connection.dbapi_connection.autocommit is False
        finally:
            event.remove(engine, "before_cursor_execute", record)

        with app.test_request_context("/login", method="GET"):
            app.preprocess_request()
            audit.append("test.written_while_reading", object_type="test")
            db.session.commit()
        with app.app_context(), db.engine.connect() as connection:
            kept = connection.exec_driver_sql(
                "SELECT count(*) FROM audit_events WHERE action = 'test.written_while_reading'"
            ).scalar()
        with app.app_context():
            db.engine.dispose()
        assert kept == 1


def test_create_admin_from_options(app, runner):
    """`flask create-admin` makes a first administrator who can sign in."""
    result = runner.invoke(args=["create-admin", "--email", "first@clearpath.example.com",
                                 "--name", "First Admin", "--password", "a long enough pass"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test check"))
        user = db.session.scalar(select(User).where(User.email == "first@clearpath.example.com"))
        assert user.role == Role.ADMINISTRATOR and user.organization_id is None


def test_create_admin_refuses_a_short_password(runner):
    """A weak first password is refused with the reason."""
    result = runner.invoke(args=["create-admin", "--email", "a@clearpath.example.com",
                                 "--name", "A", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_create_admin_prompts_interactively(app, runner):
    """Without options the command asks, hiding the password."""
    result = runner.invoke(args=["create-admin"],
                           input="ops@clearpath.example.com\nOps Lead\nlong password 123\n"
                                 "long password 123\n")
    assert result.exit_code == 0, result.output
