"""The staff queue's live bar and pager, drawn in Python: "Clear filters", "Updated at …"
and the pager were three Jinja macro calls (macros/live.html, macros/paging.html) whose
argument handling alone cost more calls than the rest of the bar. Drawn exactly as those
macros draw them for the queue (tests/admin/test_queue_bar.py renders the macros and
compares); the pager is remembered per script root, query and pages, the rest moves with
the request.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import request
from markupsafe import Markup, escape

from portal.chrome import link_to
from portal.escalations.queue import QueueQuery
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


def pager(query: QueueQuery, page: int, pages: int) -> Markup:
    """macros/paging.html's pager for the queue: its words and label, each neighbour's link
    the query with that page (what the view's page_url gives)."""
    return _pager(request.script_root, query, page, pages)


@lru_cache(maxsize=1024)
def _pager(script_root: str, query: QueueQuery, page: int, pages: int) -> Markup:
    if pages <= 1:
        return Markup("")
    previous = (f'<li><a href="{escape(link_to("admin.home", **query.args(page=page - 1)))}" '
                'rel="prev">Previous page</a></li>' if page > 1 else "")
    following = (f'<li><a href="{escape(link_to("admin.home", **query.args(page=page + 1)))}" '
                 'rel="next">Next page</a></li>' if page < pages else "")
    return Markup(
        '\n<nav class="pagination" aria-label="Pages of the queue">\n'
        f"  <span>Page {page} of {pages}</span>\n"
        f"  <ul>{previous}{following}\n  </ul>\n</nav>")
