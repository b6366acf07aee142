"""Who is HR on the desk, re-checked on every request and cached for at most a minute.
``haven serve`` passes the core's one definition (:func:`bot.flows.permissions.is_hr_member`:
``HAVEN_HR_USERS`` or a member of the HR channel) as ``channel_check``, so the desk and
the register's decisions agree; ``hr_users`` is a shortcut for tests and trials."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from storage.hr_desk import Identity

MEMBERSHIP_TTL_SECONDS = 60.0
ChannelCheck = Callable[[Identity], Awaitable[bool]]


@dataclass
class HrAccess:
    """``is_hr`` fails closed: a look-up that raises counts as "not HR" (and is not cached)."""

    hr_users: frozenset[str] = frozenset()
    channel_check: ChannelCheck | None = None
    ttl: float = MEMBERSHIP_TTL_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[Identity, tuple[float, bool]] = field(default_factory=dict)

    async def is_hr(self, identity: Identity) -> bool:
        if identity.user_id in self.hr_users:
            return True
        if self.channel_check is None:
            return False
        now = self.monotonic()
        cached = self._cache.get(identity)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            member = await self.channel_check(identity)
        except Exception:
            return False
        if len(self._cache) > 1024:
            self._cache.clear()
        self._cache[identity] = (now + self.ttl, member)
        return member
