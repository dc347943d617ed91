"""The queue's counts kept while its rows are unchanged (portal.escalations.queue.read with
`rows_as_of`, the view passing portal.live.queue_ticket): a read beside a kept summary gives
exactly what a fresh read gives at the same instant (rows, counts, page, threshold, the
navigation's counts), the clock moving "Updates overdue" reads the counts again, and filters
whose counts the ticket does not follow are never kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.clock import now
from portal.enums import Role, Segment, Tier
from portal.escalations import queue, queue_kept
from portal.escalations.models import Escalation
from tests.admin.test_queue import _staff, several  # noqa: F401 (a fixture)
from tests.querycount import counted_queries

ALSO = (sa.select(sa.func.count(Escalation.id)).scalar_subquery(),)


@pytest.fixture(autouse=True)
def _nothing_kept():
    queue_kept.forget()
    yield
    queue_kept.forget()


def _same(board, fresh):
    assert board.summary == fresh.summary
    assert board.page == fresh.page and board.threshold == fresh.threshold
    assert board.rows == fresh.rows


@pytest.mark.parametrize("asked", [
    {}, {"view": "mine"}, {"view": "unassigned", "sort": "age"}, {"page": 2}, {"page": 9},
    {"tier": Tier.L2}, {"view": "overdue"}, {"view": "requests"}, {"area": "Reporting"},
    {"owner": 0, "sort": "sla"}, {"view": "handoffs"},
])
def test_a_kept_summary_reads_as_a_fresh_one(app, as_staff, world, several,  # noqa: F811
                                             monkeypatch, asked):
    """Kept counts read as fresh ones, with the page, rows and badges of the same instant."""
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)  # several pages out of a handful of rows
    token = object()
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        at = now()
        # another view of the same filters keeps the summary the next one reads beside
        queue.read(queue.QueueQuery(**{**asked, "view": "all", "page": 1}),
                   viewer_id=manager.id, at=at, also=ALSO, rows_as_of=token)
        query = queue.QueueQuery(**asked)
        fresh = queue.read(query, viewer_id=manager.id, at=at, also=ALSO)
        with counted_queries() as statements:
            kept = queue.read(query, viewer_id=manager.id, at=at + timedelta(seconds=1),
                              also=ALSO, rows_as_of=token)
        fresh_later = queue.read(query, viewer_id=manager.id, at=at + timedelta(seconds=1),
                                 also=ALSO)
    _same(kept, fresh_later)
    assert fresh.summary.also == kept.summary.also is not None or not fresh.summary.matching
    if fresh.summary.matching:  # the page alone beside the kept counts (and its details)
        assert not any("GROUP BY" in statement for statement in statements), statements
        assert len(statements) <= 2


def test_the_clock_passing_a_next_update_due_instant_reads_the_counts_again(
        as_staff, world, several):  # noqa: F811
    """An update falling due moves "Updates overdue" at that instant, not a render later."""
    token = object()
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        at = now().replace(microsecond=0)
        due = at + timedelta(minutes=10)
        session.execute(sa.update(Escalation).where(Escalation.id == world.escalation_a.id)
                        .values(next_update_due_at=due))
        session.execute(sa.update(Escalation).where(Escalation.id != world.escalation_a.id)
                        .values(next_update_due_at=None))
        boards = {}
        for label, instant in (("before", at), ("at due", due),
                               ("just past", due + timedelta(microseconds=1)),
                               ("back", at + timedelta(minutes=1)),
                               ("long past", due + timedelta(hours=1))):
            for query in (queue.QueueQuery(), queue.QueueQuery(view="overdue")):
                kept = queue.read(query, viewer_id=manager.id, at=instant, also=ALSO,
                                  rows_as_of=token)
                fresh = queue.read(query, viewer_id=manager.id, at=instant, also=ALSO)
                _same(kept, fresh)
                boards[label] = kept.summary.views["overdue"]
    assert boards == {"before": 0, "at due": 0, "just past": 1, "back": 0, "long past": 1}


@pytest.mark.parametrize("asked", [{"sla": "breached"}, {"sla": "at_risk"},
                                   {"segment": Segment.ENTERPRISE}, {"search": "outage"}])
def test_counts_the_ticket_does_not_follow_are_never_kept(as_staff, world, several,  # noqa: F811
                                                          asked):
    """SLA states, segments and searches are counted on every render."""
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        for _ in range(2):
            with counted_queries() as statements:
                queue.read(queue.QueueQuery(**asked), viewer_id=manager.id, at=now(),
                           rows_as_of=object())
            assert any("GROUP BY" in statement for statement in statements)
    assert not queue_kept._KEPT


def test_another_ticket_reads_the_counts_again(as_staff, world, several):  # noqa: F811
    """A change (a new ticket): the counts as they are now, not as kept."""
    with as_staff() as session:
        manager = _staff(session, world, Role.ESCALATION_MANAGER)
        before = queue.read(queue.QueueQuery(), viewer_id=manager.id, at=now(),
                            rows_as_of="ticket 1")
        session.execute(sa.update(Escalation).where(Escalation.id == world.escalation_a.id)
                        .values(owner_id=None))
        after = queue.read(queue.QueueQuery(), viewer_id=manager.id, at=now(),
                           rows_as_of="ticket 2")
    assert after.summary.views["unassigned"] == before.summary.views["unassigned"] + 1
