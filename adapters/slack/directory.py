"""Who is who in Slack: supervisors (channel members) and each person's language.

Membership of an audience is membership of its channel (``HAVEN_SLACK_SUPERVISOR_CHANNEL``,
``HAVEN_SLACK_ESCALATION_CHANNEL``) per ``conversations.members`` (every page, cached at
most 60 s); who may act on what is the core's rule (:mod:`bot.flows.permissions`). A
failed look-up raises :class:`LookupFailed`, so the core refuses the action (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.api import call
from bot.model.i18n import normalize_locale
from bot.model.messages import Audience
from bot.model.ports import DeliveryError, LookupFailed, Target

log = logging.getLogger("haven.slack")
MEMBERS_TTL = 60.0
LOCALE_TTL = 3600.0
LOCALE_WAIT = 0.3
PAGE_SIZE = 200
LOOKUP_SECONDS = 2.0  # a press is answered within Slack's 3 s: a slower look-up fails closed
MAX_PAGES = 100


class SlackDirectory:
    """The :class:`bot.model.ports.Directory` port for Slack."""

    def __init__(self, client: AsyncWebClient, *, supervisors: str | None, escalation: str | None,
                 ttl: float = MEMBERS_TTL, monotonic: Callable[[], float] = time.monotonic,
                 hr: str | None = None) -> None:
        self.client = client
        self.supervisors = supervisors
        self.escalation = escalation
        self.defaults = {Audience.SUPERVISORS: supervisors, Audience.ESCALATION: escalation, Audience.HR: hr}
        self.ttl = ttl
        self.monotonic = monotonic
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def is_member(self, user_id: str, audience: Audience) -> bool:
        channel = self.defaults.get(audience)
        if not channel:
            return False
        return user_id in await self.members(channel)

    async def is_member_of(self, user_id: str, *, place: Target) -> bool:
        """A member of the channel at ``place`` (registered, else the environment's for its audience)."""
        channel = place.channel.get("channelId") if place.channel else self.defaults.get(place.audience)
        return bool(channel) and user_id in await self.members(str(channel))

    async def members(self, channel: str) -> frozenset[str]:
        """Every member of a channel, at most ``ttl`` seconds old."""
        cached = self._members.get(channel)
        if cached and self.monotonic() - cached[0] < self.ttl:
            return cached[1]
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            cached = self._members.get(channel)
            if cached and self.monotonic() - cached[0] < self.ttl:
                return cached[1]
            try:
                members = await asyncio.wait_for(self._fetch(channel), timeout=LOOKUP_SECONDS)
            except TimeoutError:
                log.warning("listing the members of %s took too long", channel)
                raise LookupFailed("conversations.members timed out") from None
            self._members[channel] = (self.monotonic(), members)
            return members

    async def _fetch(self, channel: str) -> frozenset[str]:
        members: set[str] = set()
        cursor: str | None = None
        try:
            for _ in range(MAX_PAGES):
                args: dict[str, Any] = {"channel": channel, "limit": PAGE_SIZE}
                if cursor:
                    args["cursor"] = cursor
                data = await call(self.client.conversations_members(**args))
                page = data.get("members")
                if not isinstance(page, list):
                    raise LookupFailed("conversations.members gave no member list")
                members.update(m for m in page if isinstance(m, str))
                meta = data.get("response_metadata")
                cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
                if not cursor:
                    return frozenset(members)
        except DeliveryError as error:
            log.warning("could not list the members of %s: %s", channel, error.reason)
            raise LookupFailed(error.reason) from None
        raise LookupFailed("conversations.members did not finish paging")


class Locales:
    """Each person's language from ``users.info`` (``include_locale``), cached.

    A first look-up slower than ``wait`` seconds answers ``default`` at once and fills
    the cache in the background, so nobody waits for Slack to learn their language.
    """

    def __init__(self, client: AsyncWebClient, *, default: str, wait: float = LOCALE_WAIT,
                 ttl: float = LOCALE_TTL, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.default = default
        self.wait = wait
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, str]] = {}
        self._pending: dict[str, asyncio.Task[str]] = {}

    async def of(self, user_id: str) -> str:
        cached = self._cache.get(user_id)
        if cached and self.monotonic() - cached[0] < self.ttl:
            return cached[1]
        task = self._pending.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._lookup(user_id))
            self._pending[user_id] = task
            task.add_done_callback(lambda _: self._pending.pop(user_id, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=self.wait)
        except TimeoutError:
            return cached[1] if cached else self.default

    async def _lookup(self, user_id: str) -> str:
        try:
            data = await call(self.client.users_info(user=user_id, include_locale=True))
        except Exception as error:  # a language is never worth failing a report for
            log.info("users.info failed for %s: %s", user_id, getattr(error, "reason", type(error).__name__))
            return self.default
        user = data.get("user")
        raw = user.get("locale") if isinstance(user, dict) else None
        locale = normalize_locale(raw if isinstance(raw, str) else None, self.default)
        self._cache[user_id] = (self.monotonic(), locale)
        return locale

    async def close(self) -> None:
        for task in list(self._pending.values()):
            task.cancel()
        await asyncio.gather(*self._pending.values(), return_exceptions=True)
