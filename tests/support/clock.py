"""An in-process clock for tests: it moves only when told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import utc_naive as to_naive_utc


@dataclass
class FakeClock:
    """An in-process clock for tests: it moves only when told."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta

    def set(self, moment: datetime) -> None:
        self.current = to_naive_utc(moment)
