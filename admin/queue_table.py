"""The staff queue's table rows, drawn in Python: fifty rows of a dozen cells each cost more
as Jinja (attribute lookups, macro calls and thousands of escapes) than everything else on
the page. Drawn exactly as `admin/queue/_rows.html` drew them (tests/admin/test_queue_table.py
compares byte for byte with the template's old source, kept in tests/fixtures).

What depends only on a value (a chip, an account, a person, a local time) is made once and
remembered; what moves with the clock (ages, time left) is drawn each time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import url_for
from markupsafe import Markup, escape

from portal import badges
from portal.escalations.models import Escalation
from portal.escalations.queue import AGING_AFTER, STALE_AFTER, QueueRow
from portal.templating import duration, viewer_zone

_ROW_BREAK = "\n        "  # each row starts on its own line, as the template's loop put it
_ID_MARK = 987654321  # stands for the escalation id in the one URL built per table


def rows(queue_rows: Iterable[QueueRow], *, at: datetime, threshold, viewer_id: int) -> Markup:
    """Every row of the table body, each on its own line."""
    link = url_for("admin.escalation", escalation_id=_ID_MARK).split(str(_ID_MARK))
    zone = viewer_zone()
    return Markup("".join([  # a list, not a generator: no resumption per row
        _ROW_BREAK + _row(row, at, threshold, viewer_id, link, zone) for row in queue_rows]))


_LATE = '<span class="queue-flag queue-flag-danger">Late</span> '
_STALE = '<span class="queue-flag">Stale</span> '
_AGING = '<span class="queue-flag">Aging</span> '
_OVERDUE = '<span class="queue-flag queue-flag-danger">Update overdue</span> '
_LONG = "%a %d %b %Y, %H:%M %Z"
_SHORT = "%a %d %b, %H:%M"


@lru_cache(maxsize=8192)
def _opening(instant: datetime, zone: ZoneInfo) -> str:
    """The `<time>` tag that opens `instant` (its ISO form, its local time as the tooltip:
    portal.templating.time_since), remembered: a row's instants stay; only the words inside
    move with the clock."""
    return (f'<time datetime="{instant.isoformat()}" '
            f'title="{instant.astimezone(zone).strftime(_LONG)}">')


@lru_cache(maxsize=4096)
def _due(instant: datetime, zone: ZoneInfo) -> str:
    """A milestone's due instant: its `<time>` with the short local time (nothing in it moves
    with the clock)."""
    return f"{_opening(instant, zone)}{instant.astimezone(zone).strftime(_SHORT)}</time>"


_MINUTE = timedelta(minutes=1)


@lru_cache(maxsize=4096)
def _minutes(minutes: int) -> str:
    """portal.templating.duration of so many whole minutes: all it says of a span (the
    seconds left over never show), remembered."""
    return duration(timedelta(minutes=minutes))


def _since(instant: datetime, at: datetime, zone: ZoneInfo) -> str:
    """portal.templating.time_since, with the viewer's zone read once per table (`_row`
    writes it out inline for the two instants every row has)."""
    return f"{_opening(instant, zone)}{_minutes(abs(at - instant) // _MINUTE)}</time>"


_NO_TIME = timedelta(0)


@lru_cache(maxsize=16)
def _sla_badge(state: str) -> str:
    """badges.sla(state) of a running clock, remembered here (no wrapper call per row)."""
    return str(badges.sla(state))


@lru_cache(maxsize=8192)
def _iso(instant: datetime) -> str:
    """An instant's ISO form, remembered (a row's data-version repeats from poll to poll)."""
    return instant.isoformat()


#: A row's priority cell per (score, breakdown, threshold): the breakdown is one of
#: portal.escalations.queue._breakdown's shared dicts, known by identity (the entry keeps it,
#: so its id is never another's while remembered); cleared past _COMPACT_KEPT entries.
_COMPACT: dict[tuple, tuple] = {}
_COMPACT_KEPT = 4096


def _priority_cell(score: int, breakdown, threshold) -> str:
    """badges.priority_compact of a row, remembered in _COMPACT."""
    if len(_COMPACT) >= _COMPACT_KEPT:
        _COMPACT.clear()
    cell = badges.priority_compact(_Priority(score, breakdown), threshold)
    _COMPACT[score, id(breakdown), threshold] = (breakdown, cell)
    return cell


class _Priority:
    """What badges.priority_compact reads of an escalation."""

    __slots__ = ("priority_score", "priority_breakdown")

    def __init__(self, score: int, breakdown) -> None:
        self.priority_score, self.priority_breakdown = score, breakdown


@lru_cache(maxsize=4096)
def _customer(name: str, segment) -> str:
    return (f'<td data-label="Customer"><div>{escape(name)}<div class="small muted">'
            f'{escape(str(segment.value).capitalize())}</div></div></td>')


@lru_cache(maxsize=4096)
def _people(owner: str | None, communicator: str | None) -> str:
    named = (escape(owner) if owner is not None
             else '<span class="queue-flag queue-flag-warn">Unassigned</span>')
    comms = (f'<abbr title="Communicator: speaks to the customer">Comms</abbr><span '
             f'class="visually-hidden"> (communicator)</span>: {escape(communicator)}'
             if communicator is not None else "No communicator")
    return (f'<td data-label="Owner · Communicator">\n            <div>{named}</div>\n'
            f'            <div class="small muted">{comms}</div>')


@lru_cache(maxsize=8192)
def _text(value: str) -> str:
    """`value` escaped for HTML (remembered: a row's words stay from one poll to the next)."""
    return str(escape(value))


@lru_cache(maxsize=8192)
def _reference(escalation_id: int) -> str:
    return str(escape(Escalation.reference_of(escalation_id)))


@lru_cache(maxsize=1024)
def _chips(severity, status, tier) -> str:
    """The severity, status and tier chips of a row's cluster."""
    return (f"{badges.severity(severity, short=True)} {badges.status(status)} "
            f"{badges.tier(tier)}")


def _row(row: QueueRow, at: datetime, threshold, viewer_id: int, link: list[str],
         zone: ZoneInfo) -> str:
    e = row.escalation
    url = f"{link[0]}{e.id}{link[1]}"
    breakdown = e.priority_breakdown
    try:
        kept, priority = _COMPACT[e.priority_score, id(breakdown), threshold]
        if kept is not breakdown:
            raise KeyError
    except KeyError:
        priority = _priority_cell(e.priority_score, breakdown, threshold)
    reference = _reference(e.id)
    state = row.sla.state
    tone = (" queue-row-breached" if state == "breached"
            else " queue-row-at-risk" if state == "at_risk" else "")

    title = (f'<a class="queue-title" href="{url}"><span class="ref">{reference}</span> '
             f'{_text(e.title)}</a>')
    if e.is_drill:
        title += ' <span class="badge badge-drill">DRILL</span>'
    if e.product_area:
        title += f'<div class="small muted">{_text(e.product_area)}</div>'
    r = row.customer_request
    if r:
        more = f" and {r.waiting - 1} more" if r.waiting > 1 else ""
        title += (f'\n            <div class="small"><a class="queue-flag queue-flag-warn" '
                  f'href="{url}#customer-request">Customer asked for the next level</a> '
                  f"{escape(r.requested_by)}{more}, {_since(r.since, at, zone)} ago</div>")

    in_status, age = row.in_status, row.age
    stale = in_status >= STALE_AFTER  # row.stale, without the property's call
    # _since of the status change and the opening, from the row's spans (no call each)
    in_status = _minutes((in_status if in_status >= _NO_TIME else -in_status) // _MINUTE)
    opened = _minutes((age if age >= _NO_TIME else -age) // _MINUTE)
    people = _people(e.owner.name if e.owner else None,
                     e.communicator.name if e.communicator else None)
    h = row.pending_handoff
    if h:
        mine = h.to_user_id == viewer_id
        people += (f'\n            <div class="small"><span class="queue-flag'
                   f'{" queue-flag-warn" if mine else ""}">Handoff pending</span> '
                   f'{"to you" if mine else escape("to " + h.to_name)} for '
                   f"{_since(h.since, at, zone)}</div>")

    overdue = row.update_overdue
    last_update = e.last_customer_update_at
    updated = (f"updated {_since(last_update, at, zone)} ago" if last_update
               else "no customer update yet")

    s = row.sla
    if state in ("breached", "at_risk", "on_track"):
        # (breached: due at or before `at`; otherwise after it: no sign to drop)
        left = (f"{_minutes((at - s.due_at) // _MINUTE)} over" if state == "breached"
                else f"{_minutes((s.due_at - at) // _MINUTE)} left")
        sla = (f"\n            {_sla_badge(state)}\n"
               f'            <div class="small">{_text(s.clock)}: {left}</div>')
    elif state == "paused":
        sla = f"\n            {badges.sla('paused', 'waiting on customer')}"
    else:
        sla = '\n            <span class="muted">No running clock</span>'

    # row.version, its instants' ISO forms remembered
    version = (f"{_iso(e.updated_at)}|{_iso(h.since) if h else '-'}|"
               f"{_iso(r.since) if r else '-'}")

    m = row.next_milestone
    if m:
        late = m.due_at <= at
        milestone = (
            f"\n            <div>{_text(m.title)}</div>\n"
            f'            <div class="small{" queue-overdue" if late else " muted"}">'
            f'{_LATE if late else ""}{_due(m.due_at, zone)}</div>')
    else:
        milestone = '\n            <span class="muted">None scheduled</span>'

    return (
        # (the version is instants and separators: nothing in it to escape)
        f'<tr id="escalation-{reference}" data-version="{version}" '
        f'class="queue-row{tone}">\n'
        f'          <td class="num" data-label="Priority">'
        f"{priority}</td>\n"
        f'          <th scope="row" data-label="Escalation">\n            {title}\n'
        f"          </th>\n"
        f"          {_customer(e.organization.name, e.organization.segment)}\n"
        f'          <td data-label="Severity · Status · Tier">\n'
        f'            <div class="cluster">{_chips(e.severity, e.status, e.tier)}</div>\n'
        f'            <div class="small{" queue-stale" if stale else " muted"}">'
        f'{_STALE if stale else ""}'
        f"in status {_opening(e.status_changed_at, zone)}{in_status}</time></div>\n"
        f"          </td>\n"
        f"          {people}\n"
        f"          </td>\n"
        f'          <td data-label="Age · Last customer update">\n'
        f'            <div>{_AGING if age >= AGING_AFTER else ""}'
        f"open {_opening(e.opened_at, zone)}{opened}</time></div>\n"
        f'            <div class="small{" queue-overdue" if overdue else " muted"}">'
        f'{_OVERDUE if overdue else ""}'
        f"{updated}</div>\n"
        f"          </td>\n"
        f'          <td data-label="SLA">{sla}\n'
        f"          </td>\n"
        f'          <td data-label="Next milestone">{milestone}\n'
        f"          </td>\n"
        f"        </tr>")

