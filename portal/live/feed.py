"""The change feed: PostgreSQL tells every worker process which rows changed.

Triggers (migrations 0015 and 0017) run `pg_notify('clearpath_live', 'org:<id>')` and
`'escalation:<id>'` when an escalation's customer-visible stamp moves (or one is opened),
`'escalation:<id>'` when a viewer's subscription, survey answer or escalation request on it
changes, `'queue:0'` when what the staff queue's change stamp reads moves, and `'user:<id>'`
on any change of a user's row, and `'organization:<id>'` on any change of an organization's
row (migration 0031: the signed-in account the memo keeps).
Notifications are transactional: they are delivered at commit, never for a rolled-back change,
and whatever code path wrote the row (ORM, set-based SQL, a migration, psql) sends them.

Each worker process runs one listener thread on its own connection. While it is connected the
memo is `live`; when the connection drops the memo forgets everything and stays dark (every
request goes to the database as if there were no memo) until the listener is back, and on
reconnecting it forgets again, since notifications sent meanwhile were lost.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import psycopg

from portal.live.memo import Memo

CHANNEL = "clearpath_live"
KINDS = frozenset({"org", "user", "escalation", "queue", "organization"})
log = logging.getLogger(__name__)


def parse(payload: str) -> tuple[str, int] | None:
    kind, _, key = payload.partition(":")
    if kind in KINDS and key.isdigit():
        return kind, int(key)
    return None


class ChangeFeed:
    """One LISTEN connection per process, started on the process's first request."""

    def __init__(self, dsn: str, memo: Memo, *, poll_seconds: float = 5.0,
                 retry_seconds: float = 1.0):
        self.dsn, self.memo = dsn, memo
        self.poll_seconds, self.retry_seconds = poll_seconds, retry_seconds
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connection: psycopg.Connection | None = None

    def ensure_started(self) -> None:
        """Start the listener in this process (a forked worker does not inherit the thread)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self.memo.reset(live=False)  # whatever a parent process remembered is void here
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="clearpath-change-feed",
                                            daemon=True)
            self._thread.start()
            self._pid = os.getpid()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout)
        self._pid = None
        self.memo.reset(live=False)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # noqa: BLE001  (any failure: go dark, retry)
                if not self._stop.is_set():
                    log.warning("change feed disconnected (%s); retrying", exc)
            finally:
                self.memo.reset(live=False)
                self.connection = None
            self._stop.wait(self.retry_seconds)

    def _listen(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                             application_name="clearpath-change-feed") as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.connection = connection
            self.memo.reset(live=True)  # from now on nothing that changes goes unnoticed
            while not self._stop.is_set():
                for notify in connection.notifies(timeout=self.poll_seconds):
                    change = parse(notify.payload)
                    if change is not None:
                        self.memo.changed(*change)
                # Idle: make sure the connection is still there (a silent drop must go dark).
                connection.execute("SELECT 1")

    def wait_until_live(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.memo.live:
                return True
            time.sleep(0.01)
        return False
