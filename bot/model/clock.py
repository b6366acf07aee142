"""Haven's policy time. Every "now" of the core comes from one :class:`Clock`.

Security windows (Slack signatures, JWT expiry) always use the real clock and never
read this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from storage.db import utc_naive as to_naive_utc
from storage.db import utc_now


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (``2026-12-01T09:00:00Z``) into naive UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    return to_naive_utc(datetime.fromisoformat(value))


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_DAY = date(1900, 1, 1)  # a filter's day must lie in this range, so that its local midnight
LAST_DAY = date(9998, 12, 31)  # and the next one exist as UTC datetimes in any time zone


class DayOutOfRange(ValueError):
    """A well-formed day before :data:`FIRST_DAY` or after :data:`LAST_DAY`."""


def parse_day(text: str) -> date:
    """A calendar day written exactly ``YYYY-MM-DD`` (not ``20261130``, not ``2026-W48-1``);
    :class:`ValueError` when it is not one, :class:`DayOutOfRange` when it is out of range."""
    if not ISO_DAY.fullmatch(text):
        raise ValueError(f"not a date as YYYY-MM-DD: {text!r}")
    day = date.fromisoformat(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DayOutOfRange(f"{text} is out of range ({FIRST_DAY} to {LAST_DAY})")
    return day


def iso(moment: datetime) -> str:
    """Naive UTC → ``2026-12-01T09:00:00Z``."""
    return moment.replace(microsecond=0).isoformat() + "Z"


class SystemClock:
    def now(self) -> datetime:
        return utc_now()


@dataclass
class FileClock:
    """``HAVEN_CLOCK_FILE``: the instant in the file, re-read on every call."""

    path: Path

    def now(self) -> datetime:
        try:
            return parse_instant(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return SystemClock().now()


def clock_from(clock_file: str | None) -> SystemClock | FileClock:
    return FileClock(Path(clock_file)) if clock_file else SystemClock()
