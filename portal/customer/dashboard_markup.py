"""The customer dashboard's page drawn in Python: its content (header, filters, the rows
section, the live announcer) and, around it, the page shell remembered by portal.page_shell.

`customer/dashboard.html` drew the content with Jinja around `_escalation_rows.html`, and
`base.html` around both: some 600 function calls of a rendered page, for a header of two
names, a section whose parts (filters, live bar, rows, pager) are already drawn in Python, and
a shell that depends only on who is signed in. Here the content is formatted directly and the
shell comes from portal.page_shell (the request's CSP nonce and CSRF token put back; flashes
and a staff preview still through Jinja). A filter form with errors (rare: it shows what was
typed, with the macros' error summary) is drawn by `_escalation_rows.html` as before.

The markup is byte for byte the templates' (their sources kept in tests/fixtures/
dashboard_page_before.html and dashboard_fragment_before.html; tests/customer/
test_dashboard_markup.py renders both).
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from portal import page_shell
from portal.customer import dashboard_bar, dashboard_filters, dashboard_rows

PAGE = "customer/dashboard.html"

_LIVE = (' hx-trigger="every {seconds}s, live:refresh" hx-target="this" hx-swap="outerHTML" '
         'hx-sync="#dashboard-filters:drop" hx-disinherit="hx-target hx-swap hx-sync"\n'
         '         data-live data-etag="')


def section(*, form, board, at, etag, poll_seconds, poll_url, page_url, clear_url,
            organization: str, zone=None) -> Markup | None:
    """`customer/_escalation_rows.html` for a form without errors (None: the form has errors,
    the template draws them). `organization`: the viewer's organization's name (the empty
    state names it); `zone`: the viewer's timezone (templating.viewer_zone when not given)."""
    if form.errors:
        return None
    summary = board.summary
    parts = ['<section id="dashboard-rows" class="dashboard-rows" '
             'aria-labelledby="dashboard-count"\n         hx-get="', _text(poll_url), '"',
             _live(poll_seconds), _text(etag), '">\n  \n  ',
             dashboard_bar.bar(board, form.errors, at, poll_seconds, clear_url)]
    if board.rows:
        parts += ['\n  <ol class="dash-list" aria-label="Open escalations, sorted: ',
                  _text(board.query.sort_label.lower()), '">',
                  dashboard_rows.rows(board.rows, at, zone), "\n  </ol>\n  ",
                  dashboard_bar.pager(board, page_url)]
    elif summary.total_open == 0:
        parts += ['\n  <div class="empty-state card">\n'
                  '    <p class="empty-state-title">No open escalations</p>\n'
                  '    <p>Nothing of ', _text(organization), "'s is escalated right now. When "
                  "an issue is escalated, it appears here with who owns it, what happens next "
                  "and when you will hear from us.</p>\n"
                  "    <p>This page keeps itself up to date.</p>\n  </div>"]
    else:
        total = summary.total_open
        parts += ['\n  <div class="empty-state card">\n'
                  '    <p class="empty-state-title">No open escalations match these filters</p>\n'
                  f"    <p>{total:d} open "
                  f"{'escalation is' if total == 1 else 'escalations are'} hidden by the "
                  "filters. Try another severity, status or product area, or fewer words in the "
                  "search.</p>\n"
                  '    <p><a href="', _text(clear_url), '">Clear filters</a></p>\n  </div>']
    parts.append("\n</section>")
    return Markup("".join(parts))


def content(user, form, rows_section: Markup, zone=None) -> Markup:
    """`customer/dashboard.html`'s content block around the rows section (`user`: the
    signed-in person, whose organization and zone the header names; `zone`: that zone when
    the caller has it at hand)."""
    return Markup(f"{_header(user.organization.name, (zone or user.zone).key)}"
                  f"{dashboard_filters.filters(form)}\n    {rows_section}"
                  '\n    <p id="live-announcer" class="visually-hidden" role="status" '
                  'aria-live="polite"></p>\n  </div>\n</div>\n')


def page(user, page_content: Markup) -> str:
    """The whole page: `page_content` in the shell remembered for this person
    (portal.page_shell)."""
    return page_shell.page(PAGE, page_content, user)


@lru_cache(maxsize=1024)
def _header(organization: str, zone: str) -> str:
    """The content above the filters: the same for a person on every request."""
    return ('\n<div class="container">\n  <div class="page-header">\n    <div>\n'
            '      <h1>Open escalations</h1>\n'
            f'      <p class="subtitle">{escape(organization)} · times shown in '
            f'{escape(zone)}</p>\n    </div>\n  </div>\n  <div class="stack-lg">\n    ')


@lru_cache(maxsize=64)
def _live(poll_seconds: int) -> str:
    return _LIVE.format(seconds=escape(poll_seconds))


@lru_cache(maxsize=1024)
def _text(value: str) -> str:
    """Plain text as HTML (the poll and clear links, ETags and sort labels of a few views)."""
    return str(escape(value))
