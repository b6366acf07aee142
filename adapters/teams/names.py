"""Display names for Teams mentions, kept in memory only (never in the database).

Names come from what Teams tells us anyway: the sender of every activity, the channel
of every channel activity, and the member look-ups the directory makes. A name not
seen yet is asked of the Bot Connector when a card is rendered for the outbox (the
person's 1:1 chat, then the registered teams); when nobody answers, the mention stays
plain. Entries expire, so a renamed person or channel is renamed here too.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from microsoft_agents.hosting.core import RestChannelServiceClientFactory

from adapters.teams.directory import get_member
from adapters.teams.store import TeamsLinks
from bot.model.messages import Audience

log = logging.getLogger("haven.teams")
KEEP_SECONDS = 3600.0
MISS_SECONDS = 60.0  # a look-up that found nothing is not repeated for a minute
LIMIT = 5000
LOOKUP_TIMEOUT = 3.0


class _Expiring:
    """A small bounded map whose entries expire."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.monotonic = monotonic
        self.items: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    def put(self, key: str, value: str | None, seconds: float) -> None:
        self.items[key] = (self.monotonic() + seconds, value)
        self.items.move_to_end(key)
        while len(self.items) > LIMIT:
            self.items.popitem(last=False)

    def get(self, key: str) -> tuple[bool, str | None]:
        """(known, value): known is False when never seen or expired."""
        found = self.items.get(key)
        if found is None or found[0] <= self.monotonic():
            return False, None
        return True, found[1]


class Names:
    """People's and channels' display names for rendering, from memory or the connector."""

    def __init__(self, factory: RestChannelServiceClientFactory, links: TeamsLinks, app_id: str, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.factory = factory
        self.links = links
        self.app_id = app_id
        self._people = _Expiring(monotonic)
        self._channels = _Expiring(monotonic)

    def seen(self, user_id: str | None, name: str | None) -> None:
        if user_id and name:
            self._people.put(user_id, name, KEEP_SECONDS)

    def channel_seen(self, channel_id: str | None, name: str | None) -> None:
        if channel_id and name:
            self._channels.put(channel_id, name, KEEP_SECONDS)

    def channel(self, channel_id: str) -> str | None:
        return self._channels.get(channel_id)[1]

    async def of(self, user_ids: Iterable[str], *, ask: bool = True) -> dict[str, str]:
        """Names of ``user_ids`` that are known; with ``ask``, unknown ones are looked up."""
        names: dict[str, str] = {}
        for user_id in sorted(set(user_ids)):
            known, name = self._people.get(user_id)
            if not known and ask:
                name = await self._look_up(user_id)
                self._people.put(user_id, name, KEEP_SECONDS if name else MISS_SECONDS)
            if name:
                names[user_id] = name
        return names

    async def _look_up(self, user_id: str) -> str | None:
        for conversation, service_url in await self._where(user_id):
            try:
                member = await get_member(self.factory, self.app_id, conversation, service_url, user_id,
                                          timeout=LOOKUP_TIMEOUT)
            except Exception as exc:
                log.debug("teams name look-up for %s missed: %s", user_id, type(exc).__name__)
                continue
            if member is not None and member.name:
                return str(member.name)
        return None

    async def _where(self, user_id: str) -> list[tuple[str, str]]:
        """Where this person may be asked about: their 1:1 chat, then the registered teams."""
        places: list[tuple[str, str]] = []
        user = await self.links.load(f"user:{user_id}")
        if user and user.get("conversationId") and user.get("serviceUrl"):
            places.append((str(user["conversationId"]), str(user["serviceUrl"])))
        for audience in (Audience.SUPERVISORS, Audience.ESCALATION, Audience.HR):
            channel = await self.links.channel(audience)
            if channel and channel.get("teamId") and channel.get("serviceUrl"):
                places.append((str(channel["teamId"]), str(channel["serviceUrl"])))
        return places
