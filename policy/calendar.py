"""Business time: working days, business hours, public holidays and company closures.

Every datetime in or out is naive UTC (no tzinfo, meaning UTC). The policy time zone is
used only inside, to decide which local day and hour an instant falls on. Arithmetic is
day by day over business spans, never minute by minute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from policy.model import Policy
from policy.types import WEEKDAYS

_SEARCH_DAYS = 3 * 366
"""How far ahead to look for a business day before giving up (a policy with none)."""


@lru_cache(maxsize=16)
def country_holidays(code: str) -> holidays_lib.HolidayBase | None:
    """Public holidays of a country code known to the ``holidays`` package; ``none`` -> None."""
    if code == "none":
        return None
    return holidays_lib.country_holidays(code)


def is_public_holiday(code: str, local_date: date) -> bool:
    """True when ``local_date`` is a public holiday in ``code`` (never for ``none``)."""
    calendar = country_holidays(code)
    return calendar is not None and local_date in calendar


def to_local(t: datetime, zone: ZoneInfo) -> datetime:
    """A naive-UTC instant as an aware datetime in ``zone``."""
    return t.replace(tzinfo=UTC).astimezone(zone)


def from_local(local_date: date, at: time, zone: ZoneInfo) -> datetime:
    """The naive-UTC instant of wall time ``at`` on ``local_date`` in ``zone``."""
    return datetime.combine(local_date, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def month_day(local_date: date) -> str:
    """``MM-DD`` of a date, as closure days are written in the policy."""
    return local_date.strftime("%m-%d")


@dataclass(frozen=True)
class BusinessCalendar:
    """When the company works: ``opens``–``closes`` on working days that are not holidays
    or closure days, in ``zone``."""

    zone: ZoneInfo
    opens: time
    closes: time
    closes_at_midnight: bool
    working_days: frozenset[int]  # date.weekday(): 0 = Monday
    holidays: str  # a country code for the holidays package, or "none"
    closed: frozenset[str]  # MM-DD
    offsets: tuple[timedelta, ...] = ()  # follow-up check-in offsets

    @classmethod
    def from_policy(cls, policy: Policy) -> BusinessCalendar:
        """The calendar of ``policy.follow_ups`` in the policy time zone."""
        follow_ups = policy.follow_ups
        hours = follow_ups.business_hours
        return cls(
            zone=policy.zone,
            opens=hours.opens,
            closes=hours.closes,
            closes_at_midnight=hours.closes_at_midnight,
            working_days=frozenset(WEEKDAYS.index(day) for day in follow_ups.working_days),
            holidays=follow_ups.holidays,
            closed=frozenset(follow_ups.closed),
            offsets=tuple(follow_ups.offsets),
        )

    @classmethod
    def for_site(cls, policy: Policy, site_id: str | None) -> BusinessCalendar:
        """The calendar of a site: its own ``hours`` and working days, with the policy's
        holidays, closure days and check-in offsets. Without sites (or for an unknown id
        when there are none): :meth:`from_policy`."""
        site = policy.site(site_id)
        if site is None:
            return cls.from_policy(policy)
        hours = site.hours
        return replace(
            cls.from_policy(policy),
            opens=hours.opens,
            closes=hours.closes,
            closes_at_midnight=hours.closes_at_midnight,
            working_days=frozenset(WEEKDAYS.index(day) for day in hours.days),
        )

    # -- days ------------------------------------------------------------------------

    def is_business_day(self, local_date: date) -> bool:
        """A working day that is neither a public holiday nor a company closure day."""
        return (
            local_date.weekday() in self.working_days
            and month_day(local_date) not in self.closed
            and not is_public_holiday(self.holidays, local_date)
        )

    def business_hours_on(self, local_date: date) -> tuple[datetime, datetime] | None:
        """Opening and closing instants (naive UTC) of ``local_date``; None if not a business day."""
        if not self.is_business_day(local_date):
            return None
        start = from_local(local_date, self.opens, self.zone)
        if self.closes_at_midnight:
            return start, from_local(local_date + timedelta(days=1), time(0), self.zone)
        return start, from_local(local_date, self.closes, self.zone)

    def _local_date(self, t: datetime) -> date:
        return to_local(t, self.zone).date()

    def _spans_from(self, t: datetime) -> _Spans:
        return _Spans(self, self._local_date(t))

    # -- instants --------------------------------------------------------------------

    def is_business_time(self, t: datetime) -> bool:
        """True when ``t`` is within business hours on a business day."""
        span = self.business_hours_on(self._local_date(t))
        return span is not None and span[0] <= t < span[1]

    def next_business_instant(self, t: datetime) -> datetime:
        """``t`` itself in business time, otherwise the next opening after it."""
        for start, end in self._spans_from(t):
            if t < end:
                return max(t, start)
        raise AssertionError("unreachable")  # pragma: no cover - _Spans raises first

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of business time has passed since ``start``.

        A deadline that uses up a day's hours exactly ends at that day's closing time.
        """
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if duration == timedelta(0):
            return start
        remaining = duration
        for span_start, span_end in self._spans_from(start):
            if start >= span_end:
                continue
            begin = max(start, span_start)
            available = span_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
        total = timedelta(0)
        if b <= a:
            return total
        day, last = self._local_date(a), self._local_date(b)
        while day <= last:
            span = self.business_hours_on(day)
            if span is not None:
                low, high = max(a, span[0]), min(b, span[1])
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, duration: timedelta, *, business_hours_only: bool) -> datetime:
        """``start + duration`` in wall time, or in business time when ``business_hours_only``."""
        if business_hours_only:
            return self.add_business_time(start, duration)
        return start + duration

    def deadline_passed(
        self, start: datetime, duration: timedelta, now: datetime, *, business_hours_only: bool
    ) -> bool:
        """True once ``now`` has reached the deadline (see :meth:`deadline`)."""
        return now >= self.deadline(start, duration, business_hours_only=business_hours_only)

    def checkin_times(self, reported_at: datetime) -> list[datetime]:
        """When to check in with the reporter: one instant per follow-up offset.

        Each is ``reported_at + offset`` moved forward into business time. When two land on
        the same instant (say both fall in a closure), the later one moves to the opening of
        the next business day, so the list is strictly increasing and keeps one per offset.
        """
        result: list[datetime] = []
        for offset in self.offsets:
            t = self.next_business_instant(reported_at + offset)
            if result and t <= result[-1]:
                next_day = self._local_date(result[-1]) + timedelta(days=1)
                t = self.next_business_instant(from_local(next_day, time(0), self.zone))
            result.append(t)
        return result


class _Spans:
    """Business spans (naive UTC) day by day from a local date; gives up after a while."""

    def __init__(self, calendar: BusinessCalendar, first: date) -> None:
        self._calendar = calendar
        self._day = first

    def __iter__(self) -> _Spans:
        return self

    def __next__(self) -> tuple[datetime, datetime]:
        for _ in range(_SEARCH_DAYS):
            span = self._calendar.business_hours_on(self._day)
            self._day += timedelta(days=1)
            if span is not None:
                return span
        raise ValueError(f"no business day within {_SEARCH_DAYS} days; check follow_ups")
