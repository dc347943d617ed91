"""Who is on call, instant by instant: rotations hand over at the team's wall-clock time across
DST changes, and overrides (a holiday, a swap) lay over them, the later one winning.

The expected person is found independently: walking the week minute by minute in the team's
time zone and counting the handoffs passed (a wall clock reading the handoff time, on the
handoff weekday), not with the module's date arithmetic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.oncall.schedule import Cover, Rotation, on_call_at, shifts_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ANNA, BEN, CHLOE, DAN = 1, 2, 3, 4


def _walk(rotation: Rotation, start: datetime, end: datetime, step: timedelta):
    """(instant, expected member) by counting handoffs on the local wall clock."""
    handoffs = 0
    at = datetime.combine(rotation.starts_on, time(0), tzinfo=rotation.zone).astimezone(UTC)
    previous_local = at.astimezone(rotation.zone).replace(tzinfo=None)
    while at < end:
        at += timedelta(minutes=1)
        local = at.astimezone(rotation.zone).replace(tzinfo=None)
        handoff = datetime.combine(local.date(), rotation.handoff)
        if previous_local < handoff <= local and (
                rotation.days == 1 or local.weekday() == rotation.weekday):
            handoffs += 1
        previous_local = local
        if start <= at < end and (at - start) % step == timedelta(0):
            yield at, rotation.members[(handoffs - 1) % len(rotation.members)]


@pytest.mark.parametrize(("zone", "first_day", "days"), [
    (BERLIN, date(2026, 10, 19), 7),  # Berlin falls back on Sunday 25 October
    (BERLIN, date(2026, 3, 23), 7),  # and springs forward on Sunday 29 March
    (NEW_YORK, date(2026, 10, 26), 1),  # New York falls back on Sunday 1 November
    (NEW_YORK, date(2026, 3, 2), 1),  # and springs forward on Sunday 8 March
])
def test_rotations_hand_over_at_the_local_time_across_a_dst_change(zone, first_day, days):
    """Every hour of three weeks around a DST change, the rotation's person is the one a wall
    clock in the team's office says; no hour is skipped or doubled."""
    rotation = Rotation(zone=zone, days=days, handoff=time(9, 0), weekday=0,
                        starts_on=first_day, members=(ANNA, BEN, CHLOE))
    start = datetime.combine(first_day, time(12), tzinfo=zone).astimezone(UTC)
    end = start + timedelta(days=21)
    checked = 0
    for at, expected in _walk(rotation, start, end, timedelta(minutes=30)):
        assert on_call_at(rotation, [], at).user_id == expected, at
        checked += 1
    assert checked == 21 * 48


def test_a_shift_across_the_change_is_an_hour_longer_or_shorter():
    """The week Berlin falls back, Monday 09:00 to Monday 09:00 is 169 hours; the handoff
    stays at 09:00 local."""
    rotation = Rotation(zone=BERLIN, days=7, handoff=time(9), weekday=0,
                        starts_on=date(2026, 10, 19), members=(ANNA, BEN))
    shift = on_call_at(rotation, [], datetime(2026, 10, 25, 12, tzinfo=UTC))
    assert shift.user_id == ANNA
    assert shift.ends_at - shift.starts_at == timedelta(hours=169)
    assert shift.ends_at.astimezone(BERLIN).time() == time(9)


def test_overrides_lay_over_the_rotation_and_the_later_one_wins():
    """A holiday override hands Ben's Christmas to Dan; a later swap inside it gives one
    evening to Chloe; outside them the rotation goes on."""
    rotation = Rotation(zone=BERLIN, days=7, handoff=time(9), weekday=0,
                        starts_on=date(2026, 12, 14), members=(ANNA, BEN))
    holiday = Cover(DAN, datetime(2026, 12, 24, 17, tzinfo=UTC),
                    datetime(2026, 12, 27, 8, tzinfo=UTC), "Ben on holiday", order=1)
    swap = Cover(CHLOE, datetime(2026, 12, 25, 18, tzinfo=UTC),
                 datetime(2026, 12, 25, 22, tzinfo=UTC), "Dan at dinner", order=2)
    assert on_call_at(rotation, [holiday, swap], datetime(2026, 12, 24, 12, tzinfo=UTC)
                      ).user_id == BEN
    assert on_call_at(rotation, [holiday, swap], datetime(2026, 12, 25, 12, tzinfo=UTC)
                      ).user_id == DAN
    assert on_call_at(rotation, [holiday, swap], datetime(2026, 12, 25, 19, tzinfo=UTC)
                      ).reason == "Dan at dinner"
    assert on_call_at(rotation, [holiday, swap], datetime(2026, 12, 27, 9, tzinfo=UTC)
                      ).user_id == BEN
    week = shifts_between(rotation, [holiday, swap], datetime(2026, 12, 22, 8, tzinfo=UTC),
                          datetime(2026, 12, 28, 8, tzinfo=UTC))
    assert [(s.user_id, s.reason) for s in week] == [
        (BEN, None), (DAN, "Ben on holiday"), (CHLOE, "Dan at dinner"),
        (DAN, "Ben on holiday"), (BEN, None)]
    assert all(a.ends_at == b.starts_at for a, b in zip(week, week[1:], strict=False))
    assert week[0].starts_at == datetime(2026, 12, 21, 8, tzinfo=UTC)  # shown whole
    assert week[-1].ends_at == datetime(2026, 12, 28, 8, tzinfo=UTC)


def test_a_team_without_members_has_nobody_on_call_unless_someone_covers():
    rotation = Rotation(zone=BERLIN, days=1, handoff=time(9), weekday=0,
                        starts_on=date(2026, 12, 1), members=())
    at = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert on_call_at(rotation, [], at) is None
    cover = Cover(DAN, at - timedelta(hours=1), at + timedelta(hours=1), "cover")
    assert on_call_at(rotation, [cover], at).user_id == DAN
