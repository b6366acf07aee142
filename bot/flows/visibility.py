"""Who may read an incident's trail outside the alert (the console's ``:show``), with the
buttons' rules (:mod:`bot.flows.permissions`): the reporter their own report; on the HR
route, HR members only; elsewhere those who may act on the alert, without the reporter's
name when the reporter chose not to share it. A failed look-up shows nothing (fail closed).
"""

from __future__ import annotations

from enum import Enum

from bot.flows import routes
from bot.flows.context import Context
from bot.flows.permissions import is_hr_member, may_act_on
from bot.model.inbound import Actor
from bot.model.messages import Audience
from bot.model.ports import LookupFailed
from storage import incidents as repo
from storage.incident_models import Incident


class Sight(Enum):
    NONE = "none"  # nothing, not even whether the incident exists
    NAMELESS = "nameless"  # everything the alert shows, the reporter as "Name not shared"
    FULL = "full"


async def sight(ctx: Context, actor: Actor, ref: str) -> Sight:
    """What ``actor`` may see of incident ``ref`` (``NONE`` also when there is no such incident)."""
    async with ctx.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
    return Sight.NONE if incident is None else await sight_of(ctx, actor, incident)


async def sight_of(ctx: Context, actor: Actor, incident: Incident) -> Sight:
    if incident.platform == actor.platform and incident.reporter_id == actor.user_id:
        return Sight.FULL
    try:
        if routes.on_hr_route(incident):
            return Sight.FULL if await is_hr_member(ctx, incident.platform, actor.user_id) else Sight.NONE
        if await may_act_on(ctx, actor.user_id, incident, Audience.ESCALATION):
            return Sight.FULL if incident.share_name else Sight.NAMELESS
    except LookupFailed:
        return Sight.NONE
    return Sight.NONE
