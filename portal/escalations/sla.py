"""SLA clocks, computed from history: never stored, never hand-edited.

Pages, the sweep, reports and the API must agree on what "at risk" and "breached" mean, so they
all call :func:`compute_clocks` with the same inputs (targets, calendar, status history, now).
The module is pure (stdlib only, no Flask, no SQLAlchemy) so it can be tested, benchmarked and
replayed for any "now" in isolation.

Time model: every instant going in or out is a timezone-aware datetime, returned in UTC. Naive
datetimes are refused (ValueError) because guessing their zone silently shifts clocks by hours.
A calendar is written in the organization's local wall-clock time. An open interval counts
exactly the real instants whose local wall clock reads inside it, as the tz database says
(DESIGN.md "SLA clocks, exactly"): a boundary that falls in a nonexistent local time (the
spring-forward gap) moves to the first existing instant after it, and a repeated local hour
(fall back) counts twice when it is inside the calendar, because business time is real time.
Each local day is cut into UTC segments of constant UTC offset; on a segment wall time is
UTC plus the offset, so intersecting is exact arithmetic. Segments are cached per zone and day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WAITING_STATUS = "waiting_on_customer"
# The resolve clock does not count these: waiting on the customer, and (for an escalation that
# was reopened) the time it sat resolved or closed before the reopen.
NOT_COUNTING = frozenset({WAITING_STATUS, "resolved", "closed"})
AT_RISK_FRACTION = 0.75
#: add_business_time gives up after this many local days (about ten years) instead of spinning.
MAX_SEARCH_DAYS = 3660

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
#: As an interval *end*, local midnight means "until the end of the day" ("24:00" in policies).
_END_OF_DAY = time(0)

Span = tuple[datetime, datetime]


def _utc(value: datetime, name: str) -> datetime:
    """Return ``value`` in UTC; refuse naive datetimes, whose zone would only be a guess."""
    if value.tzinfo is UTC:  # what the database and the clock give: nothing to convert
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def _start_offset(start: time) -> timedelta:
    """Offset of a local wall-clock time from the start of its day."""
    return timedelta(
        hours=start.hour, minutes=start.minute, seconds=start.second, microseconds=start.microsecond
    )


def _end_offset(end: time) -> timedelta:
    """Like _start_offset, but an interval ending at midnight ends at the end of the day."""
    return _DAY if end == _END_OF_DAY else _start_offset(end)


def _normalise_hours(
    hours: Mapping[int, Sequence[tuple[time, time]]],
) -> Mapping[int, tuple[tuple[time, time], ...]]:
    """Validate business hours and freeze them as sorted, non-overlapping intervals per weekday.

    Overlaps are refused rather than merged: they are almost certainly a typo in a policy, and
    counting them silently would hide it.
    """
    frozen: dict[int, tuple[tuple[time, time], ...]] = {}
    for weekday, intervals in hours.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
        ordered = sorted((tuple(iv) for iv in intervals), key=lambda iv: _start_offset(iv[0]))
        previous_end = _ZERO
        for start, end in ordered:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("business hours are local wall-clock times; drop the tzinfo")
            if _start_offset(start) >= _end_offset(end):
                raise ValueError(f"interval {start}-{end} is empty or crosses midnight")
            if _start_offset(start) < previous_end:
                raise ValueError(f"overlapping business-hour intervals on weekday {weekday}")
            previous_end = _end_offset(end)
        if ordered:
            frozen[weekday] = tuple(ordered)
    if not frozen:
        raise ValueError("business-hours calendar has no open hours at all")
    return MappingProxyType(frozen)


def _parse_clock(text: str, *, end: bool) -> time:
    """Parse "HH:MM" from a stored policy; "24:00" is accepted as an interval end only."""
    if end and text.strip() == "24:00":
        return _END_OF_DAY
    return time.fromisoformat(text.strip())


@dataclass(frozen=True)
class Calendar:
    """When SLA time counts: 24x7 (``business_hours=None``) or open intervals per local weekday.

    ``business_hours`` maps a weekday (0=Monday) to local ``(start, end)`` intervals; an end of
    ``time(0)`` means midnight at the end of that day. ``holidays`` are local dates with no
    business hours; they apply only to business-hours calendars, since 24x7 means every hour.
    """

    timezone: str
    business_hours: Mapping[int, Sequence[tuple[time, time]]] | None = None
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown IANA timezone {self.timezone!r}") from exc
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if self.business_hours is not None:
            object.__setattr__(self, "business_hours", _normalise_hours(self.business_hours))

        # Explicit because the normalised hours are a mapping; lets callers cache per calendar
        # (computed once: the calendar is immutable, and a clock's walk hashes it per day).
        hours = None if self.business_hours is None else tuple(sorted(self.business_hours.items()))
        object.__setattr__(self, "_hash", hash((self.timezone, hours, self.holidays)))
        # compute_clocks' stopped acknowledge clocks of this calendar (not a field: neither
        # compared nor hashed), by target, opening and stop.
        object.__setattr__(self, "_stopped_clocks", {})

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def from_policy(
        cls,
        timezone: str,
        business_hours: Mapping[str, Sequence[Sequence[str]]] | None,
        holidays: Iterable[str] = (),
    ) -> Calendar:
        """Build from the JSON stored with a policy: ``{"0": [["09:00", "18:00"]], ...}``."""
        hours = None
        if business_hours is not None:
            hours = {}
            for weekday, intervals in business_hours.items():
                parsed = []
                for interval in intervals:
                    start, end = interval  # ValueError unless exactly two items
                    parsed.append((_parse_clock(start, end=False), _parse_clock(end, end=True)))
                hours[int(weekday)] = parsed
        return cls(timezone, hours, frozenset(date.fromisoformat(h) for h in holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # zoneinfo caches instances by key


#: How far UTC can be from local time either way (UTC-12 .. UTC+14), plus slack.
_OFFSET_REACH = timedelta(hours=15)
#: Offsets change at whole seconds; the search for a transition stops at this resolution.
_SECOND = timedelta(seconds=1)


def _offset_at(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _transition_after(start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (start, end] whose UTC offset differs from ``start``'s (bisection:
    zoneinfo does not expose its transitions). The caller knows the offsets differ."""
    before = _offset_at(start, zone)
    low, high = start, end
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            middle = low + _SECOND
        if _offset_at(middle, zone) == before:
            low = middle
        else:
            high = middle
    return high


@lru_cache(maxsize=4096)
def _day_segments(zone: ZoneInfo, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """UTC segments ``(start, end, offset)`` of constant offset that cover every instant whose
    local wall clock can read ``day``, in order. One segment on an ordinary day."""
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    start, end = midnight - _OFFSET_REACH, midnight + _DAY + _OFFSET_REACH
    segments = []
    while True:
        offset = _offset_at(start, zone)
        if _offset_at(end, zone) == offset:
            segments.append((start, end, offset))
            return tuple(segments)
        change = _transition_after(start, end, zone)
        segments.append((start, change, offset))
        start = change


def _local_to_utc(day: date, offset: timedelta, zone: ZoneInfo) -> datetime:
    """The first real instant whose wall clock reads ``day + offset`` or later: the instant
    itself when that wall time exists (its first pass when repeated), else the end of the gap.
    """
    wall = datetime.combine(day, time(0), tzinfo=UTC) + offset
    for start, end, utc_offset in _day_segments(zone, day):
        candidate = max(start, wall - utc_offset)
        if candidate < end:
            return candidate
    raise ValueError(f"{day} {offset} is not a wall time of {zone.key}")  # pragma: no cover


def _wall_interval_spans(
    zone: ZoneInfo, day: date, start: timedelta, end: timedelta
) -> Iterator[Span]:
    """The UTC spans whose wall clock reads inside ``[day + start, day + end)``: usually one;
    two when a repeated hour is inside the interval (both passes count); shorter when a gap is.
    """
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    wall_start, wall_end = midnight + start, midnight + end
    for seg_start, seg_end, offset in _day_segments(zone, day):
        span_start = max(seg_start, wall_start - offset)
        span_end = min(seg_end, wall_end - offset)
        if span_end > span_start:
            yield span_start, span_end


@lru_cache(maxsize=8192)  # pure; clocks walk the same recent days again and again
def _day_spans(calendar: Calendar, day: date, zone: ZoneInfo) -> tuple[Span, ...]:
    """Open UTC spans for one local date, sorted and merged."""
    assert calendar.business_hours is not None
    if day in calendar.holidays:
        return ()
    spans = sorted(
        span
        for s, e in calendar.business_hours.get(day.weekday(), ())
        for span in _wall_interval_spans(zone, day, _start_offset(s), _end_offset(e))
    )
    merged: list[Span] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _open_spans(calendar: Calendar, first_day: date, days: int) -> Iterator[Span]:
    """Yield open UTC spans day by day for ``days`` local dates: increasing, never overlapping."""
    zone = calendar.zone
    cursor: datetime | None = None
    for n in range(days):
        for start, end in _day_spans(calendar, first_day + n * _DAY, zone):
            if cursor is not None and start < cursor:
                start = cursor
            if end > start:
                yield start, end
                cursor = end


def business_elapsed(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Time counted by ``calendar`` between two instants; zero if ``end`` is not after ``start``.

    Walks local days (O(days)), so a clock open for months costs months' worth of days, not
    minutes. A 24x7 calendar counts real elapsed time, which is what DST-aware UTC gives.
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return _ZERO
    if calendar.business_hours is None:
        return end - start
    zone = calendar.zone
    first = start.astimezone(zone).date() - _DAY  # one day early: spans are per local date
    days = (end.astimezone(zone).date() - first).days + 1
    total = _ZERO
    for span_start, span_end in _open_spans(calendar, first, days):
        if span_start >= end:
            break
        if span_end > start:
            total += min(span_end, end) - max(span_start, start)
    return total


def add_business_time(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant at which ``amount`` of calendar time has been counted from ``start``.

    An amount that exactly fills an open interval ends at that interval's close (Friday 18:00),
    not at the next opening. Raises ValueError for a negative amount or when the calendar does
    not supply the amount within MAX_SEARCH_DAYS (e.g. every open day is a holiday).
    """
    start = _utc(start, "start")
    if amount < _ZERO:
        raise ValueError(f"amount must not be negative, got {amount}")
    if amount == _ZERO or calendar.business_hours is None:
        return start + amount
    remaining = amount
    first = start.astimezone(calendar.zone).date() - _DAY
    for span_start, span_end in _open_spans(calendar, first, MAX_SEARCH_DAYS):
        if span_end <= start:
            continue
        span_start = max(span_start, start)
        if remaining <= span_end - span_start:
            return span_start + remaining
        remaining -= span_end - span_start
    raise ValueError(f"calendar does not supply {amount} within {MAX_SEARCH_DAYS} days")


@dataclass(frozen=True)
class Targets:
    """The policy's targets for one severity, in minutes. Pass the targets of the severity in
    force at ``now``: a severity change applies to the whole history from ``opened_at``, as
    helpdesks do."""

    acknowledge_minutes: int
    update_minutes: int
    resolve_minutes: int

    def __post_init__(self) -> None:
        for name in ("acknowledge_minutes", "update_minutes", "resolve_minutes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


class StatusChange(NamedTuple):
    """``status`` was entered at ``at`` (tz-aware). A named tuple: pages build a few per row."""

    at: datetime
    status: str


class OrderedHistory(tuple):
    """A status history as `compute_clocks` reads it: StatusChange entries with instants in
    UTC, in order of instant (entries at the same instant in the order they happened). One
    built once and remembered (the customer dashboard's, per escalation) is read as it is,
    without a conversion and a sort on every computation."""

    __slots__ = ()


@dataclass(frozen=True)
class Clock:
    """One SLA clock as of "now".

    ``due_at`` is the instant counted time reaches (or reached, or would have reached) the
    target; None only while paused before reaching it, since the resume time is unknown.
    States: running clocks are "on_track", "at_risk" (>= 75 % used) or "breached" (>= 100 %);
    stopped clocks keep "met" or "missed". A clock stopped exactly at its target is "missed",
    consistent with "breached once counted time reaches the target".
    """

    target: timedelta
    elapsed: timedelta
    due_at: datetime | None
    stopped_at: datetime | None
    paused_since: datetime | None
    state: str

    @property
    def fraction_used(self) -> float:
        return self.elapsed / self.target

    @property
    def remaining(self) -> timedelta:
        """Counted time left before the target; negative once over it."""
        return self.target - self.elapsed

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_since is None

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


@dataclass(frozen=True)
class NextUpdate:
    """When the customer must next hear from us; ``basis`` is "commitment" or "cadence"."""

    due_at: datetime
    basis: str
    overdue: bool


@dataclass(frozen=True)
class SlaClocks:
    acknowledge: Clock
    resolve: Clock
    next_update: NextUpdate | None


@lru_cache(maxsize=1024)
def _target_and_risk(minutes: int) -> tuple[timedelta, timedelta]:
    """A target of `minutes`, and the counted time from which a clock is at risk (a pure
    function of a policy's few targets, remembered: a dashboard builds clocks for every row)."""
    target = timedelta(minutes=minutes)
    return target, target * AT_RISK_FRACTION


def _build_clock(
    calendar: Calendar,
    minutes: int,
    history: Sequence[tuple[datetime, str]],
    *,
    opened: datetime,
    stopped_at: datetime | None,
    now: datetime,
) -> Clock:
    """Sum counted time from ``opened`` to the stop (or now), skipping waits in ``history``,
    and find the instant the target is (or was, or would have been) reached."""
    target, at_risk = _target_and_risk(minutes)
    until = stopped_at or now
    horizon = opened if opened >= until else until  # max(), without the call
    # The spans of [opened, horizon] not spent in NOT_COUNTING statuses, and when the pause
    # began. Before the first recorded change the escalation is taken as not waiting. (Written
    # out here, spans added without a call: a dashboard builds a clock for every row.)
    counting: list[Span] = []
    since, waiting_since = opened, None
    for at, status in history:  # none for an acknowledge clock: it never waits
        if at > horizon:
            break
        at = at if at >= opened else opened  # max(at, opened), without the call
        if status in NOT_COUNTING and waiting_since is None:
            if at > since:  # empty spans left out
                counting += ((since, at),)
            waiting_since = at
        elif status not in NOT_COUNTING and waiting_since is not None:
            since, waiting_since = at, None
    if waiting_since is None and horizon > since:
        counting += ((since, horizon),)
    paused_since = waiting_since if stopped_at is None else None
    elapsed = _ZERO
    due_at: datetime | None = None
    # Around the clock, counted time is real time (what business_elapsed and
    # add_business_time would answer, without their walk).
    always = calendar.business_hours is None
    for start, end in counting:
        part = end - start if always else business_elapsed(calendar, start, end)
        if due_at is None and elapsed + part >= target:
            due_at = (start + (target - elapsed) if always
                      else add_business_time(calendar, start, target - elapsed))
        elapsed += part
    if due_at is None and paused_since is None:
        # Running: when it will be due. Stopped early: when it would have been (for reports).
        due_at = (horizon + (target - elapsed) if always
                  else add_business_time(calendar, horizon, target - elapsed))
    if stopped_at is not None:
        state = "missed" if elapsed >= target else "met"
    elif elapsed >= target:
        state = "breached"
    elif elapsed >= at_risk:
        state = "at_risk"
    else:
        state = "on_track"
    return Clock(target, elapsed, due_at, stopped_at, paused_since, state)


_STOPPED_CLOCKS_KEPT = 8192  # per calendar


def _stopped_clock(calendar: Calendar, minutes: int, opened: datetime,
                   stopped_at: datetime) -> Clock:
    """A clock without a history stopped at `stopped_at` (an acknowledged escalation's
    acknowledge clock): a pure function of its arguments, whatever "now" is (once stopped, a
    clock counts up to its stop), so compute_clocks remembers it with the calendar; a Clock is
    immutable."""
    return _build_clock(calendar, minutes, (), opened=opened, stopped_at=stopped_at,
                        now=stopped_at)


#: A NextUpdate, one immutable record per due instant, basis and overdue (remembered: a page's
#: rows come back with the same ones on every request, and a frozen dataclass costs a call and
#: a setattr per field to make).
_next_update = lru_cache(maxsize=4096)(NextUpdate)

#: A history entry's instant (the sort key: entries at the same instant keep their order).
_instant_of = itemgetter(0)


def compute_clocks(
    *,
    calendar: Calendar,
    targets: Targets,
    opened_at: datetime,
    status_history: Sequence[StatusChange],
    acknowledged_at: datetime | None,
    resolved_at: datetime | None,
    last_customer_update_at: datetime | None,
    next_update_by: datetime | None,
    now: datetime,
) -> SlaClocks:
    """All SLA clocks of one escalation as of ``now``: the single source of truth.

    Events dated after ``now`` (acknowledgement, resolution, status changes) have not happened
    yet as of ``now``, so the same history can be replayed for any instant; the caller passes
    the resolution, severity and last update as they stood at ``now``
    (``portal.escalations.clocks.clocks_as_of``), since a later reopen clears ``resolved_at``
    and a later update or severity change would otherwise leak into the past. Only the resolve
    clock pauses while waiting on the customer. Resolution also stops an acknowledge clock that
    was never stopped: a resolved escalation was clearly seen. ``next_update_by`` is the
    commitment made by the last update that counts (``portal.escalations.promises``: a person
    telling the customer something, never a system entry), if any; it wins over the cadence.
    """
    # Instants already in UTC (what the database and the clock give) pass as they are, without
    # a call each: a dashboard computes these for every row of every request.
    opened = opened_at if opened_at.tzinfo is UTC else _utc(opened_at, "opened_at")
    now = now if now.tzinfo is UTC else _utc(now, "now")
    acked = (acknowledged_at if acknowledged_at is None or acknowledged_at.tzinfo is UTC
             else _utc(acknowledged_at, "acknowledged_at"))
    resolved = (resolved_at if resolved_at is None or resolved_at.tzinfo is UTC
                else _utc(resolved_at, "resolved_at"))
    last_update = (last_customer_update_at
                   if last_customer_update_at is None or last_customer_update_at.tzinfo is UTC
                   else _utc(last_customer_update_at, "last_customer_update_at"))
    commitment = (next_update_by if next_update_by is None or next_update_by.tzinfo is UTC
                  else _utc(next_update_by, "next_update_by"))
    history = status_history if type(status_history) is OrderedHistory else sorted(
        [(change.at if change.at.tzinfo is UTC else _utc(change.at, "status_history.at"),
          change.status) for change in status_history],
        key=_instant_of,
    )
    acked = acked if acked is not None and acked <= now else None
    resolved = resolved if resolved is not None and resolved <= now else None

    acknowledged = acked or resolved
    if acknowledged is None:
        acknowledge = _build_clock(calendar, targets.acknowledge_minutes, (), opened=opened,
                                   stopped_at=None, now=now)
    else:
        # Remembered with the calendar, keyed without hashing it (a call of its __hash__).
        key = (targets.acknowledge_minutes, opened, acknowledged)
        try:
            acknowledge = calendar._stopped_clocks[key]
        except KeyError:
            acknowledge = _stopped_clock(calendar, targets.acknowledge_minutes, opened,
                                         acknowledged)
            if len(calendar._stopped_clocks) >= _STOPPED_CLOCKS_KEPT:
                calendar._stopped_clocks.clear()
            calendar._stopped_clocks[key] = acknowledge
    resolve = _build_clock(
        calendar, targets.resolve_minutes, history, opened=opened, stopped_at=resolved, now=now
    )

    next_update: NextUpdate | None = None
    if resolved is None:
        if commitment is not None:
            next_update = _next_update(commitment, "commitment", now >= commitment)
        else:
            cadence = _target_and_risk(targets.update_minutes)[0]
            # Around the clock: real time (add_business_time's answer, without the call).
            due = ((last_update or opened) + cadence if calendar.business_hours is None
                   else add_business_time(calendar, last_update or opened, cadence))
            next_update = _next_update(due, "cadence", now >= due)
    return SlaClocks(acknowledge, resolve, next_update)
