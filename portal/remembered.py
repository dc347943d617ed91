"""Markup drawn once and remembered per key: the pages' bounded in-process memo.

Blank forms (`portal.form_markup`), the queue's filter selects (`admin.queue_forms`) and the
filter forms of the dashboard and the queue (`RememberedForm`: `portal.customer.
dashboard_filters`, `admin.queue_filters`) draw the same markup for everyone who asks the same
thing; each keeps one `MarkupMemo`, keyed on everything its markup depends on. At most `size`
entries, the oldest dropped first; safe across a worker's threads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock

from flask import current_app
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


class RememberedForm:
    """A form drawn by `template` (given `form`), remembered per state: `state(form)` names
    everything the markup depends on besides the template, or None when it cannot (then it is
    drawn every time, as is a key that cannot be hashed). A form with errors shows what the
    person typed: it is drawn every time."""

    def __init__(self, template: str, size: int, state: Callable[[object], Hashable | None]):
        self._template = template
        self._state = state
        self._memo = MarkupMemo(size)

    def __call__(self, form) -> Markup:
        if not form.errors:
            key = self._state(form)
            if key is not None:
                try:
                    return self._memo.get(key, lambda: self._draw(form))
                except TypeError:  # a value in the form's data that cannot be hashed
                    pass
        return self._draw(form)

    def remembered(self, key: Hashable, build: Callable[[], object]) -> Markup:
        """The markup remembered under `key` (a state named by its caller, without a form),
        drawn from the form `build()` makes the first time (it must have no errors)."""
        return self._memo.get(key, lambda: self._draw(build()))

    def _draw(self, form) -> Markup:
        return Markup(current_app.jinja_env.get_template(self._template).render(form=form))
