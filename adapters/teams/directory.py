"""The Teams :class:`bot.ports.Directory`: a supervisor is a member of the team that owns
the registered channel, per ``GET {serviceUrl}/v3/conversations/{teamId}/members/{aadObjectId}``
(200 member, 404 not), cached at most 60 s; any other answer fails closed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import AuthenticationConstants
from msrest.exceptions import HttpOperationError

from adapters.teams.store import TeamsLinks, channel_key
from bot.messages import Audience
from bot.ports import LookupFailed

log = logging.getLogger("haven.teams")
CACHE_SECONDS = 60.0
LOOKUP_TIMEOUT = 10.0


class TeamsDirectory:
    def __init__(self, adapter: CloudAdapter, links: TeamsLinks, app_id: str, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.adapter = adapter
        self.links = links
        self.app_id = app_id
        self.monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def is_supervisor(self, user_id: str, *, audience: Audience) -> bool:
        """Members of the supervisors' team; on a page, members of the escalation team too."""
        audiences = [Audience.SUPERVISORS]
        if audience == Audience.ESCALATION:
            audiences.append(Audience.ESCALATION)
        for where in audiences:
            channel = await self.links.load(channel_key(where))
            if channel and await self.is_member(channel["teamId"], channel["serviceUrl"], user_id):
                return True
        return False

    async def is_member(self, team_id: str, service_url: str, user_id: str) -> bool:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        now = self.monotonic()
        if cached and cached[0] > now:
            return cached[1]
        member = await self._look_up(team_id, service_url, user_id)
        self._cache[key] = (now + CACHE_SECONDS, member)
        return member

    async def _look_up(self, team_id: str, service_url: str, user_id: str) -> bool:
        claims = self.adapter.create_claims_identity(self.app_id)
        claims.claims[AuthenticationConstants.SERVICE_URL_CLAIM] = service_url
        try:
            factory = self.adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            await asyncio.wait_for(
                client.conversations.get_conversation_member(team_id, user_id), LOOKUP_TIMEOUT)
        except HttpOperationError as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status == 404:
                return False
            log.warning("Teams member look-up failed with %s", status)
            raise LookupFailed(f"member look-up answered {status}") from None
        except Exception as exc:
            log.warning("Teams member look-up failed: %s", type(exc).__name__)
            raise LookupFailed(type(exc).__name__) from None
        return True
