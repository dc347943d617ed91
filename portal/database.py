"""Engine setup for the two supported databases.

SQLite (the embedded default): a file in instance/, WAL, a busy timeout, foreign keys on, and
transactions begun by us so SAVEPOINTs work (pysqlite's own transaction handling breaks them).
A transaction reads without locking; its first write takes the write lock up front (see
`_take_write_lock`), so several people at once wait their turn instead of failing.
PostgreSQL (production): psycopg 3; a pooled connection idle for IDLE_PING_SECONDS is pinged
before it is handed out (`_ping_idle_connections`), a busy one is not; a request that only
reads (GET, HEAD) runs without a transaction (`read_without_transactions`); cursors describe
their columns by name and type code only (`PlainDescriptionCursor`).
"""

from __future__ import annotations

import re
import time
from contextvars import ContextVar
from pathlib import Path

import flask_sqlalchemy.session
import psycopg
from flask import Flask
from flask.globals import _cv_request
from psycopg.pq import ExecStatus
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.util import ScopedRegistry

# Every model, so every table is on the metadata before migrations compare or mappers configure.
import portal.accounts.models
import portal.accounts.recovery_codes
import portal.accounts.single_sign_on.models
import portal.analytics.models
import portal.audit
import portal.drills.models
import portal.escalations.models
import portal.feeds.models
import portal.notices.models
import portal.reports.models
import portal.rules.models
import portal.settings  # noqa: F401
from portal.extensions import app_context_scope, db
from portal.isolation import install as install_tenancy

SQLITE_BUSY_TIMEOUT_MS = 15_000  # below gunicorn's 30 s: a wait, not a hung worker
IDLE_PING_SECONDS = 10.0


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(app.instance_path) / 'clearpath.sqlite3'}"
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # Always psycopg 3, whatever scheme the platform hands us.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def init_app(app: Flask) -> None:
    url = database_url(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if make_url(url).get_backend_name() == "sqlite":
        options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    elif make_url(url).get_driver_name() == "psycopg":
        options["connect_args"] = {"cursor_factory": PlainDescriptionCursor,
                                   **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    _remove_sessions_directly(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        else:
            if not options.get("pool_pre_ping"):
                _ping_idle_connections(db.engine)
            if db.engine.dialect.name == "postgresql":
                _autocommit_as_wanted(db.engine)  # after the ping: a live connection
    # On Flask-SQLAlchemy's Session class, so every session made from it (tests' too) is guarded.
    install_tenancy(flask_sqlalchemy.session.Session)


def _remove_sessions_directly(app: Flask) -> None:
    """In Flask-SQLAlchemy's teardown's place (same position among the app's teardowns):
    `remove_context_session`."""
    teardowns = app.teardown_appcontext_funcs
    for index, func in enumerate(teardowns):
        if func == getattr(db, "_teardown_session", None):
            teardowns[index] = remove_context_session


def remove_context_session(exc: BaseException | None = None) -> None:
    """What Flask-SQLAlchemy does when an app context tears down, `db.session.remove()`:
    the context's session, if it has one, closed (its transaction rolled back, its
    connection returned to the pool), then forgotten. Here the registry's dictionary is read
    directly, by the context that keys it (`app_context_scope`), instead of three times
    through the registry's methods; and the session is forgotten even if closing it raises
    (the error still raised), so a failed close never keeps a dead context's session.
    A registry of another kind (not made by `db`) is removed as Flask-SQLAlchemy removes it."""
    registry = db.session.registry
    if type(registry) is not ScopedRegistry or registry.scopefunc is not app_context_scope:
        db.session.remove()
        return
    sessions, context = registry.registry, app_context_scope()
    session = sessions.get(context)
    try:
        if session is not None:
            session.close()
    finally:
        sessions.pop(context, None)


class PlainDescriptionCursor(psycopg.Cursor):
    """psycopg's cursor, its `description` plain DB-API 7-tuples: (name, type code, and five
    Nones, which DB-API allows where a value means nothing). SQLAlchemy reads a description
    after every statement that returns rows, only each column's name and type code; psycopg
    builds a `Column` per column for it (a type lookup, sizes, modifiers), on every execution
    of every statement (tests/test_database.py compares the two)."""

    @property
    def description(self):
        result = self.pgresult
        if not result or not (result.nfields or result.status in _RETURNS_ROWS):
            return None
        encoding = self._encoding  # psycopg's own Column decodes names with it
        return [((result.fname(index) or b"").decode(encoding) or f"column_{index + 1}",
                 result.ftype(index), None, None, None, None, None)
                for index in range(result.nfields)]


_RETURNS_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


def read_without_transactions(app: Flask) -> None:
    """On PostgreSQL, a GET or HEAD runs its statements in autocommit: no BEGIN before the
    first and no ROLLBACK after the last, two round trips of a small page's few. Reads lose
    nothing: under READ COMMITTED every statement sees its own snapshot, in a transaction or
    not. What a GET writes after reading (the audited PDF download's one INSERT) commits as it
    runs. The connection is taken when the request's session runs its first statement (a
    request that reads nothing, a redirect or a page drawn from memos, takes none). A session
    already bound to a connection in a transaction (the tests' rolled-back ones) is left as it
    is."""
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return
    session_class = flask_sqlalchemy.session.Session
    if not event.contains(session_class, "do_orm_execute", _autocommit_reads):
        event.listen(session_class, "do_orm_execute", _autocommit_reads)


_READ_MODE_DECIDED = "clearpath.read_mode_decided"


def _autocommit_reads(state: ORMExecuteState) -> None:
    decide_read_mode(state.session)


def read_connection(session) -> Connection:
    """The connection a read run outside the ORM's execution (portal.reads) uses: the one an
    ORM statement of this session would run on (a GET's first statement takes it in
    autocommit on PostgreSQL, as `read_without_transactions` has every ORM statement do)."""
    connection = decide_read_mode(session)
    return connection if connection is not None else session.connection()


def decide_read_mode(session) -> Connection | None:
    """Before a GET's first statement, while its session holds no connection: the session
    takes its connection in autocommit. Every later statement of the session only reads the
    flag. Not `session.in_transaction()`: merging the signed-in account copy (portal.live)
    begins the session's transaction without a connection, and a GET that read in a
    transaction would ROLLBACK at its end, and psycopg drops its prepared statements on a
    ROLLBACK: every statement would be planned again on every request. (On SQLite, or in a
    session bound to a connection, it decides nothing.) Returns the connection it took, if
    it took one."""
    if session.info.get(_READ_MODE_DECIDED):
        return None
    ctx = _cv_request.get(None)  # the request without its proxy
    if ctx is None or ctx.request.method not in ("GET", "HEAD"):
        return None
    session.info[_READ_MODE_DECIDED] = True
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql" \
            and not _holds_connection(session):
        wanted = _AUTOCOMMIT_WANTED.set(True)  # the checkout (`_autocommit_as_wanted`) reads it
        try:  # the bind just asked for, not asked for again
            return session.connection(bind_arguments={"bind": bind})
        finally:
            _AUTOCOMMIT_WANTED.reset(wanted)
    return None


# True only while a GET's session takes its connection (`decide_read_mode`): every other
# checkout (a POST's, a job's, the CLI's, a second connection) wants a transaction.
_AUTOCOMMIT_WANTED: ContextVar[bool] = ContextVar("clearpath_autocommit_wanted", default=False)


def _autocommit_as_wanted(engine: Engine) -> None:
    """Each pooled connection is handed out in the mode its taker wants: in autocommit to a
    GET's session (`decide_read_mode`), out of it to everyone else, switched only when it is
    in the other mode. A connection keeps its mode in the pool, so the GETs that follow each
    other on a worker's connection switch nothing, and the first POST to take one switches it
    back before its first statement (psycopg's `autocommit` flag, read from the connection
    itself on every checkout, never from a note that could be stale). The pool's rollback on
    return finds nothing to roll back in autocommit. (SQLAlchemy's `isolation_level=
    "AUTOCOMMIT"` execution option does the switch through its connection characteristics,
    some 60 calls a request, and back on every return.)"""

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        wanted = _AUTOCOMMIT_WANTED.get()
        if dbapi_connection.autocommit is not wanted:
            dbapi_connection.autocommit = wanted


def _holds_connection(session) -> bool:
    transaction = session.get_transaction()
    # SessionTransaction keeps its connections in `_connections`; SQLAlchemy has no public
    # question for "has this transaction taken a connection yet" (tests/test_app.py asks it).
    return transaction is not None and bool(transaction._connections)


_LAST_USED = "clearpath.last_used"


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it sat idle long enough for
    the server, a proxy or a failover to have dropped it; one in steady use is handed out as
    it is. (`pool_pre_ping` pings on every checkout: a round trip on every request, a tenth of
    a small page's time.) A ping that fails raises DisconnectionError, and the pool replaces
    the connection and tries again, as pre-ping would. A connection dropped while in use
    fails that one request, and its error invalidates the whole pool at once."""

    @event.listens_for(engine.pool, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        last_used = record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used < IDLE_PING_SECONDS:
            return  # just connected, or in steady use
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"an idle connection was dropped: {error}") from error
        if not alive:
            raise exc.DisconnectionError("an idle connection was dropped")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.info[_WRITING] = False
        connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(connection, cursor, statement, parameters, context, executemany):
        if connection.info.get(_WRITING) is False and not _READS.match(statement):
            _take_write_lock(connection, cursor)


_WRITING = "clearpath.sqlite_writing"
_READS = re.compile(r"\s*(SELECT|WITH|PRAGMA|BEGIN|EXPLAIN)\b", re.IGNORECASE)


def _take_write_lock(connection, cursor) -> None:
    """Turn the transaction's read snapshot into a write transaction before its first write.

    SQLite cannot upgrade a read transaction while another connection writes: the upgrade
    fails at once with "database is locked", without waiting for the busy timeout (its busy
    handler runs only for a transaction's first lock). So the first writing statement (an
    INSERT, UPDATE, DELETE, or a SAVEPOINT that will hold writes) ends the read snapshot,
    which has written nothing, and begins again with BEGIN IMMEDIATE, which waits its turn
    for the write lock. What the transaction read before stays as read: the same guarantee
    as PostgreSQL's READ COMMITTED, which production runs."""
    connection.info[_WRITING] = True
    if connection.in_nested_transaction():
        return  # inside a savepoint the outer transaction already writes or is not ours
    cursor.execute("COMMIT")
    cursor.execute("BEGIN IMMEDIATE")
