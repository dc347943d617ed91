"""DST by the tz database (DESIGN.md "SLA clocks, exactly"): a calendar boundary inside the
spring-forward gap moves to the first existing instant after it; a repeated local hour counts
twice when it is inside the calendar, because business time is real time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.escalations import sla
from portal.escalations.sla import Calendar, Targets, add_business_time, business_elapsed

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NIGHTS = {str(day): [["00:00", "02:30"]] for day in range(7)}
BERLIN_NIGHTS = Calendar.from_policy("Europe/Berlin", NIGHTS)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_closing_time_in_the_gap_closes_when_the_gap_ends():
    """Berlin 00:00–02:30 on 29 March 2026: 02:00–03:00 does not exist, so only 120 business
    minutes exist that night (00:00 CET to 03:00 CEST), not 150."""
    opened = berlin(2026, 3, 29, 0, 0)
    assert business_elapsed(BERLIN_NIGHTS, opened, berlin(2026, 3, 29, 6, 0)) == timedelta(
        minutes=120)
    assert sla._local_to_utc(date(2026, 3, 29), timedelta(hours=2, minutes=30), BERLIN) == (
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC))


def test_a_150_minute_target_is_not_breached_that_night_and_falls_due_inside_hours():
    """The escalation opened at 00:00 on 29 March with a 150-minute acknowledge target is not
    breached at 06:00 (120 minutes counted) and falls due at 00:30 the next night, inside the
    calendar — not at 03:30, when the calendar is closed."""
    opened = berlin(2026, 3, 29, 0, 0)
    targets = Targets(acknowledge_minutes=150, update_minutes=150, resolve_minutes=600)
    clocks = sla.compute_clocks(
        calendar=BERLIN_NIGHTS, targets=targets, opened_at=opened, status_history=(),
        acknowledged_at=None, resolved_at=None, last_customer_update_at=None,
        next_update_by=None, now=berlin(2026, 3, 29, 6, 0))
    ack = clocks.acknowledge
    assert ack.elapsed == timedelta(minutes=120)
    assert ack.state == "at_risk"  # 80 % of the target, not breached
    assert ack.due_at.astimezone(BERLIN) == berlin(2026, 3, 30, 0, 30)
    assert add_business_time(BERLIN_NIGHTS, opened, timedelta(minutes=150)).astimezone(
        BERLIN).time().isoformat() == "00:30:00"


def test_an_opening_time_in_the_gap_opens_when_the_gap_ends():
    """New York 02:30–04:00 on 8 March 2026 (02:00–03:00 does not exist): the day opens at
    03:00 EDT and counts 60 minutes; the due date stays on the same day."""
    calendar = Calendar.from_policy("America/New_York",
                                    {str(day): [["02:30", "04:00"]] for day in range(7)})
    day_start = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert business_elapsed(calendar, day_start, day_start + timedelta(hours=12)) == timedelta(
        minutes=60)
    due = add_business_time(calendar, day_start, timedelta(minutes=45)).astimezone(NEW_YORK)
    assert (due.date(), due.hour, due.minute) == (date(2026, 3, 8), 3, 45)
    due = add_business_time(calendar, day_start, timedelta(minutes=60)).astimezone(NEW_YORK)
    assert (due.date(), due.hour, due.minute) == (date(2026, 3, 8), 4, 0)


def test_the_repeated_hour_counts_twice_inside_the_calendar():
    """Berlin falls back on 25 October 2026 (03:00 CEST → 02:00 CET): 00:00–02:30 reads
    02:00–02:30 twice, so 180 minutes count; 00:00–03:00 covers four real hours."""
    night = berlin(2026, 10, 25, 0, 0)
    assert business_elapsed(BERLIN_NIGHTS, night, berlin(2026, 10, 25, 9, 0)) == timedelta(
        minutes=180)
    three = Calendar.from_policy("Europe/Berlin", {str(d): [["00:00", "03:00"]] for d in range(7)})
    assert business_elapsed(three, night, berlin(2026, 10, 25, 9, 0)) == timedelta(hours=4)


def test_the_repeated_hour_counts_when_a_calendar_opens_inside_it():
    """Open 02:30–04:00 on the fall-back night in New York (1 November 2026, 02:00 EDT →
    01:00 EST): 01:00–02:00 repeats, 02:30 is unique, so 90 minutes count as usual; open
    01:30–02:00 counts both passes: 60 minutes."""
    day_start = datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK)
    later = day_start + timedelta(hours=12)
    usual = Calendar.from_policy("America/New_York", {"6": [["02:30", "04:00"]]})
    assert business_elapsed(usual, day_start, later) == timedelta(minutes=90)
    repeated = Calendar.from_policy("America/New_York", {"6": [["01:30", "02:00"]]})
    assert business_elapsed(repeated, day_start, later) == timedelta(minutes=60)
