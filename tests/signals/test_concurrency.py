"""Many workers at once: the same dedupe key never opens two escalations.

Requests go over HTTP to the threaded live server, each handled by its own thread, session
and database connection; on PostgreSQL (PORTAL_TEST_DATABASE_URL) they truly overlap, and
the unique open key on signal_links is what keeps one escalation per key.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa

from portal.enums import Visibility
from portal.escalations.models import Escalation, Update
from portal.signals.models import Signal, SignalLink

WORKERS = 12


def _post(client: httpx.Client, live, key: str) -> dict:
    response = client.post(f"{live.url}/api/v1/signals/generic", json={
        "source": "load", "dedupe_key": key, "status": "firing", "title": f"{key} failing"},
        headers={"Authorization": f"Bearer {live.generic_token}"}, timeout=60)
    assert response.status_code == 202, response.text
    return response.json()["signals"][0]


def _escalations_titled(live, prefix: str) -> Counter:
    with live.session() as session:
        return Counter(session.scalars(sa.select(Escalation.title).where(
            Escalation.title.like(f"{prefix}%"))))


def test_workers_receiving_one_key_at_once_open_one_escalation(live):
    """Twelve workers receive the same new key at the same instant: one escalation, the
    others add to it (five rounds, each a fresh key)."""
    for round_ in range(5):
        key = f"race-{round_}"
        barrier = threading.Barrier(WORKERS)
        results = []

        def worker(key=key, barrier=barrier, results=results):
            with httpx.Client() as client:
                barrier.wait()
                results.append(_post(client, live, key))

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes = Counter(result["outcome"] for result in results)
        assert outcomes == {"opened": 1, "added": WORKERS - 1}, outcomes
        assert len({result["escalation_id"] for result in results}) == 1
        assert _escalations_titled(live, key) == {f"{key} failing": 1}
        with live.session() as session:
            link = session.scalars(sa.select(SignalLink).where(
                SignalLink.dedupe_key == key)).one()
            assert link.fired_count == WORKERS


def test_a_flood_of_1000_alerts_over_10_keys_makes_exactly_10_escalations(live):
    """1,000 alerts, ten keys, eight concurrent senders: ten escalations, each counting 100,
    and each timeline with its opening note only (repeats within NOTE_EVERY are counted,
    not noted one by one)."""
    keys = [f"flood-{n}" for n in range(10)]
    with ThreadPoolExecutor(8) as pool, httpx.Client(
            limits=httpx.Limits(max_connections=8)) as client:
        results = list(pool.map(lambda i: _post(client, live, keys[i % 10]), range(1000)))
    outcomes = Counter(result["outcome"] for result in results)
    assert outcomes == {"opened": 10, "added": 990}
    assert _escalations_titled(live, "flood-") == {f"{key} failing": 1 for key in keys}
    with live.session() as session:
        counts = dict(session.execute(sa.select(SignalLink.dedupe_key, SignalLink.fired_count)
                                      .where(SignalLink.dedupe_key.in_(keys))).all())
        assert counts == {key: 100 for key in keys}
        notes = Counter(session.execute(
            sa.select(Escalation.title).join(Update, Update.escalation_id == Escalation.id)
            .where(Escalation.title.like("flood-%"), Update.visibility == Visibility.INTERNAL,
                   Update.body.like("%`flood-%"))).scalars())
        assert notes == {f"{key} failing": 1 for key in keys}
        assert session.scalar(sa.select(sa.func.count(Signal.id)).where(
            Signal.dedupe_key.in_(keys))) == 1000
