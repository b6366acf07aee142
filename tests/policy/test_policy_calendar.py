"""Business time in Asia/Tokyo: evenings, weekends, public holidays and the New Year closure."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy.calendar import BusinessCalendar
from policy.model import Policy
import itertools

TOKYO = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Tokyo wall time as the naive UTC instant the policy package works in."""
    local = datetime(year, month, day, hour, minute, tzinfo=TOKYO)
    return local.astimezone(UTC).replace(tzinfo=None)


def test_the_chosen_dates_are_what_the_holidays_package_says() -> None:
    japan = holidays.country_holidays("JP", years=[2026, 2027])
    assert date(2027, 1, 11) in japan  # 成人の日
    assert date(2026, 5, 6) in japan  # 振替休日 (5/3 fell on a Sunday)
    assert date(2027, 3, 22) in japan  # 振替休日 (春分の日 3/21 fell on a Sunday)
    assert date(2026, 12, 28).weekday() == 0 and date(2026, 12, 4).weekday() == 4


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 2), True),  # Wednesday
        (date(2026, 12, 5), False),  # Saturday
        (date(2026, 12, 6), False),  # Sunday
        (date(2027, 1, 11), False),  # Coming of Age Day
        (date(2026, 5, 6), False),  # substitute holiday
        (date(2027, 3, 22), False),  # substitute holiday
        (date(2026, 12, 28), True),  # last working day of the year
        (date(2026, 12, 29), False),  # company closure
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2027, 1, 3), False),  # closure (a Sunday too)
        (date(2027, 1, 4), True),  # back to work
    ],
)
def test_business_days(calendar: BusinessCalendar, day: date, expected: bool) -> None:
    assert calendar.is_business_day(day) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (jst(2026, 12, 2, 9, 59), False),
        (jst(2026, 12, 2, 10, 0), True),
        (jst(2026, 12, 2, 18, 59), True),
        (jst(2026, 12, 2, 19, 0), False),
        (jst(2026, 12, 5, 12, 0), False),  # Saturday noon
    ],
)
def test_business_time_is_ten_to_seven_local(calendar: BusinessCalendar, instant: datetime, expected: bool) -> None:
    assert calendar.is_business_time(instant) is expected


@pytest.mark.parametrize(
    ("start", "expected", "why"),
    [
        (jst(2026, 12, 2, 18, 30), jst(2026, 12, 3, 10, 30), "across an evening"),
        (jst(2026, 12, 4, 18, 30), jst(2026, 12, 7, 10, 30), "across a weekend"),
        (jst(2027, 1, 8, 18, 30), jst(2027, 1, 12, 10, 30), "weekend + Coming of Age Day"),
        (jst(2026, 5, 1, 18, 30), jst(2026, 5, 7, 10, 30), "Golden Week + substitute holiday"),
        (jst(2027, 3, 19, 18, 30), jst(2027, 3, 23, 10, 30), "weekend + substitute holiday"),
        (jst(2026, 12, 28, 18, 30), jst(2027, 1, 4, 10, 30), "the New Year closure"),
        (jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 11, 0), "before opening"),
        (jst(2026, 12, 2, 12, 0), jst(2026, 12, 2, 13, 0), "inside the day"),
        (jst(2026, 12, 2, 18, 0), jst(2026, 12, 2, 19, 0), "ends exactly at closing"),
    ],
)
def test_a_one_hour_business_deadline(
    calendar: BusinessCalendar, start: datetime, expected: datetime, why: str
) -> None:
    result = calendar.add_business_time(start, timedelta(hours=1))
    assert result == expected, why
    assert result.tzinfo is None
    assert calendar.business_time_between(start, result) == timedelta(hours=1)


def test_a_report_on_the_evening_of_28_december_waits_for_4_january(calendar: BusinessCalendar) -> None:
    assert calendar.next_business_instant(jst(2026, 12, 28, 20, 0)) == jst(2027, 1, 4, 10, 0)


def test_an_instant_in_business_time_is_its_own_next_business_instant(calendar: BusinessCalendar) -> None:
    instant = jst(2026, 12, 2, 14, 7)
    assert calendar.next_business_instant(instant) == instant


def test_a_multi_day_business_duration(calendar: BusinessCalendar) -> None:
    # 9 business hours a day: 20 hours from Wed 10:00 is Fri 12:00.
    assert calendar.add_business_time(jst(2026, 12, 2, 10), timedelta(hours=20)) == jst(2026, 12, 4, 12)
    assert calendar.business_time_between(jst(2026, 12, 4, 12), jst(2026, 12, 7, 12)) == timedelta(hours=9)


def test_business_time_between_is_zero_backwards(calendar: BusinessCalendar) -> None:
    assert calendar.business_time_between(jst(2026, 12, 3), jst(2026, 12, 2)) == timedelta(0)


def test_deadlines_in_wall_time_and_in_business_time(calendar: BusinessCalendar) -> None:
    reported = jst(2026, 12, 2, 18, 30)
    hour = timedelta(hours=1)
    assert calendar.deadline(reported, hour, business_hours_only=False) == jst(2026, 12, 2, 19, 30)
    assert calendar.deadline(reported, hour, business_hours_only=True) == jst(2026, 12, 3, 10, 30)
    assert calendar.deadline_passed(reported, hour, jst(2026, 12, 2, 19, 30), business_hours_only=False)
    assert not calendar.deadline_passed(reported, hour, jst(2026, 12, 3, 10, 29), business_hours_only=True)
    assert calendar.deadline_passed(reported, hour, jst(2026, 12, 3, 10, 30), business_hours_only=True)


def test_without_public_holidays_a_holiday_is_a_working_day(calendar: BusinessCalendar) -> None:
    no_holidays = dataclasses.replace(calendar, holidays="none")
    assert no_holidays.is_business_day(date(2027, 1, 11))
    assert not no_holidays.is_business_day(date(2026, 12, 30))  # still a closure day


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        (  # Friday evening: +1d Sat, +3d Mon night, +14d Fri night
            jst(2026, 12, 4, 20, 0),
            [jst(2026, 12, 7, 10), jst(2026, 12, 8, 10), jst(2026, 12, 21, 10)],
        ),
        (  # +1d and +3d both fall in the closure; +14d is Coming of Age Day
            jst(2026, 12, 28, 20, 0),
            [jst(2027, 1, 4, 10), jst(2027, 1, 5, 10), jst(2027, 1, 12, 10)],
        ),
        (  # in business time the offsets are kept as they are
            jst(2026, 12, 1, 11, 15),
            [jst(2026, 12, 2, 11, 15), jst(2026, 12, 4, 11, 15), jst(2026, 12, 15, 11, 15)],
        ),
    ],
)
def test_checkins_land_in_business_time(
    calendar: BusinessCalendar, reported: datetime, expected: list[datetime]
) -> None:
    times = calendar.checkin_times(reported)
    assert times == expected
    assert all(calendar.is_business_time(t) for t in times)
    assert all(a < b for a, b in itertools.pairwise(times))
    assert all(t >= reported + offset for t, offset in zip(times, calendar.offsets, strict=True))


def test_checkin_offsets_come_from_the_policy(policy: Policy, calendar: BusinessCalendar) -> None:
    assert list(calendar.offsets) == [timedelta(days=1), timedelta(days=3), timedelta(days=14)]
    assert len(calendar.checkin_times(jst(2026, 12, 28, 20))) == len(policy.follow_ups.offsets)


def test_long_durations_are_computed_day_by_day_quickly(calendar: BusinessCalendar) -> None:
    start = jst(2026, 1, 5, 10)
    end = calendar.add_business_time(start, timedelta(hours=9 * 700))  # about three years
    assert calendar.business_time_between(start, end) == timedelta(hours=9 * 700)


_instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31))
_durations = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=40))


@settings(max_examples=300, deadline=None, database=None)
@given(start=_instants, duration=_durations)
def test_adding_business_time_is_the_inverse_of_measuring_it(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    result = calendar.add_business_time(start, duration)
    local_day = result.replace(tzinfo=UTC).astimezone(TOKYO).date()
    hours = calendar.business_hours_on(local_day)
    assert calendar.is_business_time(result) or (hours is not None and result == hours[1])
    assert calendar.business_time_between(start, result) == duration
    assert result > start


@settings(max_examples=200, deadline=None, database=None)
@given(instant=_instants)
def test_the_next_business_instant_is_business_time_with_none_skipped(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    result = calendar.next_business_instant(instant)
    assert calendar.is_business_time(result)
    assert result >= instant
    assert calendar.business_time_between(instant, result) == timedelta(0)
