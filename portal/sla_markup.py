"""SLA clocks and the live-status line drawn in Python: what `macros/sla.html` (`clock`,
`next_update`) and `macros/live.html` (`status`) draw, byte for byte (tests/test_sla_markup.py).
A template that imports a macro file rebuilds its module on every render (the request's context
brings names the macros' globals lack), which cost the escalation page more than the markup.
Jinja globals: `sla_clock`, `sla_due`, `sla_next_update`, `live_status`.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal import badges
from portal.clock import now
from portal.templating import duration, iso, localtime, relative

DAY = "%Y-%m-%d"


def sla_clock(name, c, paused_reason=None) -> Markup:
    """`sla.clock(name, c, paused_reason)`: the clock's state in words, then when it is due or
    how it ended."""
    if c.paused_since and paused_reason:
        today = localtime(c.paused_since, DAY) == localtime(now(), DAY)
        since = localtime(c.paused_since, "%H:%M %Z" if today else "%a %d %b, %H:%M %Z")
        chip = badges.sla("paused", f"{paused_reason} since {since}")
    elif c.paused_since:
        chip = badges.sla("paused", "since " + localtime(c.paused_since, "%a %H:%M %Z"))
    elif c.stopped_at:
        chip = badges.sla(c.state, "after " + duration(c.elapsed))
    elif c.state == "breached":
        chip = badges.sla(c.state, duration(c.remaining) + " over")
    else:
        chip = badges.sla(c.state, "due " + relative(c.due_at))
    return Markup(f'<div class="sla-clock">\n  <span class="sla-name">{escape(name)}:</span>\n'
                  f'  {chip}\n</div>')


def sla_due(c) -> Markup:
    """" · due Mon 07 Dec, 14:00" while the clock runs toward a due instant (what the `due`
    macro of `customer/_sla_panel.html` drew), else nothing."""
    if c.is_running and c.due_at:
        return Markup(f" · due {escape(localtime(c.due_at, '%a %d %b, %H:%M'))}")
    return Markup("")


def sla_next_update(n) -> Markup:
    """`sla.next_update(n)`: when the customer hears from us next (n: NextUpdate or None)."""
    if n is None:
        return Markup('<span class="muted">No further updates scheduled</span>')
    return Markup(
        f'<time datetime="{escape(iso(n.due_at))}" title="{escape(localtime(n.due_at))}">'
        f'{escape(localtime(n.due_at, "%a %d %b, %H:%M %Z"))}</time>\n'
        f'<span class="muted">({escape(relative(n.due_at))}'
        f'{", overdue" if n.overdue else ""})</span>')


def live_status(at, poll_seconds, refreshing=True) -> Markup:
    """`live.status(at, poll_seconds, refreshing)`: "Updated at 14:02:11 · refreshes every
    15 s"."""
    every = (f'<span class="live-every"> · refreshes every {escape(poll_seconds)} s</span>'
             if refreshing else "")
    return Markup(
        '<p class="live-status small muted">\n'
        '  <span class="live-dot" aria-hidden="true"></span>\n'
        f'  Updated <time datetime="{escape(iso(at))}" data-live-updated>at '
        f'{escape(localtime(at, "%H:%M:%S"))}</time>{every}\n'
        '  <span class="live-problem" data-live-problem hidden> · could not refresh, '
        'retrying</span>\n</p>')
