"""A brute-force minute counter of the SLA clocks, written from the README's "SLA clocks" words
and deliberately independent of `portal.escalations.sla` (it imports nothing from portal).

Every instant is a whole UTC minute. A minute [t, t+1) counts when the calendar is 24x7, or
when the organization's wall clock at t reads inside an open interval of that local weekday
and the local date is not a holiday. Nothing else is needed for DST: a wall time that does not
exist is never read, a repeated wall time is read twice. Clocks "as of T" look only at what
had happened by T.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
PAUSED_STATUSES = {"waiting_on_customer", "resolved", "closed"}
OPEN_STATUSES = {"new", "acknowledged", "investigating", "waiting_on_customer", "contained"}
#: Walks further than this are a model bug or an unfit generated case. The generator's thinnest
#: calendar opens one 15-minute span a week (and a holiday or a DST gap can take a week's span
#: away); its longest target is 720 minutes: 48 open weeks and a few lost ones, under 400 days.
MAX_MINUTES = 60 * 24 * 400


@dataclass
class ModelCalendar:
    timezone: str
    hours: dict[int, list[tuple[int, int]]] | None  # weekday → [(start, end) minutes of day]
    holidays: set[date] = field(default_factory=set)
    _memo: dict[datetime, bool] = field(default_factory=dict)

    def counts(self, minute: datetime) -> bool:
        if self.hours is None:
            return True
        known = self._memo.get(minute)
        if known is None:
            local = minute.astimezone(ZoneInfo(self.timezone))
            of_day = local.hour * 60 + local.minute
            known = local.date() not in self.holidays and any(
                start <= of_day < end for start, end in self.hours.get(local.weekday(), ()))
            self._memo[minute] = known
        return known

    def count_between(self, start: datetime, end: datetime) -> int:
        total, minute = 0, start
        while minute < end:
            total += self.counts(minute)
            minute += MINUTE
        return total

    def add(self, start: datetime, minutes: int) -> datetime:
        """The end of the minute in which `minutes` counted minutes have passed since start."""
        if minutes == 0:
            return start
        minute = start
        for _ in range(MAX_MINUTES):
            if self.counts(minute):
                minutes -= 1
                if minutes == 0:
                    return minute + MINUTE
            minute += MINUTE
        raise AssertionError("the calendar does not supply the time within the model's reach")


@dataclass
class ModelEscalation:
    """What happened, each with its instant: statuses entered, severities set (the first at
    opening), updates ((at, counts_as_update, next_update_by)). Targets: severity →
    (acknowledge, update, resolve) minutes."""

    opened_at: datetime
    targets: dict[int, tuple[int, int, int]]
    statuses: list[tuple[datetime, str]]
    severities: list[tuple[datetime, int]]
    updates: list[tuple[datetime, bool, datetime | None]]


def _state(elapsed: int, target: int, stopped: bool) -> str:
    if stopped:
        return "missed" if elapsed >= target else "met"
    if elapsed >= target:
        return "breached"
    return "at_risk" if elapsed >= 0.75 * target else "on_track"


def _status_at(escalation: ModelEscalation, minute: datetime) -> str | None:
    current = None
    for at, status in escalation.statuses:
        if at <= minute:
            current = status
    return current


def clocks(escalation: ModelEscalation, calendar: ModelCalendar, now: datetime) -> dict:
    """Every clock as of `now`, as plain values."""
    opened = escalation.opened_at
    severity = escalation.severities[0][1]
    for at, value in escalation.severities:
        if at <= now:
            severity = value
    ack_target, update_target, resolve_target = escalation.targets[severity]
    seen = [(at, status) for at, status in escalation.statuses if at <= now]
    acked = next((at for at, status in seen if status == "acknowledged"), None)
    resolved = None
    for at, status in seen:
        if status == "resolved":
            resolved = at
        elif status in OPEN_STATUSES:
            resolved = None

    def clock(target: int, stop: datetime | None, pausing: bool) -> dict:
        horizon = max(opened, stop or now)
        elapsed, due, minute = 0, None, opened
        while minute < horizon:
            status = _status_at(escalation, minute) if pausing else None
            if calendar.counts(minute) and status not in PAUSED_STATUSES:
                elapsed += 1
                if elapsed == target:
                    due = minute + MINUTE
            minute += MINUTE
        paused_since = None
        if pausing and stop is None and _status_at(escalation, now) in PAUSED_STATUSES:
            for at, status in seen:  # the start of the current run of paused statuses
                if status in PAUSED_STATUSES:
                    paused_since = paused_since or max(at, opened)
                else:
                    paused_since = None
        if due is None and paused_since is None:
            due = calendar.add(horizon, target - elapsed)
        return {"target_minutes": target, "counted_minutes": elapsed,
                "state": _state(elapsed, target, stop is not None),
                "due_at": due, "paused_since": paused_since}

    result = {
        "severity": severity,
        "acknowledge": clock(ack_target, acked or resolved, pausing=False),
        "resolve": clock(resolve_target, resolved, pausing=True),
        "next_update": None,
    }
    if resolved is None:
        posted = [update for update in escalation.updates if update[0] <= now and update[1]]
        last = posted[-1] if posted else None
        since = last[0] if last else opened
        if last is not None and last[2] is not None:
            due, basis = last[2], "commitment"
            target = calendar.count_between(since, max(since, due))
        else:
            due, basis = calendar.add(since, update_target), "cadence"
            target = update_target
        counted = calendar.count_between(since, max(since, now))
        overdue = now >= due
        state = ("overdue" if overdue else
                 "at_risk" if counted >= 0.75 * target else "on_track")
        result["next_update"] = {"due_at": due, "basis": basis, "overdue": overdue,
                                 "state": state, "target_minutes": target,
                                 "counted_minutes": counted}
    return result
