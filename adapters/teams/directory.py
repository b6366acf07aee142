"""The Teams :class:`bot.model.ports.Directory`: a member of an audience is a member of the team
that owns that audience's registered channel, per ``GET {serviceUrl}/v3/conversations/{teamId}/members/{aadObjectId}``
(200 member, 404 not), cached at most 60 s; any other answer fails closed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from microsoft_agents.activity import ChannelAccount, PagedMembersResult
from microsoft_agents.hosting.core import ClaimsIdentity, RestChannelServiceClientFactory

from adapters.teams.store import TeamsLinks
from bot.model.messages import Audience
from bot.model.ports import LookupFailed, Target

log = logging.getLogger("haven.teams")
CACHE_SECONDS = 60.0
LOOKUP_TIMEOUT = 10.0
PAGE_SIZE = 100  # Teams: 50–500 per page


class TeamsDirectory:
    def __init__(self, factory: RestChannelServiceClientFactory, links: TeamsLinks, app_id: str, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 on_name: Callable[[str, str], None] | None = None) -> None:
        self.factory = factory
        self.on_name = on_name
        self.links = links
        self.app_id = app_id
        self.monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def is_member(self, user_id: str, audience: Audience) -> bool:
        """Whether ``user_id`` is in the team of the channel registered for ``audience``."""
        if audience == Audience.USER:
            return False
        return await self.is_member_of(user_id, place=Target(audience))

    async def is_member_of(self, user_id: str, *, place: Target) -> bool:
        """A member of the team that owns the channel at ``place`` (a registered channel of a
        site or HR, else the default registration for its audience)."""
        channel = place.channel or await self.links.channel(place.audience)
        if not channel or not channel.get("teamId") or not channel.get("serviceUrl"):
            return False
        return await self.team_member(channel["teamId"], channel["serviceUrl"], user_id)

    async def team_member(self, team_id: str, service_url: str, user_id: str) -> bool:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        now = self.monotonic()
        if cached and cached[0] > now:
            return cached[1]
        member = await self._look_up(team_id, service_url, user_id)
        self._cache[key] = (now + CACHE_SECONDS, member)
        return member

    async def _look_up(self, team_id: str, service_url: str, user_id: str) -> bool:
        try:
            member = await get_member(self.factory, self.app_id, team_id, service_url, user_id)
        except aiohttp.ClientResponseError as exc:
            status = exc.status
            if status == 404:
                return False
            log.warning("Teams member look-up failed with %s", status)
            raise LookupFailed(f"member look-up answered {status}") from None
        except Exception as exc:
            log.warning("Teams member look-up failed: %s", type(exc).__name__)
            raise LookupFailed(type(exc).__name__) from None
        if self.on_name is not None and member.name:
            self.on_name(user_id, str(member.name))  # kept in memory only, for mentions
        return True


AUDIENCE = "https://api.botframework.com"  # the Bot Connector's token audience


async def get_member(factory: RestChannelServiceClientFactory, app_id: str, conversation: str, service_url: str,
                     user_id: str, *, timeout: float = LOOKUP_TIMEOUT) -> ChannelAccount:
    """``GET {serviceUrl}/v3/conversations/{conversation}/members/{user_id}`` (a team or a
    1:1 chat); raises ``aiohttp.ClientResponseError`` (404: not a member) or a connection error."""
    client = await factory.create_connector_client(None, _claims(app_id, service_url), service_url, AUDIENCE)
    try:
        return await asyncio.wait_for(client.conversations.get_conversation_member(conversation, user_id), timeout)
    finally:
        await client.close()


async def get_members_page(factory: RestChannelServiceClientFactory, app_id: str, conversation: str,
                           service_url: str, continuation_token: str | None, *,
                           timeout: float = LOOKUP_TIMEOUT) -> PagedMembersResult:
    """``GET {serviceUrl}/v3/conversations/{conversation}/pagedmembers`` (one page)."""
    client = await factory.create_connector_client(None, _claims(app_id, service_url), service_url, AUDIENCE)
    try:
        return await asyncio.wait_for(client.conversations.get_conversation_paged_members(
            conversation, PAGE_SIZE, continuation_token), timeout)
    finally:
        await client.close()


def _claims(app_id: str, service_url: str) -> ClaimsIdentity:
    return ClaimsIdentity({"aud": app_id, "appid": app_id, "serviceurl": service_url})
