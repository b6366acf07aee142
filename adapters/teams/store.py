"""What the Teams adapter remembers, through the core's :class:`bot.model.ports.Links` (``Haven.links``).

Keys: ``user:<aadObjectId>`` → {serviceUrl, tenantId, userId (``29:…``), botId, botName,
conversationId (the 1:1 chat, once known)}; ``channel:supervisors`` and
``channel:escalation`` → {teamId, channelId (no ``;messageid=``), tenantId, serviceUrl,
botId, botName, registeredBy}. Ids only: people's and channels' names are never stored
(:mod:`adapters.teams.names` keeps them in memory for mentions).
"""

from __future__ import annotations

from typing import Any

from bot.model.messages import Audience
from bot.model.ports import Links

PLATFORM = "teams"
NAME_FIELDS = ("name", "channelName")  # written by earlier versions; dropped on the next write


def channel_key(audience: Audience | str) -> str:
    return f"channel:{Audience(audience).value}"


class TeamsLinks:
    """Conversation references and registrations in the database (survive a restart)."""

    def __init__(self, links: Links) -> None:
        self.links = links

    async def load(self, key: str) -> dict[str, Any] | None:
        return await self.links.load(PLATFORM, key)

    async def save(self, key: str, data: dict[str, Any]) -> None:
        await self.links.save(PLATFORM, key, data)

    async def channel(self, audience: Audience) -> dict[str, Any] | None:
        """The default site's channel for ``audience`` (HR's): its registration (the core's
        links answer ``channel:<audience>`` from the registrations first)."""
        return await self.load(channel_key(audience))

    async def remember_user(self, aad_id: str, data: dict[str, Any]) -> None:
        """Merge what an activity told us about a person (keeps a known 1:1 conversation)."""
        known = await self.load(f"user:{aad_id}") or {}
        merged = {**known, **{k: v for k, v in data.items() if v}}
        for field in NAME_FIELDS:
            merged.pop(field, None)
        if merged != known:
            await self.save(f"user:{aad_id}", merged)

    async def forget_names(self) -> None:
        """Drop names an earlier version stored with the channel registrations."""
        for audience in (Audience.SUPERVISORS, Audience.ESCALATION):
            data = await self.load(channel_key(audience))
            if data and any(field in data for field in NAME_FIELDS):
                await self.save(channel_key(audience), {k: v for k, v in data.items() if k not in NAME_FIELDS})
