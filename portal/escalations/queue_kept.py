"""The staff queue's counts kept while the rows they count are unchanged.

The summary (open escalations per product area and per quick view) groups every open
escalation: most of the queue's statement, and the same from one render to the next until
something on the queue changes. portal.escalations.queue.read keeps it per (rows as of,
filters, viewer), `rows as of` being portal.live.queue_ticket taken before the read (it
changes with every notification the queue's triggers send: an escalation inserted, deleted
or touched, a handoff, an approval), and reads only the page beside it while that ticket
stands.

Kept only when that makes no difference to a count: filters whose counts read the
organizations (segment, search: the queue's ticket does not follow them) or every clock
(the SLA filters) are counted every time; the one count the clock moves otherwise, "Updates
overdue" (next_update_due_at < at), is read again from the first next-update due instant
not yet passed when the counts were read (`Summary.next_flip`), and when the clock went back.
tests/admin/test_queue_kept.py holds a kept read to a fresh read at the same instant.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from datetime import datetime
from typing import Any

#: (rows as of, filters, viewer) → (the instant the summary was read at, the summary).
_KEPT: dict[tuple, tuple[datetime, Any]] = {}
_KEPT_MAX = 512


def keepable(filters) -> bool:
    """Whether a summary of these filters (a QueueQuery) moves only with what the queue's
    ticket follows, and with the clock only through "Updates overdue"."""
    return not (filters.sla or filters.segment or filters.search)


def summary(rows_as_of: Hashable | None, filters, viewer_id: int, at: datetime, view: str):
    """The summary kept for these filters and viewer under `rows_as_of` when reading it again
    at `at` gives the same counts (None otherwise, and when `view` matches nothing: an empty
    page reads the navigation's counts with the summary)."""
    if rows_as_of is None or not keepable(filters):
        return None
    entry = _KEPT.get((rows_as_of, filters, viewer_id))
    if entry is None:
        return None
    read_at, kept = entry
    # overdue is next_update_due_at < at: unchanged while no due instant lies in [read_at, at)
    if at < read_at or (kept.next_flip is not None and at > kept.next_flip):
        return None
    return kept if kept.views[view] else None


def keep(rows_as_of: Hashable | None, filters, viewer_id: int, at: datetime, read) -> None:
    """Keep the summary `read` at `at` under `rows_as_of` (without the caller's extra
    columns: those are read with each page)."""
    if rows_as_of is None or not keepable(filters):
        return
    if len(_KEPT) >= _KEPT_MAX:
        _KEPT.clear()
    _KEPT[rows_as_of, filters, viewer_id] = (at, replace(read, also=None))


def forget() -> None:
    """Every kept summary dropped (tests)."""
    _KEPT.clear()
