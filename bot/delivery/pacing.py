"""Pacing: Haven sends no faster than each platform accepts, per channel.

Slack accepts about one post a second per channel, Teams about seven operations a second
per conversation. A messenger may say so itself with an optional ``pace_per_second``
attribute; otherwise :data:`DEFAULT_PACE` applies (no pacing for unknown platforms, such
as the console). The key is platform-neutral: ``(platform, audience[, site])`` for channel
posts, ``(platform, "user", id)`` for direct messages (each DM is its own channel).

The pacer lives in one process: replicas each pace themselves (a 429 with
``Retry-After`` still slows them down, see :mod:`bot.delivery.dispatcher`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from storage.delivery_models import OutboxMessage

DEFAULT_PACE: dict[str, float] = {"slack": 1.0, "teams": 7.0}
Key = tuple[str, ...]


def pace_key(row: OutboxMessage) -> Key:
    """Where a row lands: a channel audience, or one person's direct messages."""
    if row.audience in ("user", "reporter") and row.user_id:
        return (row.platform, "user", row.user_id)
    if row.site:  # each site's channel is paced on its own
        return (row.platform, row.audience, row.site)
    return (row.platform, row.audience)


def pace_of(messenger: Any, platform: str) -> float | None:
    """Operations per second for this platform's channels, or None (unpaced)."""
    rate = getattr(messenger, "pace_per_second", None)
    if isinstance(rate, (int, float)) and rate > 0:
        return float(rate)
    return DEFAULT_PACE.get(platform)


class Pacer:
    """Spaces operations per key ``1 / rate`` seconds apart, on ``clock`` (seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[Key, float] = {}

    def delay(self, key: Key) -> float:
        """Seconds until the next free slot for ``key`` (0 when free now); books nothing."""
        return max(0.0, self._next.get(key, 0.0) - self._clock())

    def reserve(self, key: Key, rate: float | None) -> float:
        """Book the next slot for ``key``; returns how long to wait before using it."""
        if rate is None:
            return 0.0
        now = self._clock()
        start = max(now, self._next.get(key, 0.0))
        self._next[key] = start + 1.0 / rate
        return start - now

    def push_back(self, key: Key, seconds: float) -> None:
        """The platform asked us to wait (``Retry-After``): nothing goes to ``key`` until then."""
        until = self._clock() + max(0.0, seconds)
        self._next[key] = max(self._next.get(key, 0.0), until)
