"""The :class:`bot.model.ports.Links` port, for adapters that must remember where to reach
people and channels.

Adapters never import ``storage/``; they persist platform data (Teams conversation
references, channel registrations) through ``Haven.links`` (:class:`DatabaseLinks`),
which keeps it in the database (``conversation_refs``) so it survives a restart. Each
call opens and commits its own short session: never call one while holding a session
(SQLite has one connection).
"""

from __future__ import annotations

from typing import Any

from bot.flows.context import Context, load_view
from bot.flows import routes
from bot.model.messages import Audience, Kind, Message
from bot.model.alert import alert
from storage import incidents as repo
from storage import links as store


async def save_link(ctx: Context, platform: str, key: str, data: dict[str, Any]) -> None:
    """Store (or replace) ``key`` on ``platform``, e.g. ``user:<id>``, ``channel:supervisors``."""
    async with ctx.db.session() as session:
        await store.save_ref(session=session, platform=platform, key=key, data=data, at=ctx.wall_now())
        await session.commit()


async def load_link(ctx: Context, platform: str, key: str) -> dict[str, Any] | None:
    """The stored data for ``key`` on ``platform``, or None."""
    async with ctx.db.session() as session:
        return await store.load_ref(session=session, platform=platform, key=key)


async def registered_channel(ctx: Context, platform: str, audience: Audience) -> dict[str, Any] | None:
    """The default site's registered channel for ``audience`` (HR's for ``hr``), or None."""
    return await routes.channel(ctx, platform, audience, None)


class DatabaseLinks:
    """:class:`bot.model.ports.Links` on the database. ``channel:<audience>`` answers the
    default site's registration (spec 8.2: ``register … SITE``), else what an earlier
    version stored under that key."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def load(self, platform: str, key: str) -> dict[str, Any] | None:
        kind, _, name = key.partition(":")
        if kind == "channel" and name in {str(a) for a in routes.CHANNEL_AUDIENCES}:
            registered = await registered_channel(self.ctx, platform, Audience(name))
            if registered is not None:
                return registered
        return await load_link(self.ctx, platform, key)

    async def save(self, platform: str, key: str, data: dict[str, Any]) -> None:
        await save_link(self.ctx, platform, key, data)


async def current_alert(ctx: Context, ref: str, *, kind: Kind = Kind.ALERT) -> Message | None:
    """The alert of incident ``ref`` as it stands now (a card refreshed in an interaction)."""
    async with ctx.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None:
            return None
        view = await load_view(session, ctx, incident)
    return alert(ctx.policy, view, ctx.channel_locale, kind=kind)
