"""The parts of a live list's bar that `macros/live.html` draws, in Python: "Clear filters" and
"Updated at …". The dashboard's bar (portal/customer/dashboard_bar.py) and the staff queue's
(admin/queue_bar.py) both draw them from here; each has a test that compares them with the
macros.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from portal.templating import in_zone, viewer_zone


def clear_filters(url: str, shown) -> Markup:
    """macros/live.html's clear_filters(url, shown)."""
    if not shown:
        return Markup("")
    return Markup(f'\n<a class="live-clear" href="{escape(url)}">Clear filters</a>')


def status(at: datetime, poll_seconds: int, refreshing: bool) -> Markup:
    """macros/live.html's status(at, poll_seconds, refreshing)."""
    every = (f'<span class="live-every"> · refreshes every {escape(poll_seconds)} s</span>'
             if refreshing else "")
    return Markup(
        '<p class="live-status small muted">\n'
        '  <span class="live-dot" aria-hidden="true"></span>\n'
        f'  Updated <time datetime="{escape(at.isoformat())}" data-live-updated>'
        f'at {escape(in_zone(at, viewer_zone(), "%H:%M:%S"))}</time>{every}\n'
        '  <span class="live-problem" data-live-problem hidden> · could not refresh, '
        'retrying</span>\n</p>')
