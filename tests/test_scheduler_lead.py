"""Two `flask --app wsgi scheduler run` processes on one database (an overlapping deploy, or a
second one started by mistake): exactly one does the work, the other says in its log that it
stands by, and takes over when the leader is killed — nothing sent twice, nothing lost.

Real processes on a database of the suite's kind that only this test uses (a SQLite file, or
a PostgreSQL schema), delivering to a real SMTP server (aiosmtpd) that counts Message-IDs.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import free_port
from tests.notices.processes import (
    ROOT,
    counting_smtp_server,
    env_for,
    finish,
    migrated_database,
    worker,
)

STANDING_BY = "scheduler standing by: another scheduler holds the lead"
LEADING = "scheduler has the lead"
FAST_JOBS = {"dispatch-notices": 0.5, "due-scheduled-notices": 0.5, "daily-digests": 2,
             "evaluate-rules": 2}


@pytest.fixture
def live_url(database_url, tmp_path):
    with migrated_database(database_url, "lead", tmp_path) as url:
        yield url


@pytest.fixture
def counting_smtp():
    with counting_smtp_server() as sink:
        yield sink


class Scheduler:
    """`flask --app wsgi scheduler run` (or another command) as its own process, its log in
    a file."""

    def __init__(self, env: dict, log: Path, *command: str):
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi",
                 *(command or ("scheduler", "run"))],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def lines(self, text: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if text in line]

    def wait_to_log(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.lines(text):
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"no {text!r} in\n{self.log.read_text()}"
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=30)


def _all_delivered(engine, mailbox, notices: int, timeout: float = 60) -> set[str]:
    """Wait until `notices` rows exist, all sent, and the server has each of them."""
    from portal.notices.channels import message_id

    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT key, status FROM notices").all()
            schedules = conn.exec_driver_sql(
                "SELECT count(*) FROM scheduled_notices WHERE status = 'active'").scalar()
        expected = {message_id(key) for key, _ in rows}
        done = len(rows) >= notices and not schedules and {s for _, s in rows} <= {"sent"}
        if done and expected <= set(mailbox.ids):
            return expected
        assert time.monotonic() < deadline, f"{len(rows)} rows, {len(mailbox.ids)} received"
        time.sleep(0.1)


def test_a_second_scheduler_stands_by_and_takes_over_when_the_leader_is_killed(
        app, live_url, counting_smtp, tmp_path):
    """Leader and standby; notices go once; SIGKILL the leader; more notices; the standby
    takes the lead and sends them once: 0 duplicates, 0 lost, one 'standing by' line."""
    controller, mailbox = counting_smtp
    env = env_for(live_url, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                  SCHEDULER_STANDBY_SECONDS=0.5, SCHEDULER_JOB_SECONDS=FAST_JOBS)
    engine = sa.create_engine(live_url)
    leader = Scheduler(env, tmp_path / "leader.log")
    standby = None
    try:
        leader.wait_to_log(LEADING)
        standby = Scheduler(env, tmp_path / "standby.log")
        standby.wait_to_log(STANDING_BY)

        finish(worker(env, "seed", "--users", "10", "--schedules", "2"))
        with app.app_context():
            first = _all_delivered(engine, mailbox, 20)
        assert not standby.lines(LEADING) and not standby.lines("dispatched")  # idle
        assert leader.lines("dispatched")  # the leader did all of it

        leader.stop(signal.SIGKILL)
        finish(worker(env, "seed", "--users", "10", "--schedules", "3"))
        standby.wait_to_log(LEADING)
        with app.app_context():
            expected = _all_delivered(engine, mailbox, 20 + 30)
    finally:
        for scheduler in (leader, standby):
            if scheduler is not None:
                scheduler.stop()
        engine.dispose()
    received = mailbox.ids
    print(f"\n{len(first)} notices before the kill, {len(expected)} in all; "
          f"{len(received)} received, {len(received) - len(set(received))} duplicates")
    assert len(received) - len(set(received)) == 0  # nothing twice
    assert set(received) == expected  # nothing lost
    assert len(standby.lines(STANDING_BY)) == 1
    assert not leader.lines(STANDING_BY)


def test_the_demos_in_process_scheduler_stands_by_beside_a_scheduler_process(live_url, tmp_path):
    """`flask serve` with a scheduler process already running: the demo's jobs stand by."""
    env = env_for(live_url, SCHEDULER_STANDBY_SECONDS=0.5, SCHEDULER_JOB_SECONDS=FAST_JOBS)
    leader = Scheduler(env, tmp_path / "leader.log")
    demo = None
    try:
        leader.wait_to_log(LEADING)
        demo = Scheduler(env, tmp_path / "demo.log", "serve", "--port", str(free_port()))
        demo.wait_to_log(STANDING_BY)
        leader.stop(signal.SIGKILL)
        demo.wait_to_log(LEADING)  # and takes over when the scheduler process is gone
    finally:
        for process in (leader, demo):
            if process is not None:
                process.stop()
