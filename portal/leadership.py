"""Which scheduler process does the work: the one holding the lead.

An overlapping deploy, or a second `flask scheduler run` started by mistake, must not run
every job twice. Each scheduler first takes the lead; one that cannot stands by and tries
again every `SCHEDULER_STANDBY_SECONDS`, so it takes over within that time (plus the
database's own notice of a dead client) when the leader dies.

* PostgreSQL: a session-level advisory lock, keyed by the database and schema name, held on
  a connection of its own for as long as the process leads. The server releases it when that
  session ends, including when the process is killed.
* SQLite: an exclusive `flock` on `<database file>.scheduler-lock`; the kernel releases it
  when the process dies. (An in-memory database has one process by nature: always the lead.)
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import Connection, Engine

from portal.config import positive_seconds
from portal.extensions import db

log = logging.getLogger(__name__)

def standby_seconds(app: Flask) -> float:
    return positive_seconds(app.config["SCHEDULER_STANDBY_SECONDS"],
                            "SCHEDULER_STANDBY_SECONDS")


class Lead:
    """The scheduler's lead: `take()` tries once without waiting, `held()` checks it is
    still ours, `give_up()` lets another process have it."""

    def take(self) -> bool:
        raise NotImplementedError

    def held(self) -> bool:
        raise NotImplementedError

    def give_up(self) -> None:
        raise NotImplementedError


class AdvisoryLockLead(Lead):
    """PostgreSQL: `pg_try_advisory_lock` on a dedicated autocommit connection."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection: Connection | None = None
        self.key: int | None = None

    def take(self) -> bool:
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        try:
            if self.key is None:
                name = self.connection.exec_driver_sql(
                    "SELECT current_database() || '.' || current_schema()").scalar()
                self.key = lock_key(name)
            taken = self.connection.exec_driver_sql(
                "SELECT pg_try_advisory_lock(%(key)s)", {"key": self.key}).scalar()
        except Exception:
            self.give_up()
            raise
        return bool(taken)

    def held(self) -> bool:
        """The lock lives as long as its session: a connection that still answers holds it."""
        if self.connection is None:
            return False
        try:
            self.connection.exec_driver_sql("SELECT 1").scalar()
            return True
        except Exception:
            log.warning("scheduler lost its database session, and with it the lead")
            self.give_up()
            return False

    def give_up(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()  # ends the session: the server drops the lock
            except Exception:
                self.connection.invalidate()
            self.connection = None


class FileLockLead(Lead):
    """SQLite: an exclusive, non-blocking `flock` on a file beside the database."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def take(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def held(self) -> bool:
        return self.fd is not None

    def give_up(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


class AlwaysLead(Lead):
    """An in-memory SQLite database: no other process can share it."""

    def take(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def give_up(self) -> None:
        pass


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a database (and schema) name."""
    digest = hashlib.sha256(f"clearpath-scheduler:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lead_for(app: Flask) -> Lead:
    """The kind of lead this app's database supports (call inside an app context)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLead(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        return AlwaysLead()
    return FileLockLead(Path(f"{database}.scheduler-lock"))
