"""Who is on call, as arithmetic: no database, so tests can check it instant by instant.

A rotation hands over at a wall-clock time in the team's time zone — every day, or on one
weekday every week — so a DST change moves the handoff's UTC instant, never its local time, and
the shift that spans the change is an hour shorter or longer. A handoff time that does not
exist on the night clocks go forward (02:30 in most of Europe) happens at the same offset as
before the change, i.e. an hour later on the new clock; one that exists twice, at its first
occurrence.

The first shift (member 1) starts at the first handoff on or after the rotation's `starts_on`
(for a weekly rotation, the first handoff weekday); shifts before that continue the order
backwards. Overrides lay over the rotation; where two overlap, the later one wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Rotation:
    zone: ZoneInfo
    days: int  # 1 (daily) or 7 (weekly)
    handoff: time
    weekday: int  # 0 = Monday; weekly rotations only
    starts_on: date
    members: tuple[int, ...]  # user ids in rotation order


@dataclass(frozen=True)
class Cover:
    """An override: `user_id` covers [starts_at, ends_at); `order` says which came later."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    order: int = 0


@dataclass(frozen=True)
class Shift:
    """One stretch of the schedule: who is on call from `starts_at` to `ends_at`, and the
    override's reason when an override put them there."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str | None = None


def _instant(day: date, rotation: Rotation) -> datetime:
    """The handoff on `day`, as a UTC instant (wall time in the team's zone, fold 0)."""
    return datetime.combine(day, rotation.handoff, tzinfo=rotation.zone).astimezone(UTC)


def _first_day(rotation: Rotation) -> date:
    if rotation.days == 1:
        return rotation.starts_on
    return rotation.starts_on + timedelta(days=(rotation.weekday - rotation.starts_on.weekday())
                                          % 7)


def _day_of_shift_at(rotation: Rotation, at: datetime) -> date:
    """The local day of the handoff that began the shift running at `at`."""
    day = at.astimezone(rotation.zone).date()
    if rotation.days == 7:
        day -= timedelta(days=(day.weekday() - rotation.weekday) % 7)
    while _instant(day, rotation) > at:
        day -= timedelta(days=rotation.days)
    while _instant(day + timedelta(days=rotation.days), rotation) <= at:
        day += timedelta(days=rotation.days)
    return day


def rotation_shift_at(rotation: Rotation, at: datetime) -> Shift | None:
    """The rotation's shift running at `at` (ignoring overrides); None without members."""
    if not rotation.members:
        return None
    day = _day_of_shift_at(rotation, at)
    index = (day - _first_day(rotation)).days // rotation.days
    step = timedelta(days=rotation.days)
    return Shift(rotation.members[index % len(rotation.members)], _instant(day, rotation),
                 _instant(day + step, rotation))


def _cover_at(covers: Sequence[Cover], at: datetime) -> Cover | None:
    running = [c for c in covers if c.starts_at <= at < c.ends_at]
    return max(running, key=lambda c: c.order) if running else None


def on_call_at(rotation: Rotation, covers: Sequence[Cover], at: datetime) -> Shift | None:
    """Who is on call at `at`, overrides included, with the whole stretch they cover."""
    return next(iter(shifts_between(rotation, covers, at, at + timedelta(microseconds=1))),
                None)


def _pieces(rotation: Rotation, covers: Sequence[Cover], start: datetime,
            end: datetime) -> list[Shift]:
    """The schedule cut at every handoff and override boundary in [start, end), with
    neighbours of the same person and reason joined."""
    cuts: set[datetime] = {start}
    shift = rotation_shift_at(rotation, start)
    while shift is not None and shift.ends_at < end:
        cuts.add(shift.ends_at)
        shift = rotation_shift_at(rotation, shift.ends_at)
    cuts |= {t for c in covers for t in (c.starts_at, c.ends_at) if start < t < end}
    bounds = sorted(cuts) + [end]
    pieces: list[Shift] = []
    for begin, finish in zip(bounds, bounds[1:], strict=False):
        cover = _cover_at(covers, begin)
        base = None if cover else rotation_shift_at(rotation, begin)
        if cover is None and base is None:
            continue
        piece = Shift(cover.user_id if cover else base.user_id, begin, finish,
                      cover.reason if cover else None)
        if pieces and pieces[-1].ends_at == begin and (
                pieces[-1].user_id, pieces[-1].reason) == (piece.user_id, piece.reason):
            piece = Shift(piece.user_id, pieces.pop().starts_at, finish, piece.reason)
        pieces.append(piece)
    return pieces


def shifts_between(rotation: Rotation, covers: Sequence[Cover], start: datetime,
                   end: datetime) -> list[Shift]:
    """The schedule overlapping [start, end): consecutive stretches of one person each,
    overrides spliced in, shown whole (a stretch running at `start` keeps its own start)."""
    def reach(at: datetime) -> tuple[datetime, datetime]:
        base = rotation_shift_at(rotation, at)
        running = [c for c in covers if c.starts_at <= at < c.ends_at]
        starts = [c.starts_at for c in running] + ([base.starts_at] if base else [at])
        ends = [c.ends_at for c in running] + ([base.ends_at] if base else [at])
        return min(starts), max(ends)

    wide_start = reach(start)[0]
    wide_end = max(reach(end)[1], end)
    return [piece for piece in _pieces(rotation, covers, wide_start, wide_end)
            if piece.ends_at > start and piece.starts_at < end]
