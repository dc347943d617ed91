"""Markup drawn once and remembered per key: the pages' bounded in-process memo.

Blank forms (`portal.form_markup`), the queue's filter selects (`admin.queue_forms`) and the
dashboard's filter form (`portal.customer.dashboard_filters`) draw the same markup for everyone
who asks the same thing; each keeps one `MarkupMemo`, keyed on everything its markup depends
on. At most `size` entries, the oldest dropped first; safe across a worker's threads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock

from markupsafe import Markup


class MarkupMemo:
    def __init__(self, size: int):
        self._size = size
        self._entries: dict[Hashable, Markup] = {}
        self._lock = Lock()

    def get(self, key: Hashable, draw: Callable[[], Markup]) -> Markup:
        """The markup remembered under `key`, drawn by `draw()` the first time. Raises
        TypeError for a key that cannot be hashed (the caller then draws it itself)."""
        drawn = self._entries.get(key)
        if drawn is None:
            drawn = draw()
            with self._lock:
                while len(self._entries) >= self._size:
                    del self._entries[next(iter(self._entries))]
                self._entries[key] = drawn
        return drawn
