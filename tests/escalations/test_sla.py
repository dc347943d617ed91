"""SLA clocks: hand-computed expectations for the calendar, pause, DST and state rules."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from portal.escalations.sla import (
    Calendar,
    OrderedHistory,
    StatusChange,
    Targets,
    add_business_time,
    business_elapsed,
    compute_clocks,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_6 = {str(day): [["09:00", "18:00"]] for day in range(5)}

TWENTY_FOUR_SEVEN = Calendar("UTC")
BERLIN_OFFICE = Calendar.from_policy("Europe/Berlin", WEEKDAYS_9_TO_6)
SEV3 = Targets(acknowledge_minutes=60, update_minutes=240, resolve_minutes=480)
SEV1 = Targets(acknowledge_minutes=15, update_minutes=30, resolve_minutes=120)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def clocks(**given):
    """compute_clocks with a quiet default escalation opened 2026-05-04 10:00 UTC."""
    inputs = dict(
        calendar=TWENTY_FOUR_SEVEN,
        targets=SEV3,
        opened_at=utc(2026, 5, 4, 10, 0),
        status_history=(),
        acknowledged_at=None,
        resolved_at=None,
        last_customer_update_at=None,
        next_update_by=None,
        now=utc(2026, 5, 4, 10, 0),
    )
    inputs.update(given)
    return compute_clocks(**inputs)


# --- 24x7 acknowledge clock --------------------------------------------------------------------


def test_ack_on_track_shows_due_time_and_time_left():
    """Half an hour into a one-hour ack target the clock is on track, due at 11:00."""
    ack = clocks(now=utc(2026, 5, 4, 10, 30)).acknowledge
    assert ack.state == "on_track"
    assert ack.elapsed == timedelta(minutes=30)
    assert ack.remaining == timedelta(minutes=30)
    assert ack.fraction_used == 0.5
    assert ack.due_at == utc(2026, 5, 4, 11, 0)
    assert ack.is_running and not ack.is_paused and ack.stopped_at is None


def test_ack_turns_at_risk_at_75_percent():
    """The clock turns amber at exactly 45 of 60 minutes, not a second earlier."""
    assert clocks(now=utc(2026, 5, 4, 10, 44, 59)).acknowledge.state == "on_track"
    assert clocks(now=utc(2026, 5, 4, 10, 45)).acknowledge.state == "at_risk"


def test_ack_breached_once_target_is_reached():
    """At 60 minutes unacknowledged the clock is breached and shows how far over it is."""
    at_target = clocks(now=utc(2026, 5, 4, 11, 0)).acknowledge
    assert at_target.state == "breached"
    assert at_target.due_at == utc(2026, 5, 4, 11, 0)
    over = clocks(now=utc(2026, 5, 4, 11, 30)).acknowledge
    assert over.state == "breached"
    assert over.remaining == timedelta(minutes=-30)
    assert over.due_at == utc(2026, 5, 4, 11, 0)


def test_ack_met_when_acknowledged_in_time():
    """Acknowledged at 59 minutes: met, stopped, with the due time kept for reports."""
    ack = clocks(acknowledged_at=utc(2026, 5, 4, 10, 59), now=utc(2026, 5, 4, 15, 0)).acknowledge
    assert ack.state == "met"
    assert ack.elapsed == timedelta(minutes=59)
    assert ack.stopped_at == utc(2026, 5, 4, 10, 59)
    assert ack.due_at == utc(2026, 5, 4, 11, 0)
    assert not ack.is_running


def test_ack_missed_when_acknowledged_at_or_after_target():
    """Acknowledged exactly at, or after, the one-hour target counts as missed."""
    exactly = clocks(acknowledged_at=utc(2026, 5, 4, 11, 0), now=utc(2026, 5, 4, 12, 0))
    late = clocks(acknowledged_at=utc(2026, 5, 4, 11, 1), now=utc(2026, 5, 4, 12, 0))
    assert exactly.acknowledge.state == "missed"
    assert late.acknowledge.state == "missed"
    assert late.acknowledge.elapsed == timedelta(minutes=61)


def test_stopped_clocks_keep_their_final_state():
    """A year later a met clock still says met and a missed one still says missed."""
    result = clocks(
        acknowledged_at=utc(2026, 5, 4, 10, 5),
        resolved_at=utc(2026, 5, 4, 19, 0),
        now=utc(2027, 5, 4, 10, 0),
    )
    assert result.acknowledge.state == "met"
    assert result.acknowledge.elapsed == timedelta(minutes=5)
    assert result.resolve.state == "missed"
    assert result.resolve.elapsed == timedelta(hours=9)
    assert result.resolve.stopped_at == utc(2026, 5, 4, 19, 0)


def test_events_after_now_have_not_happened_yet():
    """Replaying the history at an earlier 'now' shows the clocks as they were then."""
    result = clocks(
        acknowledged_at=utc(2026, 5, 4, 10, 50),
        resolved_at=utc(2026, 5, 4, 12, 0),
        now=utc(2026, 5, 4, 10, 45),
    )
    assert result.acknowledge.state == "at_risk"
    assert result.acknowledge.stopped_at is None
    assert result.resolve.stopped_at is None
    assert result.next_update is not None


def test_resolving_without_acknowledgement_stops_the_ack_clock():
    """An escalation resolved within the hour but never acknowledged does not breach its ack."""
    result = clocks(resolved_at=utc(2026, 5, 4, 10, 40), now=utc(2026, 5, 5, 10, 0))
    assert result.acknowledge.state == "met"
    assert result.acknowledge.stopped_at == utc(2026, 5, 4, 10, 40)


# --- business hours ---------------------------------------------------------------------------


def test_friday_evening_escalation_is_due_monday_noon():
    """Opened Friday 17:00 Berlin with a 4h target: 1h Friday, 3h Monday, due Monday 12:00."""
    opened = datetime(2026, 3, 6, 17, 0, tzinfo=BERLIN)  # 16:00 UTC (CET)
    ack = clocks(
        calendar=BERLIN_OFFICE,
        targets=Targets(acknowledge_minutes=240, update_minutes=60, resolve_minutes=480),
        opened_at=opened,
        now=opened,
    ).acknowledge
    assert ack.due_at == utc(2026, 3, 9, 11, 0)  # Monday 12:00 CET
    assert ack.due_at.tzinfo is UTC
    assert ack.elapsed == timedelta(0)


def test_weekend_does_not_count():
    """Friday 17:00 to Monday 10:00 Berlin is only two business hours."""
    elapsed = business_elapsed(BERLIN_OFFICE, utc(2026, 3, 6, 16, 0), utc(2026, 3, 9, 9, 0))
    assert elapsed == timedelta(hours=2)


def test_filling_an_interval_exactly_ends_at_closing_time():
    """One hour from Friday 17:00 is Friday 18:00, not Monday 09:00."""
    friday_17_cet = utc(2026, 3, 6, 16, 0)
    due = add_business_time(BERLIN_OFFICE, friday_17_cet, timedelta(hours=1))
    assert due == utc(2026, 3, 6, 17, 0)


def test_holiday_is_skipped():
    """With Christmas Day a holiday, 4h from Thursday 24 Dec 17:00 is Monday 28 Dec 12:00."""
    with_holiday = Calendar.from_policy("Europe/Berlin", WEEKDAYS_9_TO_6, ["2026-12-25"])
    start = utc(2026, 12, 24, 16, 0)  # Thursday 17:00 CET
    assert add_business_time(with_holiday, start, timedelta(hours=4)) == utc(2026, 12, 28, 11, 0)
    assert add_business_time(BERLIN_OFFICE, start, timedelta(hours=4)) == utc(2026, 12, 25, 11, 0)


def test_holidays_do_not_apply_to_24x7():
    """A 24x7 policy counts Christmas Day like any other day."""
    calendar = Calendar("Europe/Berlin", None, frozenset({date(2026, 12, 25)}))
    assert business_elapsed(
        calendar, utc(2026, 12, 25, 0, 0), utc(2026, 12, 25, 6, 0)
    ) == timedelta(hours=6)


def test_a_year_of_business_hours_adds_up():
    """52 weeks of Mon-Fri 09:00-18:00 is 52 x 45 = 2340 hours."""
    calendar = Calendar.from_policy("UTC", WEEKDAYS_9_TO_6)
    assert business_elapsed(calendar, utc(2024, 1, 1), utc(2024, 12, 30)) == timedelta(hours=2340)


# --- waiting on customer ----------------------------------------------------------------------


WAITING_HISTORY = (
    StatusChange(utc(2026, 5, 4, 10, 0), "new"),
    StatusChange(utc(2026, 5, 4, 10, 30), "investigating"),
    StatusChange(utc(2026, 5, 4, 11, 0), "waiting_on_customer"),
)


def test_waiting_on_customer_pauses_the_resolve_clock():
    """While waiting on the customer the resolve clock stops counting and shows no due time."""
    result = clocks(
        status_history=WAITING_HISTORY,
        acknowledged_at=utc(2026, 5, 4, 10, 30),
        now=utc(2026, 5, 4, 13, 0),
    )
    resolve = result.resolve
    assert resolve.elapsed == timedelta(hours=1)
    assert resolve.paused_since == utc(2026, 5, 4, 11, 0)
    assert resolve.due_at is None
    assert resolve.is_paused and not resolve.is_running
    assert resolve.state == "on_track"
    assert result.acknowledge.state == "met"


def test_time_spent_resolved_before_a_reopen_does_not_count():
    """A reopened escalation's resolve clock resumes where it stopped, not breached at once."""
    history = (
        StatusChange(utc(2026, 5, 4, 10, 0), "new"),
        StatusChange(utc(2026, 5, 4, 10, 30), "acknowledged"),
        StatusChange(utc(2026, 5, 4, 11, 0), "investigating"),
        StatusChange(utc(2026, 5, 4, 12, 0), "resolved"),
        StatusChange(utc(2026, 5, 6, 12, 0), "closed"),
        StatusChange(utc(2026, 5, 8, 12, 0), "investigating"),  # reopened
    )
    resolve = clocks(status_history=history, acknowledged_at=utc(2026, 5, 4, 10, 30),
                     now=utc(2026, 5, 8, 13, 0)).resolve
    # 10:00→12:00 on the 4th plus 12:00→13:00 on the 8th: 3 h of the 8 h target.
    assert resolve.elapsed == timedelta(hours=3)
    assert resolve.state == "on_track"
    assert resolve.due_at == utc(2026, 5, 8, 18, 0)


def test_resuming_after_a_pause_pushes_the_due_time_back():
    """Two hours waiting on the customer move the 8h resolve due time from 18:00 to 20:00."""
    history = (*WAITING_HISTORY, StatusChange(utc(2026, 5, 4, 13, 0), "investigating"))
    resolve = clocks(status_history=history, now=utc(2026, 5, 4, 14, 0)).resolve
    assert resolve.elapsed == timedelta(hours=2)
    assert resolve.due_at == utc(2026, 5, 4, 20, 0)
    assert resolve.paused_since is None
    assert resolve.is_running


def test_history_order_does_not_matter():
    """Status changes given out of order are read in time order."""
    history = (StatusChange(utc(2026, 5, 4, 13, 0), "investigating"), *reversed(WAITING_HISTORY))
    resolve = clocks(status_history=history, now=utc(2026, 5, 4, 14, 0)).resolve
    assert resolve.elapsed == timedelta(hours=2)


def test_an_ordered_history_reads_as_the_same_history_in_any_order():
    """A history already in UTC and in order (OrderedHistory: the dashboard's, remembered) is
    read as it is: the same clocks as the same changes given newest first in another zone,
    whatever the statuses, instants (before opening, together, after now), calendar and stop."""
    opened, now = utc(2026, 5, 4, 10, 0), utc(2026, 5, 5, 9, 30)
    instants = [opened - timedelta(hours=1), opened, utc(2026, 5, 4, 12, 0),
                utc(2026, 5, 4, 12, 0), utc(2026, 5, 4, 19, 45), now + timedelta(hours=2)]
    statuses = ["investigating", "waiting_on_customer", "contained", "resolved"]
    checked = 0
    for picked, calendar, resolved in product(
            product(statuses, repeat=3), (TWENTY_FOUR_SEVEN, BERLIN_OFFICE),
            (None, utc(2026, 5, 4, 20, 0))):
        for start in range(len(instants) - 2):
            changes = [StatusChange(at, status)
                       for at, status in zip(instants[start:start + 3], picked, strict=True)]
            given = dict(calendar=calendar, resolved_at=resolved, now=now)
            # Newest first (changes at one instant still in the order they happened).
            expected = clocks(status_history=[
                StatusChange(change.at.astimezone(BERLIN), change.status)
                for change in sorted(changes, key=lambda change: change.at, reverse=True)],
                **given)
            assert clocks(status_history=OrderedHistory(changes), **given) == expected
            checked += 1
    assert clocks(status_history=OrderedHistory(), now=now) == clocks(now=now)
    assert checked == 4 ** 3 * 2 * 2 * 4


def test_breached_before_pause_keeps_its_due_time():
    """A clock that breached before the pause keeps showing when it was due."""
    history = (StatusChange(utc(2026, 5, 4, 11, 30), "waiting_on_customer"),)
    resolve = clocks(
        targets=Targets(acknowledge_minutes=60, update_minutes=60, resolve_minutes=60),
        status_history=history,
        now=utc(2026, 5, 4, 12, 0),
    ).resolve
    assert resolve.state == "breached"
    assert resolve.elapsed == timedelta(minutes=90)
    assert resolve.due_at == utc(2026, 5, 4, 11, 0)
    assert resolve.paused_since == utc(2026, 5, 4, 11, 30)


def test_resolved_while_waiting_stops_without_pause():
    """Resolving while waiting on the customer stops the clock; it is no longer 'paused'."""
    resolve = clocks(
        status_history=WAITING_HISTORY,
        resolved_at=utc(2026, 5, 4, 12, 0),
        now=utc(2026, 5, 4, 15, 0),
    ).resolve
    assert resolve.state == "met"
    assert resolve.elapsed == timedelta(hours=1)
    assert resolve.paused_since is None
    assert resolve.stopped_at == utc(2026, 5, 4, 12, 0)


def test_waiting_in_business_hours_counts_only_open_unpaused_time():
    """Waiting from Friday 12:00 to Monday 11:00 Berlin leaves only Friday 09:00-12:00 and
    Monday 11:00-12:00 counted."""
    history = (
        StatusChange(utc(2026, 3, 6, 11, 0), "waiting_on_customer"),  # Fri 12:00 CET
        StatusChange(utc(2026, 3, 9, 10, 0), "investigating"),  # Mon 11:00 CET
    )
    resolve = clocks(
        calendar=BERLIN_OFFICE,
        opened_at=utc(2026, 3, 6, 8, 0),  # Fri 09:00 CET
        status_history=history,
        now=utc(2026, 3, 9, 11, 0),  # Mon 12:00 CET
    ).resolve
    assert resolve.elapsed == timedelta(hours=4)
    assert resolve.due_at == utc(2026, 3, 9, 15, 0)  # 4h left: Mon 16:00 CET


# --- severity change --------------------------------------------------------------------------


def test_stricter_severity_applies_to_the_whole_history():
    """Raising to Sev 1 re-reads the same history: the ack is missed and resolve breached."""
    history = dict(acknowledged_at=utc(2026, 5, 4, 10, 20), now=utc(2026, 5, 4, 12, 30))
    before = clocks(targets=SEV3, **history)
    after = clocks(targets=SEV1, **history)
    assert before.acknowledge.state == "met"
    assert before.resolve.state == "on_track"
    assert before.resolve.due_at == utc(2026, 5, 4, 18, 0)
    assert after.acknowledge.state == "missed"
    assert after.resolve.state == "breached"
    assert after.resolve.due_at == utc(2026, 5, 4, 12, 0)


# --- next update ------------------------------------------------------------------------------


def test_next_update_follows_cadence_in_business_hours():
    """Updated Friday 17:30 Berlin with an hourly cadence: next update due Monday 09:30."""
    result = clocks(
        calendar=BERLIN_OFFICE,
        targets=Targets(acknowledge_minutes=60, update_minutes=60, resolve_minutes=480),
        opened_at=utc(2026, 3, 6, 9, 0),
        last_customer_update_at=utc(2026, 3, 6, 16, 30),  # Fri 17:30 CET
        now=utc(2026, 3, 6, 17, 0),
    )
    assert result.next_update is not None
    assert result.next_update.due_at == utc(2026, 3, 9, 8, 30)  # Mon 09:30 CET
    assert result.next_update.basis == "cadence"
    assert result.next_update.overdue is False


def test_next_update_counts_from_opening_without_updates():
    """With no customer update yet, the first one is due a cadence after opening."""
    update = clocks(now=utc(2026, 5, 4, 13, 0)).next_update
    assert update is not None
    assert update.due_at == utc(2026, 5, 4, 14, 0)
    assert update.overdue is False


def test_next_update_overdue_from_due_time():
    """The next update shows overdue from the very minute it is due."""
    assert clocks(now=utc(2026, 5, 4, 13, 59)).next_update.overdue is False
    assert clocks(now=utc(2026, 5, 4, 14, 0)).next_update.overdue is True


def test_explicit_commitment_wins_over_cadence():
    """A promised 'next update by' replaces the cadence, whether sooner or later."""
    later = clocks(
        last_customer_update_at=utc(2026, 5, 4, 11, 0),
        next_update_by=utc(2026, 5, 5, 9, 0),
        now=utc(2026, 5, 4, 16, 0),
    ).next_update
    assert later.due_at == utc(2026, 5, 5, 9, 0)
    assert later.basis == "commitment"
    assert later.overdue is False
    sooner = clocks(
        last_customer_update_at=utc(2026, 5, 4, 11, 0),
        next_update_by=utc(2026, 5, 4, 11, 30),
        now=utc(2026, 5, 4, 11, 30),
    ).next_update
    assert sooner.due_at == utc(2026, 5, 4, 11, 30)
    assert sooner.overdue is True


def test_no_next_update_once_resolved():
    """A resolved escalation no longer promises another update."""
    result = clocks(resolved_at=utc(2026, 5, 4, 11, 0), now=utc(2026, 5, 4, 20, 0))
    assert result.next_update is None


# --- daylight saving time ---------------------------------------------------------------------


BERLIN_24X7 = Calendar("Europe/Berlin")


def test_spring_forward_counts_real_hours():
    """01:00 to 04:00 Berlin on 29 Mar 2026 is two real hours (02:00 never happens)."""
    start = datetime(2026, 3, 29, 1, 0, tzinfo=BERLIN)  # 00:00 UTC
    end = datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN)  # 02:00 UTC
    assert business_elapsed(BERLIN_24X7, start, end) == timedelta(hours=2)
    assert add_business_time(BERLIN_24X7, start, timedelta(hours=2)) == utc(2026, 3, 29, 2, 0)
    ack = clocks(calendar=BERLIN_24X7, opened_at=start, now=end).acknowledge
    assert ack.elapsed == timedelta(hours=2)
    assert ack.due_at == utc(2026, 3, 29, 1, 0)  # 03:00 CEST


def test_fall_back_counts_real_hours():
    """01:00 to 04:00 Berlin on 25 Oct 2026 is four real hours (02:00-03:00 happens twice)."""
    start = datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN)  # 23:00 UTC the day before
    end = datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)  # 03:00 UTC
    assert start == utc(2026, 10, 24, 23, 0) and end == utc(2026, 10, 25, 3, 0)
    assert business_elapsed(BERLIN_24X7, start, end) == timedelta(hours=4)


def test_business_week_across_spring_forward_is_nine_hours_a_day():
    """New York Friday and Monday around 8 Mar 2026 still count 9h each."""
    calendar = Calendar.from_policy("America/New_York", WEEKDAYS_9_TO_6)
    friday = datetime(2026, 3, 6, 0, 0, tzinfo=NEW_YORK)  # 05:00 UTC (EST)
    tuesday = datetime(2026, 3, 10, 0, 0, tzinfo=NEW_YORK)  # 04:00 UTC (EDT)
    assert business_elapsed(calendar, friday, tuesday) == timedelta(hours=18)
    # Monday opens at 13:00 UTC (EDT), Friday opened at 14:00 UTC (EST).
    assert add_business_time(calendar, utc(2026, 3, 9, 13, 0), timedelta(hours=9)) == utc(
        2026, 3, 9, 22, 0
    )
    assert add_business_time(calendar, utc(2026, 3, 6, 14, 0), timedelta(hours=10)) == utc(
        2026, 3, 9, 14, 0
    )


def test_business_week_across_fall_back_is_nine_hours_a_day():
    """New York Friday and Monday around 1 Nov 2026 still count 9h each."""
    calendar = Calendar.from_policy("America/New_York", WEEKDAYS_9_TO_6)
    friday = datetime(2026, 10, 30, 0, 0, tzinfo=NEW_YORK)  # 04:00 UTC (EDT)
    tuesday = datetime(2026, 11, 3, 0, 0, tzinfo=NEW_YORK)  # 05:00 UTC (EST)
    assert business_elapsed(calendar, friday, tuesday) == timedelta(hours=18)
    # Friday closes at 22:00 UTC (EDT); Monday opens at 14:00 UTC (EST).
    assert add_business_time(calendar, utc(2026, 10, 30, 21, 0), timedelta(hours=2)) == utc(
        2026, 11, 2, 15, 0
    )


def test_all_day_opening_follows_the_length_of_the_dst_day():
    """A Sunday open 00:00-24:00 counts 23h on spring-forward day and 25h on fall-back day."""
    calendar = Calendar.from_policy("Europe/Berlin", {"6": [["00:00", "24:00"]]})
    assert business_elapsed(calendar, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)) == timedelta(
        hours=23
    )
    assert business_elapsed(calendar, utc(2026, 10, 24, 12), utc(2026, 10, 26, 12)) == timedelta(
        hours=25
    )


def test_opening_hours_inside_the_dst_gap_are_not_double_counted():
    """Sunday hours 01:00-02:30 and 03:00-04:00 on spring-forward day are 2 real hours."""
    hours = {"6": [["01:00", "02:30"], ["03:00", "04:00"]]}
    calendar = Calendar.from_policy("Europe/Berlin", hours)
    # 01:00 CET = 00:00 UTC; 04:00 CEST = 02:00 UTC; nothing in between counts twice.
    assert business_elapsed(calendar, utc(2026, 3, 29), utc(2026, 3, 30)) == timedelta(hours=2)


def test_opening_hours_in_the_repeated_hour_count_both_passes():
    """Sunday hours 02:00-03:00 on fall-back day span 2 real hours (02:00 CEST to 03:00 CET)."""
    calendar = Calendar.from_policy("Europe/Berlin", {"6": [["02:00", "03:00"]]})
    assert business_elapsed(calendar, utc(2026, 10, 25), utc(2026, 10, 26)) == timedelta(hours=2)


# --- bad input --------------------------------------------------------------------------------


def test_naive_datetimes_are_refused():
    """A datetime without a timezone is an error, never a silent guess."""
    naive = datetime(2026, 5, 4, 10, 0)
    with pytest.raises(ValueError):
        clocks(now=naive)
    with pytest.raises(ValueError):
        clocks(opened_at=naive)
    with pytest.raises(ValueError):
        clocks(status_history=(StatusChange(naive, "investigating"),))
    with pytest.raises(ValueError):
        business_elapsed(TWENTY_FOUR_SEVEN, naive, utc(2026, 5, 4, 11, 0))
    with pytest.raises(ValueError):
        add_business_time(BERLIN_OFFICE, naive, timedelta(hours=1))


def test_policy_json_is_parsed_and_checked():
    """Stored policy JSON becomes the same calendar as typed times; nonsense is rejected."""
    typed = Calendar("Europe/Berlin", {d: [(time(9), time(18))] for d in range(5)})
    assert typed == BERLIN_OFFICE
    assert hash(BERLIN_OFFICE) == hash(typed)
    with pytest.raises(ValueError):
        Calendar.from_policy("Mars/Olympus_Mons", WEEKDAYS_9_TO_6)
    with pytest.raises(ValueError):
        Calendar.from_policy("UTC", {"0": [["18:00", "09:00"]]})
    with pytest.raises(ValueError):
        Calendar.from_policy("UTC", {"0": [["09:00", "13:00"], ["12:00", "18:00"]]})
    with pytest.raises(ValueError):
        Calendar.from_policy("UTC", {"7": [["09:00", "18:00"]]})
    with pytest.raises(ValueError):
        Calendar.from_policy("UTC", {"0": [["09:00"]]})
    with pytest.raises(ValueError):
        Targets(acknowledge_minutes=0, update_minutes=60, resolve_minutes=60)


def test_calendar_without_open_hours_is_refused():
    """A business-hours policy that is never open is rejected instead of hanging."""
    with pytest.raises(ValueError):
        Calendar.from_policy("UTC", {})
    with pytest.raises(ValueError):
        Calendar.from_policy("UTC", {"0": []})


def test_unreachable_amount_raises_instead_of_looping():
    """Asking for more business time than ten years supply fails fast; negative amounts too."""
    with pytest.raises(ValueError):
        add_business_time(BERLIN_OFFICE, utc(2026, 5, 4), timedelta(days=2000))
    with pytest.raises(ValueError):
        add_business_time(BERLIN_OFFICE, utc(2026, 5, 4), timedelta(hours=-1))
