"""Haven's policy time. Every "now" of the core comes from one :class:`Clock`.

Security windows (Slack signatures, JWT expiry) always use the real clock and never
read this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.db import utc_naive as to_naive_utc
from storage.db import utc_now


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (``2026-12-01T09:00:00Z``) into naive UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    return to_naive_utc(datetime.fromisoformat(value))


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
