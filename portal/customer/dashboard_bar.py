"""The dashboard's live bar and pager drawn in Python: what `customer/_escalation_rows.html`
drew around its rows with Jinja (the count heading, `macros/live.html`'s clear_filters and
status, `macros/paging.html`'s pager).

Three macro calls and a few dozen lookups and escapes per request, for a heading of a few
numbers and two links: drawn directly, the markup is exactly what the template drew
(tests/customer/test_dashboard_bar.py renders both; the old fragment is kept in
tests/fixtures/dashboard_fragment_before.html).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from markupsafe import Markup, escape

from portal.live_bar import clear_filters, status

_LABEL = "Pages of open escalations"


@lru_cache(maxsize=1024)
def _text(value: str) -> str:
    """Plain text as HTML (markupsafe.escape), remembered: a pager links to the same few
    pages of the same views again and again."""
    return str(escape(value))


def bar(board, errors, at: datetime, poll_seconds: int, clear_url: str) -> Markup:
    """The live bar: how many open escalations (match), "Clear filters" when a filter or an
    error is on, and when the rows were read (`errors`: the filter form's)."""
    summary = board.summary
    total = summary.total_open
    noun = "escalation" if total == 1 else "escalations"
    filtered = board.query.is_filtered or errors
    if filtered:
        count = f"\n      {0 if errors else summary.matching} of {total} open {noun} match"
    else:
        count = f"\n      {total} open {noun}"
    if summary.pages > 1 and board.rows:
        count += f' <span class="live-range">· {board.first}–{board.last} shown</span>'
    return Markup(
        '<div class="live-bar">\n'
        f'    <h2 id="dashboard-count" class="live-count">{count}\n    </h2>\n'
        f"    {clear_filters(clear_url, filtered) if filtered else ''}\n"
        f"    {status(at, poll_seconds, not errors)}\n"
        "  </div>"
    )


def pager(board, page_url) -> Markup:
    """`macros/paging.html`'s pager for the dashboard: "Showing 26–50 of 216 · Page 2 of 9",
    and the neighbouring pages (`page_url(n)`: page n of the same view)."""
    page, pages = board.page, board.summary.pages
    if pages <= 1:
        return Markup("")
    previous = (
        f'<li><a href="{_text(page_url(page - 1))}" rel="prev">Previous</a></li>'
        if page > 1
        else ""
    )
    following = (
        f'<li><a href="{_text(page_url(page + 1))}" rel="next">Next</a></li>'
        if page < pages
        else ""
    )
    return Markup(
        f'\n<nav class="pagination" aria-label="{_LABEL}">\n'
        f"  <span>Showing {board.first}–{board.last} of {board.summary.matching} · "
        f"Page {page} of {pages}</span>\n"
        f"  <ul>{previous}{following}\n  </ul>\n</nav>"
    )
