"""``@Haven register supervisors|escalation`` in a team channel, by an admin.

Everyone in the team that owns the registered channel will be able to act on alerts,
so before storing anything Haven reads the team's members
(``GET {serviceUrl}/v3/conversations/{teamId}/pagedmembers``, every page): the
confirmation says how many people that is, and a team with guest members
(``userRole: "guest"``, people from outside the organisation) is refused unless
``HAVEN_TEAMS_ALLOW_GUESTS=1``. A failed look-up registers nothing (fail closed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from microsoft_agents.hosting.core import MessageFactory, RestChannelServiceClientFactory, TurnContext

from adapters.teams import parse
from adapters.teams.directory import get_members_page
from adapters.teams.messenger import CONNECTOR_ERRORS
from adapters.teams.store import TeamsLinks, channel_key
from bot.model.i18n import normalize_locale, t

log = logging.getLogger("haven.teams")
MAX_PAGES = 200  # 100 per page: a team of up to 20,000 people


@dataclass(frozen=True)
class Headcount:
    people: int
    guests: int


class MembersUnknown(Exception):
    """The team's members could not be read."""


class Registrar:
    def __init__(self, factory: RestChannelServiceClientFactory, links: TeamsLinks, app_id: str, *,
                 admins: set[str], allow_guests: bool, default_locale: str) -> None:
        self.factory = factory
        self.links = links
        self.app_id = app_id
        self.admins = admins
        self.allow_guests = allow_guests
        self.default_locale = default_locale

    async def register(self, turn_context: TurnContext, data: dict[str, Any], audience: str) -> None:
        locale = normalize_locale(turn_context.activity.locale, self.default_locale)
        aad, _, _ = parse.user_of(data)
        team = parse.team_of(data)
        channel_id, _ = parse.channel_of(data)
        service_url = str(data.get("serviceUrl") or "")
        if not aad or aad not in self.admins:
            log.info("teams registration refused for %s", aad)
            return await _say(turn_context, t(locale, "teams.register_refused"))
        if not team or not channel_id:
            return await _say(turn_context, t(locale, "teams.register_where"))
        try:
            count = await self.headcount(team, service_url)
        except MembersUnknown:
            return await _say(turn_context, t(locale, "teams.register_unverified"))
        if count.guests and not self.allow_guests:
            log.info("teams registration in team %s refused: %d guests", team, count.guests)
            return await _say(turn_context, t(locale, "teams.register_guests", guests=count.guests))
        recipient = data.get("recipient") or {}
        await self.links.save(channel_key(audience), {
            "teamId": team, "channelId": channel_id, "tenantId": parse.tenant_of(data), "serviceUrl": service_url,
            "botId": recipient.get("id"), "botName": recipient.get("name"), "registeredBy": aad,
        })
        log.info("teams %s channel registered by %s (%d people)", audience, aad, count.people)
        await _say(turn_context, t(locale, f"teams.registered_{audience}") + "\n\n"
                   + t(locale, "teams.register_people", count=count.people))

    async def headcount(self, team: str, service_url: str) -> Headcount:
        """Members and guests of ``team``, over every page."""
        people = guests = 0
        token: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = await get_members_page(self.factory, self.app_id, team, service_url, token)
            except CONNECTOR_ERRORS as exc:
                log.warning("teams member list of %s failed: %s", team, type(exc).__name__)
                raise MembersUnknown from None
            for member in page.members or []:
                people += 1
                guests += str(member.model_dump(by_alias=True).get("userRole") or "").lower() == "guest"
            token = page.continuation_token
            if not token:
                return Headcount(people, guests)
        raise MembersUnknown


async def _say(turn_context: TurnContext, text: str) -> None:
    await turn_context.send_activity(MessageFactory.text(text))
