"""Ports: what the core needs from the outside world, as Protocols.

Each platform adapter implements :class:`Messenger` and :class:`Directory`;
the core never imports a platform SDK. :class:`Links` is the other way round: the
core gives it to adapters (``Haven.links``) to remember platform references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.model.messages import Audience, Message


@dataclass(frozen=True)
class Meta:
    """Attached to every post (Slack message metadata ``haven_<kind>``)."""

    kind: str
    incident: str | None
    outbox_id: int


@dataclass(frozen=True)
class Target:
    """Where a message goes: a channel audience, or one person by DM."""

    audience: Audience
    user_id: str | None = None
    # a registered channel for this audience (spec 8.2: per site, or HR); None: the
    # platform's own default for the audience (the environment's channel, or Teams' link)
    channel: dict[str, Any] | None = None


@dataclass(frozen=True)
class PostRef:
    """What a platform returned for a post, enough to update it or reply in its thread."""

    data: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A send failed. ``permanent`` failures go straight to dead letter."""

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Messenger(Protocol):
    """One per platform. Raise :class:`DeliveryError` on failure."""

    async def post(
        self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None
    ) -> PostRef: ...

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None: ...

    async def reachable(self, audience: Audience) -> bool:
        """Whether a channel audience is configured (Teams: registered) on this platform."""
        ...


class LookupFailed(Exception):
    """A supervisor look-up could not be answered: the action is refused (fail closed)."""


class Directory(Protocol):
    """Answers one question: is this person a member of an audience's channel (the platform
    knows channel and team membership). Who may act on what is decided by the core
    (:mod:`bot.flows.permissions`), never here."""

    async def is_member(self, user_id: str, audience: Audience) -> bool:
        """Raise :class:`LookupFailed` when the platform cannot answer (fail closed)."""
        ...

    async def is_member_of(self, user_id: str, *, place: Target) -> bool:
        """A member of the channel at ``place`` (a site's or HR's registered channel, else the
        default for its audience). Optional: without it only the default channels count."""
        ...


class Links(Protocol):
    """Where an adapter keeps platform references (conversation references, channel
    registrations) so they survive a restart; ids only, never names."""

    async def load(self, platform: str, key: str) -> dict[str, Any] | None: ...

    async def save(self, platform: str, key: str, data: dict[str, Any]) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Naive UTC."""
        ...
