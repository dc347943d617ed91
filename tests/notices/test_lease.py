"""A batch that takes longer than its lease is still sent once: real dispatcher processes, a
slow webhook receiver on loopback that counts deliveries by Idempotency-Key, and a database
file (SQLite) or schema (PostgreSQL) of the test's own, on the suite's database kind.

The settings make the race quick to reach: a 2 s lease over batches of 8, and a receiver that
takes 0.4 s a message (slower than lease ÷ batch = 0.25 s), so every batch outlives the lease
it was claimed with.
"""

from __future__ import annotations

import signal

import pytest

from tests.notices.processes import counting_receiver, env_for, finish, migrated_database, worker

LEASE = {"NOTICE_LEASE_SECONDS": 2, "NOTICE_BATCH_SIZE": 8, "WEBHOOK_TIMEOUT_SECONDS": 10}


@pytest.fixture(scope="module")
def live_url(database_url, tmp_path_factory):
    with migrated_database(database_url, "lease", tmp_path_factory.mktemp("lease")) as url:
        yield url


def _seed(env: dict, url: str, count: int) -> None:
    finish(worker(env, "seed-webhooks", "--url", url, "--count", str(count)))


def test_two_dispatchers_send_each_notice_once_to_a_receiver_slower_than_the_lease(live_url):
    """40 webhooks, two dispatchers, batches that outlive their lease: 40 deliveries, 0 twice."""
    with counting_receiver(delay=0.4) as receiver:
        env = env_for(live_url, **LEASE)
        _seed(env, receiver.url, 40)
        dispatchers = [worker(env, "run", "--no-sweep", "--deadline", "60") for _ in range(2)]
        reports = [finish(process) for process in dispatchers]
    print(f"\nreports {reports}; deliveries {len(receiver.keys)}, "
          f"duplicates {receiver.duplicates()}")
    assert len(set(receiver.keys)) == 40  # nothing lost
    assert receiver.duplicates() == 0
    assert sum(report["sent"] for report in reports) == 40


def test_a_dispatcher_killed_mid_batch_duplicates_at_most_the_message_in_flight(live_url):
    """SIGKILL while its third message is at the receiver: the survivor sends the rest after
    the lease; only that one message may arrive twice, and nothing is lost."""
    with counting_receiver(delay=0.3, hold_at=3) as receiver:
        env = env_for(live_url, **LEASE)
        _seed(env, receiver.url, 12)
        victim = worker(env, "run", "--no-sweep", "--deadline", "60")
        assert receiver.holding.wait(60), victim.communicate(timeout=5)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=30)
        assert victim.returncode == -signal.SIGKILL
        in_flight = receiver.keys[2]
        receiver.release.set()
        survivor = finish(worker(env, "run", "--no-sweep", "--deadline", "60"))
    twice = {key for key in receiver.keys if receiver.keys.count(key) > 1}
    print(f"\nsurvivor {survivor}; deliveries {len(receiver.keys)}, twice {sorted(twice)}")
    assert len(set(receiver.keys)) == 12  # nothing lost
    assert twice <= {in_flight}  # at most the message it had in flight
