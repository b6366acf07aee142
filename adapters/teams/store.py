"""What the Teams adapter remembers, through the neutral :mod:`bot.links` port.

Keys: ``user:<aadObjectId>`` → {serviceUrl, tenantId, userId (``29:…``), name, botId,
botName, conversationId (the 1:1 chat, once known)}; ``channel:supervisors`` and
``channel:escalation`` → {teamId, channelId (no ``;messageid=``), channelName, tenantId,
serviceUrl, botId, botName, registeredBy}.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.context import Context
from bot.links import load_link, save_link
from bot.messages import Audience

PLATFORM = "teams"


def channel_key(audience: Audience | str) -> str:
    return f"channel:{Audience(audience).value}"


class TeamsLinks:
    """Conversation references and registrations in the database (survive a restart)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def load(self, key: str) -> dict[str, Any] | None:
        return await load_link(self.ctx, PLATFORM, key)

    async def save(self, key: str, data: dict[str, Any]) -> None:
        await save_link(self.ctx, PLATFORM, key, data)

    async def remember_user(self, aad_id: str, data: dict[str, Any]) -> None:
        """Merge what an activity told us about a person (keeps a known 1:1 conversation)."""
        known = await self.load(f"user:{aad_id}") or {}
        merged = {**known, **{k: v for k, v in data.items() if v}}
        if merged != known:
            await self.save(f"user:{aad_id}", merged)

    async def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for user_id in sorted(set(user_ids)):
            data = await self.load(f"user:{user_id}")
            if data and data.get("name"):
                names[user_id] = str(data["name"])
        return names
