"""Several scheduler + dispatcher OS processes on one PostgreSQL database, delivering to a real
SMTP server that counts Message-IDs: nothing lost, nothing twice — and a dispatcher killed
with SIGKILL mid-batch loses nothing either.

PostgreSQL only: there, dispatchers coordinate with FOR UPDATE SKIP LOCKED; SQLite runs a
single dispatcher by design (the suite's PostgreSQL pass runs these). The processes work in a
schema of their own, migrated by `flask db upgrade` and dropped afterwards, because they must
see committed rows while every other test runs inside a rolled-back transaction.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.notices.conftest import free_port
from tests.pgschema import own_schema

ROOT = Path(__file__).resolve().parents[2]


class CountingMailbox:
    """Counts every Message-ID it accepts; can slow each message down."""

    def __init__(self, delay: float = 0.0):
        self.ids: list[str] = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


@pytest.fixture(scope="module")
def pg_schema(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several dispatcher processes need PostgreSQL (SKIP LOCKED); the "
                    "PostgreSQL pass of the suite runs this")
    with own_schema(database_url, "mp") as schema_url:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=_env(schema_url), check=True, capture_output=True)
        schema_engine = sa.create_engine(schema_url)
        try:
            yield schema_url, schema_engine
        finally:
            schema_engine.dispose()


def _env(database_url: str, **settings) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=database_url, PYTHONPATH=str(ROOT),
               PORTAL_SESSION_COOKIE_SECURE="false", PORTAL_SECRET_KEY="multi-process-tests")
    env.update({f"PORTAL_{key}": str(value) for key, value in settings.items()})
    return env


def _worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.notices.mp_worker", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen, timeout: float = 900) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _fresh(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE notices, scheduled_notices, audit_events CASCADE")


@pytest.fixture
def counting_smtp():
    mailbox = CountingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def _keys(engine) -> dict[str, str]:
    from portal.notices.channels import message_id

    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT key, status FROM notices").all()
    return {key: status for key, status in rows}, message_id


def test_two_schedulers_and_dispatchers_deliver_10000_notices_once_each(app, pg_schema,
                                                                      counting_smtp):
    """100 schedules × 100 readers swept and sent by two processes: 0 lost, 0 duplicates."""
    url, engine = pg_schema
    controller, mailbox = counting_smtp
    _fresh(engine)
    env = _env(url, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, NOTICE_BATCH_SIZE=200)
    _finish(_worker(env, "seed", "--users", "100", "--schedules", "100"))
    workers = [_worker(env, "run", "--deadline", "840") for _ in range(2)]
    reports = [_finish(worker) for worker in workers]

    statuses, message_id = _keys(engine)
    with app.app_context():
        expected = {message_id(key) for key in statuses}
    received = mailbox.ids
    print(f"\n10,000 notices, 2 processes: {reports}")
    assert len(statuses) == 10_000 and set(statuses.values()) == {"sent"}
    assert sum(r["queued"] for r in reports) == 10_000  # the sweep queued each row once
    assert len(received) - len(set(received)) == 0  # no duplicate Message-ID
    assert set(received) == expected  # nothing lost
    assert all(r["sent"] > 0 for r in reports)  # both dispatchers took part


def test_a_killed_dispatchers_rows_are_delivered_after_its_lease(app, pg_schema, counting_smtp):
    """SIGKILL mid-batch: another dispatcher sends the leased rows once the lease runs out;
    duplicates never exceed the rows the dead one had in flight."""
    url, engine = pg_schema
    controller, mailbox = counting_smtp
    mailbox.delay = 0.005
    _fresh(engine)
    env = _env(url, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, NOTICE_BATCH_SIZE=100,
               NOTICE_LEASE_SECONDS=3)
    _finish(_worker(env, "seed", "--users", "100", "--schedules", "10"))
    victim = _worker(env, "run")
    deadline = time.monotonic() + 120
    while len(mailbox.ids) < 150 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)  # reaps it and closes its pipes
    assert victim.returncode == -signal.SIGKILL
    with engine.connect() as conn:
        in_flight = conn.exec_driver_sql(
            "SELECT count(*) FROM notices WHERE status = 'sending'").scalar()
    delivered_before = len(mailbox.ids)
    assert 0 < in_flight <= 100

    survivor = _finish(_worker(env, "run", "--no-sweep"))
    statuses, message_id = _keys(engine)
    with app.app_context():
        expected = {message_id(key) for key in statuses}
    received = mailbox.ids
    duplicates = len(received) - len(set(received))
    print(f"\nkilled after {delivered_before} deliveries with {in_flight} rows in flight; "
          f"survivor {survivor}; duplicates {duplicates}")
    assert len(statuses) == 1000 and set(statuses.values()) == {"sent"}
    assert set(received) == expected  # nothing lost
    assert duplicates <= in_flight
