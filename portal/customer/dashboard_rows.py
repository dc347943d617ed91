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

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from portal import badges
from portal.chrome import link_to
from portal.clock import now
from portal.escalations.models import Escalation
from portal.templating import in_words, person_card, relative_words, viewer_zone

_LONG = "%a %d %b %Y, %H:%M %Z"  # templating.localtime's default: every tooltip
_REFERENCE_SLOT = "ESC-0"
_MINUTE = timedelta(minutes=1)
_NO_TIME = timedelta(0)


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


@lru_cache(maxsize=512)
def _chips(severity, status, tier) -> str:
    """A row's severity, status and tier chips (a few dozen combinations)."""
    return f"{badges.severity(severity)} {badges.status(status)} {badges.tier(tier)}"


def rows(board_rows, at: datetime, zone: ZoneInfo | None = None) -> Markup:
    """Every row of a dashboard page, each `<li>` on its own indented line.

    A row's parts that do not move with the time are remembered (per escalation record,
    milestone, update and zone); the words that do (how long ago, how long until, the clocks'
    labels) are whole minutes and remembered pure functions of them. A whole row is a pure
    function of those parts, whole minutes and labels, so it is remembered by them (`_drawn`):
    on a refresh within the minute the loop works out the minutes and the clocks' labels and
    finds the row drawn, without a call per row or per clock (but a paused one): a page draws
    25 rows on every request. `zone`: the viewer's (templating.viewer_zone when not given)."""
    if not board_rows:
        return Markup("")
    zone, moment = zone or viewer_zone(), now()
    times = _Times(zone, at, moment)
    link = str(escape(link_to("customer.escalation", reference=_REFERENCE_SLOT)))
    drawn: list[str] = []
    for row in board_rows:
        e = row.escalation
        key = (e.id, zone, link)
        try:
            kept, head, middle = _kept[key]
            if kept is not e:  # another record of this escalation: something on it changed
                head, middle = _keep(key, e, zone, link)
        except KeyError:
            head, middle = _keep(key, e, zone, link)
        clocks = row.clocks
        open_for = row.open_for
        # Every word that moves with the time, as the whole minutes (relative_words' signed
        # ones) it is drawn from, or the label drawn.
        m = row.next_milestone
        if m:
            milestone_due = m.due_at
            delta = milestone_due - at
            milestone_title, milestone_late = m.title, delta <= _NO_TIME
            milestone_minutes = (delta // _MINUTE if delta >= _NO_TIME
                                 else -1 - -delta // _MINUTE)
        else:
            milestone_title = milestone_due = milestone_late = milestone_minutes = None
        next_update = clocks.next_update
        if next_update:
            update_due, overdue = next_update.due_at, next_update.overdue
            delta = update_due - moment
            update_minutes = delta // _MINUTE if delta >= _NO_TIME else -1 - -delta // _MINUTE
        else:
            update_due = overdue = update_minutes = None
        u = row.latest_update
        if u:
            excerpt, created_at, author = u
            delta = created_at - at
            latest_minutes = delta // _MINUTE if delta >= _NO_TIME else -1 - -delta // _MINUTE
        else:
            excerpt = author = created_at = latest_minutes = None
        # The two clocks as `clock` draws them, its branches but the paused one written out.
        drawn_clocks = []
        for name, c, paused_reason in (("Acknowledge", clocks.acknowledge, None),
                                       ("Resolve", clocks.resolve, "waiting on you")):
            if c.paused_since:
                drawn_clocks += (clock(name, c, times, paused_reason),)
            elif c.stopped_at:
                delta = c.elapsed
                drawn_clocks += (_clock_markup(name, c.state, "after " + in_words(
                    (-delta if delta < _NO_TIME else delta) // _MINUTE)),)
            elif c.state == "breached":
                delta = c.target - c.elapsed
                drawn_clocks += (_clock_markup(name, c.state, in_words(
                    (-delta if delta < _NO_TIME else delta) // _MINUTE) + " over"),)
            elif c.due_at is None:
                drawn_clocks += (_clock_markup(name, c.state, "due —"),)
            else:
                delta = c.due_at - moment
                drawn_clocks += (_clock_markup(name, c.state, "due " + relative_words(
                    delta // _MINUTE if delta >= _NO_TIME else -1 - -delta // _MINUTE)),)
        acknowledge, resolve = drawn_clocks
        row_key = (head, middle, zone,
                   (-open_for if open_for < _NO_TIME else open_for) // _MINUTE,
                   milestone_title, milestone_due, milestone_late, milestone_minutes,
                   update_due, overdue, update_minutes,
                   excerpt, author, created_at, latest_minutes, acknowledge, resolve)
        try:
            drawn += (_drawn[row_key],)
        except KeyError:
            drawn += (_draw(row_key),)
    return Markup("".join(drawn))


#: Whole rows drawn, per everything they are drawn from (`_draw`'s key).
_drawn: dict = {}
_DRAWN_AT_MOST = 2048


def _draw(key: tuple) -> str:
    """The row drawn from `rows`' key: its unchanging head and middle, zone, whole minutes
    open, next milestone (title, due, late, minutes), next update (due, overdue, minutes),
    latest update (excerpt, author, instant, minutes) and its two clocks drawn."""
    (head, middle, zone, open_minutes, milestone_title, milestone_due, milestone_late,
     milestone_minutes, update_due, overdue, update_minutes, excerpt, author, created_at,
     latest_minutes, acknowledge, resolve) = key
    if milestone_due is not None:
        before, after = _milestone_parts(milestone_title, milestone_due, zone)
        milestone = (f'{before}{_LATE if milestone_late else "due"} {after}'
                     f'{relative_words(milestone_minutes)}{_CLOSE_MILESTONE}')
    else:
        milestone = _NO_MILESTONE
    if update_due is None:
        overdue_part, next_words = "", _NO_NEXT_UPDATE
    else:
        overdue_part = _OVERDUE if overdue else ""
        next_words = (f'{_next_update_part(update_due, zone)}{relative_words(update_minutes)}'
                      f'{", overdue" if overdue else ""})</span>')
    if created_at is not None:
        latest = (f'{_latest_part(excerpt, author, created_at, zone)}'
                  f'{relative_words(latest_minutes)}</time></p>')
    else:
        latest = _NO_UPDATE
    drawn = (
        f'{head}{in_words(open_minutes)}'
        f'{middle}{milestone}{_NEXT_UPDATE}{overdue_part}\n              <span>{next_words}</span>'
        f'{_SERVICE_LEVEL}{acknowledge}\n            {resolve}{_TAIL}{latest}{_END}'
    )
    if len(_drawn) >= _DRAWN_AT_MOST:
        _drawn.clear()
    _drawn[key] = drawn
    return drawn


#: A row's markup that does not move with the time, per (escalation id, zone, link), with the
#: record it was drawn from (portal.escalations.dashboard_page makes one record per distinct
#: row text: the same object while nothing on the row changes).
_kept: dict = {}
_KEEP_AT_MOST = 8192


def _keep(key, e, zone: ZoneInfo, link: str) -> tuple[str, str]:
    """The row's markup before its "Open for" words and from them to its next milestone."""
    reference = _reference_of(e.id)
    href = link.replace(_REFERENCE_SLOT, reference)
    area = f" · {_text(e.product_area)}" if e.product_area else ""
    opened_at = e.opened_at
    # data-version: Row.version (customer_changed_at), through the remembered isoformat.
    head = (
        f'\n    <li id="escalation-{reference}" class="dash-card dash-sev{e.severity:d}" '
        f'data-version="{_isoformat(e.customer_changed_at)}">\n'
        '      <div class="dash-head">\n'
        f'        <h3 class="dash-title"><a href="{href}"><span class="ref">{reference}</span> '
        f'{_text(e.title)}</a></h3>\n'
        f'        <div class="cluster dash-badges">{_chips(e.severity, e.status, e.tier)}</div>\n'
        '        <p class="dash-meta small muted">Open for '
        f'<time datetime="{_isoformat(opened_at)}" title="Opened {_local(opened_at, zone, _LONG)}">'
    )
    middle = (
        f'</time>{area}</p>\n'
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
    )
    if len(_kept) >= _KEEP_AT_MOST:
        _kept.clear()
    _kept[key] = (e, head, middle)
    return head, middle


_NEXT_UPDATE = ('\n            </div>\n'
                '            <div class="dash-next">\n'
                '              <span class="dash-label">Next update</span>')
_OVERDUE = '\n              <span class="dash-overdue">Overdue</span>'
_SERVICE_LEVEL = ('\n            </div>\n'
                  '          </dd>\n'
                  '        </div>\n'
                  '        <div class="dash-fact">\n'
                  '          <dt>Service level</dt>\n'
                  '          <dd>\n'
                  '            ')
_TAIL = ('\n          </dd>\n'
         '        </div>\n'
         '        <div class="dash-fact dash-fact-latest">\n'
         '          <dt>Latest update</dt>\n'
         '          <dd>')
_END = ('\n          </dd>\n'
        '        </div>\n'
        '      </dl>\n'
        '    </li>')
_NO_MILESTONE = '\n              <span class="muted">None scheduled</span>'
_LATE = "<strong>Late:</strong> was due"
_CLOSE_MILESTONE = ")</span></span>"
_NO_NEXT_UPDATE = '<span class="muted">No further updates scheduled</span>'
_NO_UPDATE = '\n            <p class="muted">No update yet</p>'


@lru_cache(maxsize=4096)
def _milestone_parts(title: str, due: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """A next milestone's markup around its "due"/"was due" and up to its relative words."""
    return (f'\n              <span class="dash-strong">{_text(title)}</span>'
            '\n              <span>',
            f'<time datetime="{_isoformat(due)}" title="{_local(due, zone, _LONG)}">'
            f'{_local(due, zone, "%a %d %b, %H:%M")}</time> <span class="muted">(')


@lru_cache(maxsize=4096)
def _next_update_part(due: datetime, zone: ZoneInfo) -> str:
    """`next_update(n)`'s markup up to its relative words."""
    return (f'<time datetime="{_isoformat(due)}" title="{_local(due, zone, _LONG)}">'
            f'{_local(due, zone, "%a %d %b, %H:%M %Z")}</time>\n'
            '<span class="muted">(')


@lru_cache(maxsize=4096)
def _latest_part(excerpt: str, author: str, created_at: datetime, zone: ZoneInfo) -> str:
    """A latest update's markup up to its relative words."""
    return (f'\n            <p class="dash-excerpt">{_text(excerpt)}</p>'
            f'\n            <p class="small muted">{_text(author)} · <time '
            f'datetime="{_isoformat(created_at)}" title="{_local(created_at, zone, _LONG)}">')


#: `Escalation.reference_of`, remembered (a pure function of the id; the same rows come back).
_reference_of = lru_cache(maxsize=8192)(Escalation.reference_of)


@lru_cache(maxsize=1024)
def _people(owner, contact) -> str:
    """A row's two people cards (remembered per pair: a page names the same few people)."""
    return (f'{person_card("Owner", owner)}\n'
            f'            {person_card("Your contact", contact)}')


def clock(name: str, c, times: _Times, paused_reason: str | None = None) -> str:
    """`macros/sla.html`'s `clock(name, c, paused_reason)` (`name`: plain words, nothing to
    escape); its durations and relative words without a call each (templating.in_words and
    relative_words, remembered)."""
    if c.paused_since and paused_reason:
        today = times.local(c.paused_since, "%Y-%m-%d") == times.today
        label = f"{paused_reason} since " + times.local(
            c.paused_since, "%H:%M %Z" if today else "%a %d %b, %H:%M %Z")
        state = "paused"
    elif c.paused_since:
        state, label = "paused", "since " + times.local(c.paused_since, "%a %H:%M %Z")
    elif c.stopped_at:
        elapsed = c.elapsed
        state, label = c.state, "after " + in_words(
            (-elapsed if elapsed < _NO_TIME else elapsed) // _MINUTE)
    elif c.state == "breached":
        over = c.target - c.elapsed  # Clock.remaining
        state, label = c.state, in_words((-over if over < _NO_TIME else over) // _MINUTE) + " over"
    elif c.due_at is None:
        state, label = c.state, "due —"
    else:
        delta = c.due_at - times.now
        state, label = c.state, "due " + relative_words(
            delta // _MINUTE if delta >= _NO_TIME else -1 - -delta // _MINUTE)
    return _clock_markup(name, state, label)


@lru_cache(maxsize=4096)
def _clock_markup(name: str, state: str, label: str) -> str:
    return (f'<div class="sla-clock">\n  <span class="sla-name">{name}:</span>\n'
            f'  {badges.sla(state, label)}\n</div>')
