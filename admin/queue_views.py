"""The staff queue's quick views (All open, Mine, …, each with its count), drawn in Python:
six links through Jinja's calls, lookups and escapes cost more than the rest of the bar.
Drawn exactly as `admin/queue/_rows.html`'s loop drew them (tests/admin/test_queue_views.py
compares with the loop's old source, kept in tests/fixtures), and remembered per script root,
query and counts: the markup depends on nothing else.
"""

from __future__ import annotations

from functools import lru_cache

from flask import request
from markupsafe import Markup, escape

from portal.chrome import link_to
from portal.escalations.queue import QUICK_VIEWS, QueueQuery, Summary


def quick_views(query: QueueQuery, summary: Summary) -> Markup:
    """The list items of the quick views' nav, each on its own line."""
    return _quick_views(request.script_root, query, tuple(summary.views.items()))


@lru_cache(maxsize=256)
def _quick_views(script_root: str, query: QueueQuery, counts: tuple) -> Markup:
    views = dict(counts)
    return Markup("".join(
        f'\n      <li><a href="{escape(link_to("admin.home", **query.args(view=view, page=1)))}"'
        f'{_CURRENT if query.view == view else ""}>{escape(label)} '
        f'<span class="queue-view-count">{escape(views[view])}</span></a></li>'
        for view, label in QUICK_VIEWS.items()))


_CURRENT = ' aria-current="page"'
