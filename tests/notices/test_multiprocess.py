"""Several scheduler + dispatcher OS processes on one PostgreSQL database, delivering to a real
SMTP server that counts Message-IDs: nothing lost, nothing twice — and a dispatcher killed
with SIGKILL mid-batch loses nothing either.

PostgreSQL only: there, dispatchers coordinate with FOR UPDATE SKIP LOCKED; SQLite runs a
single dispatcher by design (the suite's PostgreSQL pass runs these). The processes work in a
schema of their own, migrated by `flask db upgrade` and dropped afterwards, because they must
see committed rows while every other test runs inside a rolled-back transaction.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.notices.processes import (
    ROOT,
    counting_smtp_server,
    env_for,
    finish,
    worker,
)
from tests.pgschema import own_schema


@pytest.fixture(scope="module")
def pg_schema(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several dispatcher processes need PostgreSQL (SKIP LOCKED); the "
                    "PostgreSQL pass of the suite runs this")
    with own_schema(database_url, "mp") as schema_url:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=env_for(schema_url), check=True, capture_output=True)
        schema_engine = sa.create_engine(schema_url)
        try:
            yield schema_url, schema_engine
        finally:
            schema_engine.dispose()


def _fresh(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE notices, scheduled_notices, audit_events CASCADE")


@pytest.fixture
def counting_smtp():
    with counting_smtp_server() as sink:
        yield sink


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
    env = env_for(url, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, NOTICE_BATCH_SIZE=200)
    finish(worker(env, "seed", "--users", "100", "--schedules", "100"))
    workers = [worker(env, "run", "--deadline", "840") for _ in range(2)]
    reports = [finish(worker) for worker in workers]

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
    env = env_for(url, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, NOTICE_BATCH_SIZE=100,
               NOTICE_LEASE_SECONDS=3)
    finish(worker(env, "seed", "--users", "100", "--schedules", "10"))
    victim = worker(env, "run")
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

    survivor = finish(worker(env, "run", "--no-sweep"))
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
