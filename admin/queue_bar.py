"""The staff queue's live bar and pager, drawn in Python: "Clear filters", "Updated at …"
and the pager were three Jinja macro calls (macros/live.html, macros/paging.html) whose
argument handling alone cost more calls than the rest of the bar. Drawn exactly as those
macros draw them for the queue (tests/admin/test_queue_bar.py renders the macros and
compares; "Clear filters" and "Updated at" are portal/live_bar.py's, shared with the
dashboard); the pager is remembered per script root, query and pages, the rest moves with
the request.
"""

from __future__ import annotations

from functools import lru_cache

from flask import request
from markupsafe import Markup, escape

from portal.chrome import link_to
from portal.escalations.queue import QueueQuery
from portal.live_bar import clear_filters, status

__all__ = ["clear_filters", "pager", "status"]


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
