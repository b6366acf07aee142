"""Who may act on an incident's alert (spec 8.2): the members of its site's channel (on a
page, its escalation channel's too); on the HR route, the HR channel's members only.
Nobody decides their own case: the reporter, or a person named in ``reported_for``,
may not acknowledge, approve, reject, resolve or release a hold on it.
"""

from __future__ import annotations

import re

from bot.flows import routes
from bot.flows.context import Context
from bot.model.messages import Action, Audience
from bot.model.ports import Target
from storage.models import Incident

DECIDING = frozenset({"acknowledge", "resolve", "release_hold", Action.APPROVE, Action.REJECT})
"""The actions that decide an incident: never by the person it concerns."""


async def places(ctx: Context, incident: Incident, audience: Audience) -> list[Target]:
    """The channels whose members may act on ``incident`` for a press in ``audience``."""
    platform = incident.platform
    if routes.on_hr_route(incident):
        return [Target(Audience.HR, channel=await routes.channel(ctx, platform, Audience.HR, None))]
    site = routes.site_of(ctx, incident)
    found = [Target(Audience.SUPERVISORS, channel=await routes.channel(ctx, platform, Audience.SUPERVISORS, site))]
    if audience == Audience.ESCALATION:
        found.append(Target(Audience.ESCALATION,
                            channel=await routes.channel(ctx, platform, Audience.ESCALATION, site)))
    return found


async def may_act(ctx: Context, user_id: str, incident: Incident, audience: Audience) -> bool:
    """True for a member of one of :func:`places`; raises ``LookupFailed`` (fail closed)."""
    directory = ctx.directories.get(incident.platform)
    if directory is None:
        return False
    is_member_of = getattr(directory, "is_member_of", None)
    if is_member_of is None:  # a directory that knows only the default channels
        return not routes.on_hr_route(incident) and await directory.is_supervisor(user_id, audience=audience)
    for place in await places(ctx, incident, audience):
        if await is_member_of(user_id, place=place):
            return True
    return False


def own_case(incident: Incident, user_id: str) -> bool:
    """The person reported the incident, or is named (a mention or their id) in ``reported_for``."""
    if incident.reporter_id == user_id:
        return True
    named = incident.reported_for or ""
    pattern = rf"(?<![A-Za-z0-9_.:-]){re.escape(user_id)}(?![A-Za-z0-9_.:-])"
    return bool(user_id) and re.search(pattern, named) is not None
