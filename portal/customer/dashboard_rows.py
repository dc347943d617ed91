"""The customer dashboard's rows drawn in Python: what `customer/_escalation_rows.html` drew
per row with Jinja (the row markup, `macros/sla.html`'s clocks and next update).

A page is 25 rows of some forty interpolations each, a dozen times in the viewer's timezone:
as Jinja that cost a few hundred macro calls and a thousand escapes per request. Here the
per-request values (the viewer's zone, "now", the escalation URL) are read once, chips and
people cards are remembered per value (portal.badges, templating.person_card), and the rest
is formatted directly. The markup is exactly what the template drew
(tests/customer/test_dashboard_rows.py renders both).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from portal import badges
from portal.chrome import link_to
from portal.clock import now
from portal.escalations.models import Escalation
from portal.templating import duration, person_card, relative, viewer_zone

_LONG = "%a %d %b %Y, %H:%M %Z"  # templating.localtime's default: every tooltip
_REFERENCE_SLOT = "ESC-0"


@lru_cache(maxsize=8192)
def _text(value: str) -> str:
    """Plain text as HTML (markupsafe.escape), remembered: rows show the same titles, areas,
    authors and excerpts on every request (the same string objects, read from the remembered
    records of portal.escalations.dashboard_page)."""
    return str(escape(value))


class _Times:
    """Instants in one viewer's zone, relative to the request's instant and to "now"."""

    __slots__ = ("zone", "at", "now", "today")

    def __init__(self, zone: ZoneInfo, at: datetime, moment: datetime):
        self.zone, self.at, self.now = zone, at, moment
        self.today = moment.astimezone(zone).strftime("%Y-%m-%d")

    def local(self, value: datetime | None, fmt: str = _LONG) -> str:
        """templating.localtime, in this viewer's zone (remembered per instant, zone and
        format: a pure function, and the same instants come back on every refresh)."""
        if value is None:
            return "—"
        return _local(value, self.zone, fmt)


@lru_cache(maxsize=16384)
def _local(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    return value.astimezone(zone).strftime(fmt)


#: `datetime.isoformat`, remembered the same way.
_isoformat = lru_cache(maxsize=16384)(datetime.isoformat)


def rows(board_rows, at: datetime) -> Markup:
    """Every row of a dashboard page, each `<li>` on its own indented line."""
    if not board_rows:
        return Markup("")
    times = _Times(viewer_zone(), at, now())
    link = str(escape(link_to("customer.escalation", reference=_REFERENCE_SLOT)))
    return Markup("".join([_row(row, times, link) for row in board_rows]))


@lru_cache(maxsize=512)
def _chips(severity, status, tier) -> str:
    """A row's severity, status and tier chips (a few dozen combinations)."""
    return f"{badges.severity(severity)} {badges.status(status)} {badges.tier(tier)}"


def _row(row, times: _Times, link: str) -> str:
    e = row.escalation
    # A reference ("ESC-1042"), its URL, a severity and an ISO instant have nothing to escape.
    reference = _reference_of(e.id)
    href = link.replace(_REFERENCE_SLOT, reference)
    area = f" · {_text(e.product_area)}" if e.product_area else ""
    clocks = row.clocks
    next_update = clocks.next_update
    overdue = ('\n              <span class="dash-overdue">Overdue</span>'
               if next_update and next_update.overdue else "")
    opened_at, zone = e.opened_at, times.zone
    # data-version: Row.version (customer_changed_at), through the remembered isoformat.
    return (
        f'\n    <li id="escalation-{reference}" class="dash-card dash-sev{e.severity:d}" '
        f'data-version="{_isoformat(e.customer_changed_at)}">\n'
        '      <div class="dash-head">\n'
        f'        <h3 class="dash-title"><a href="{href}"><span class="ref">{reference}</span> '
        f'{_text(e.title)}</a></h3>\n'
        f'        <div class="cluster dash-badges">{_chips(e.severity, e.status, e.tier)}</div>\n'
        '        <p class="dash-meta small muted">Open for '
        f'<time datetime="{_isoformat(opened_at)}" title="Opened {_local(opened_at, zone, _LONG)}">'
        f'{duration(row.open_for)}</time>{area}</p>\n'
        '      </div>\n'
        '      <dl class="dash-facts">\n'
        '        <div class="dash-fact">\n'
        '          <dt>People</dt>\n'
        '          <dd class="dash-people">\n'
        f'            {_people(e.owner, e.communicator)}\n'
        '          </dd>\n'
        '        </div>\n'
        '        <div class="dash-fact">\n'
        '          <dt>What happens next</dt>\n'
        '          <dd>\n'
        '            <div class="dash-next">\n'
        '              <span class="dash-label">Next milestone</span>'
        f'{_milestone(row.next_milestone, times)}\n'
        '            </div>\n'
        '            <div class="dash-next">\n'
        f'              <span class="dash-label">Next update</span>{overdue}\n'
        f'              <span>{next_update_of(next_update, times)}</span>\n'
        '            </div>\n'
        '          </dd>\n'
        '        </div>\n'
        '        <div class="dash-fact">\n'
        '          <dt>Service level</dt>\n'
        '          <dd>\n'
        f'            {clock("Acknowledge", clocks.acknowledge, times)}\n'
        f'            {clock("Resolve", clocks.resolve, times, paused_reason="waiting on you")}\n'
        '          </dd>\n'
        '        </div>\n'
        '        <div class="dash-fact dash-fact-latest">\n'
        '          <dt>Latest update</dt>\n'
        f'          <dd>{_latest(row.latest_update, times)}\n'
        '          </dd>\n'
        '        </div>\n'
        '      </dl>\n'
        '    </li>'
    )


#: `Escalation.reference_of`, remembered (a pure function of the id; the same rows come back).
_reference_of = lru_cache(maxsize=8192)(Escalation.reference_of)


@lru_cache(maxsize=1024)
def _people(owner, contact) -> str:
    """A row's two people cards (remembered per pair: a page names the same few people)."""
    return (f'{person_card("Owner", owner)}\n'
            f'            {person_card("Your contact", contact)}')


def _milestone(m, times: _Times) -> str:
    if not m:
        return '\n              <span class="muted">None scheduled</span>'
    due, zone = m.due_at, times.zone
    late = "<strong>Late:</strong> was due" if due <= times.at else "due"
    return (f'\n              <span class="dash-strong">{_text(m.title)}</span>'
            f'\n              <span>{late} <time datetime="{_isoformat(due)}" '
            f'title="{_local(due, zone, _LONG)}">{_local(due, zone, "%a %d %b, %H:%M")}</time> '
            f'<span class="muted">({relative(due, times.at)})</span></span>')


def _latest(u, times: _Times) -> str:
    if not u:
        return '\n            <p class="muted">No update yet</p>'
    created_at = u.created_at
    return (f'\n            <p class="dash-excerpt">{_text(u.excerpt)}</p>'
            f'\n            <p class="small muted">{_text(u.author)} · <time '
            f'datetime="{_isoformat(created_at)}" title="{_local(created_at, times.zone, _LONG)}">'
            f'{relative(created_at, times.at)}</time></p>')


def clock(name: str, c, times: _Times, paused_reason: str | None = None) -> str:
    """`macros/sla.html`'s `clock(name, c, paused_reason)` (`name`: plain words, nothing to
    escape)."""
    if c.paused_since and paused_reason:
        today = times.local(c.paused_since, "%Y-%m-%d") == times.today
        label = f"{paused_reason} since " + times.local(
            c.paused_since, "%H:%M %Z" if today else "%a %d %b, %H:%M %Z")
        state = "paused"
    elif c.paused_since:
        state, label = "paused", "since " + times.local(c.paused_since, "%a %H:%M %Z")
    elif c.stopped_at:
        state, label = c.state, "after " + duration(c.elapsed)
    elif c.state == "breached":
        state, label = c.state, duration(c.remaining) + " over"
    else:
        state, label = c.state, "due " + relative(c.due_at, times.now)
    return _clock_markup(name, state, label)


@lru_cache(maxsize=4096)
def _clock_markup(name: str, state: str, label: str) -> str:
    return (f'<div class="sla-clock">\n  <span class="sla-name">{name}:</span>\n'
            f'  {badges.sla(state, label)}\n</div>')


def next_update_of(n, times: _Times) -> str:
    """`macros/sla.html`'s `next_update(n)`."""
    if n is None:
        return '<span class="muted">No further updates scheduled</span>'
    due, zone = n.due_at, times.zone
    overdue = ", overdue" if n.overdue else ""
    return (f'<time datetime="{_isoformat(due)}" title="{_local(due, zone, _LONG)}">'
            f'{_local(due, zone, "%a %d %b, %H:%M %Z")}</time>\n'
            f'<span class="muted">({relative(due, times.now)}{overdue})</span>')
