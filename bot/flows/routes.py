"""Where an incident's channel messages go (spec 8.2): its site's channels, or HR only.

One rule, applied where every channel message is queued (:func:`destination`) and again
where it is sent (:func:`withheld`): an incident on the HR route never reaches a line
supervisors' or escalation channel. Channels are resolved when a message is sent: a
site's registration, else the default site's, else the platform's own default (the
environment's channels, or Teams' first registration).
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING, Any

from bot.model.messages import Audience
from storage import registrations as store
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident

if TYPE_CHECKING:
    from bot.flows.context import Context

LINE = "line"
HR = "hr"
HELD = "held"  # HR route while no HR channel exists: logged, never sent to a line channel
CHANNEL_AUDIENCES = frozenset({Audience.SUPERVISORS, Audience.ESCALATION, Audience.HR})
CACHE_SECONDS = 5.0
_CACHE: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, list[store.Registration]]]] = (
    weakref.WeakKeyDictionary())  # per database, per platform


def on_hr_route(incident: Incident) -> bool:
    return incident.route in (HR, HELD)


def site_of(ctx: Context, incident: Incident) -> str | None:
    """The incident's site id (the default site's for an incident logged without one)."""
    site = ctx.policy.site(incident.site)
    return site.id if site is not None else None


def destination(ctx: Context, incident: Incident | None, audience: Audience) -> tuple[Audience, str | None]:
    """The audience and site a channel message about ``incident`` is queued for."""
    if incident is None or audience not in CHANNEL_AUDIENCES:
        return audience, None
    if on_hr_route(incident) or audience == Audience.HR:
        return Audience.HR, None
    return audience, site_of(ctx, incident)


def withheld(incident: Incident | None, audience: str) -> bool:
    """True for a line channel message about an incident now on the HR route (a move
    after it was queued): it must not be sent as it is."""
    return incident is not None and on_hr_route(incident) and audience in (
        Audience.SUPERVISORS, Audience.ESCALATION)


async def registered(ctx: Context, platform: str) -> list[store.Registration]:
    """Every registration on ``platform``, read at most every :data:`CACHE_SECONDS` (a
    registration made on another replica is seen within that; this one's at once)."""
    cache = _CACHE.setdefault(ctx.db, {})
    cached = cache.get(platform)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    async with ctx.db.session() as session:
        rows = await store.all_for(session=session, platform=platform)
    cache[platform] = (now, rows)
    return rows


def forget(ctx: Context) -> None:
    """Registrations changed here: read them again next time."""
    _CACHE.pop(ctx.db, None)


async def channel(ctx: Context, platform: str, audience: Audience, site: str | None) -> dict[str, Any] | None:
    """The registered channel for ``audience`` at ``site``, or None (the platform's default)."""
    if audience not in CHANNEL_AUDIENCES:
        return None
    role = str(audience)
    candidates = [""] if audience == Audience.HR else _sites(ctx, site)
    rows = {(r.role, r.site): r for r in await registered(ctx, platform)}
    for candidate in candidates:
        found = rows.get((role, candidate))
        if found is not None:
            return {**found.data, "channelId": found.channel_id}
    return None


def _sites(ctx: Context, site: str | None) -> list[str]:
    """The site itself, then the default site; ``""`` when the policy lists no sites."""
    default = ctx.policy.default_site
    if default is None:
        return [""]
    ids = [site] if site else []
    if default is not None and default.id not in ids:
        ids.append(default.id)
    return ids


async def reachable(ctx: Context, platform: str, audience: Audience, site: str | None) -> bool:
    """Whether ``audience`` at ``site`` has a channel on ``platform`` (registered or default)."""
    messenger = ctx.messengers.get(platform)
    if messenger is None:
        return False
    if await channel(ctx, platform, audience, site) is not None:
        return True
    return await messenger.reachable(audience)


def is_current(ctx: Context, incident: Incident, row: OutboxMessage) -> bool:
    """Whether a channel post was made where the incident lives now (not before a move)."""
    audience, site = destination(ctx, incident, Audience(row.audience))
    if audience == Audience.HR:
        return row.audience == Audience.HR
    if row.audience == Audience.HR:
        return False
    default = ctx.policy.default_site
    return (row.site or (default.id if default else None)) == site


async def audience_of(ctx: Context, platform: str, channel_id: str | None) -> Audience | None:
    """Which audience a registered channel serves (where a button was pressed), or None."""
    if not channel_id:
        return None
    roles = {r.role for r in await registered(ctx, platform) if r.channel_id == channel_id}
    for audience in (Audience.HR, Audience.ESCALATION, Audience.SUPERVISORS):
        if str(audience) in roles:
            return audience
    return None
