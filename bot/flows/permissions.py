"""Who may act on an alert: the one place this rule lives.

Members of the supervisors' channel may act on every alert; on a page in the
escalation channel, that channel's members may act too. With sites (spec 8.2) those
are the incident's site's channels (registered, else the default site's); on the HR
route, the HR channel's members only. Nobody decides their own case: the reporter, or
a person named in ``reported_for``, may not acknowledge, approve, reject, resolve or
release a hold on it. HR members are the HR channel's members and ``HAVEN_HR_USERS``
(:func:`is_hr_member`, the one definition; :func:`decides_register` for the register).
Platforms only answer membership (``Directory.is_member``, or ``is_member_of`` a
registered channel); a look-up that fails raises :class:`LookupFailed`, and the caller
refuses (fail closed).
"""

from __future__ import annotations

import re

from bot.flows import routes
from bot.flows.context import Context
from bot.model.messages import Action, Audience
from bot.model.ports import Directory, LookupFailed, Target
from storage.incident_models import Incident

DECIDING = frozenset({"acknowledge", "resolve", "release_hold", Action.APPROVE, Action.REJECT})
"""The actions that decide an incident: never by the person it concerns."""


async def may_act(directory: Directory | None, user_id: str, *, audience: Audience) -> bool:
    """Whether ``user_id`` may press a supervisor's button on a message shown in ``audience``
    (the default channels: a platform without sites or registrations)."""
    if directory is None:
        return False
    if await directory.is_member(user_id, Audience.SUPERVISORS):
        return True
    return audience == Audience.ESCALATION and await directory.is_member(user_id, Audience.ESCALATION)


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


async def may_act_on(ctx: Context, user_id: str, incident: Incident, audience: Audience) -> bool:
    """True for a member of one of :func:`places` (on the HR route: an HR member, as the
    HR desk counts them); raises ``LookupFailed`` (fail closed)."""
    if routes.on_hr_route(incident):
        return await is_hr_member(ctx, incident.platform, user_id)
    directory = ctx.directories.get(incident.platform)
    if directory is None:
        return False
    is_member_of = getattr(directory, "is_member_of", None)
    if is_member_of is None:  # a directory that knows only the default channels
        return not routes.on_hr_route(incident) and await may_act(directory, user_id, audience=audience)
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


async def sees_open_incidents(directory: Directory | None, user_id: str) -> bool:
    """Supervisors see every open incident on their home surface; a failed look-up shows
    only the person's own (fail closed)."""
    if directory is None:
        return False
    try:
        return await directory.is_member(user_id, Audience.SUPERVISORS)
    except LookupFailed:
        return False


async def is_hr_member(ctx: Context, platform: str, user_id: str) -> bool:
    """An HR member (spec 8.6): listed in ``HAVEN_HR_USERS``, or a member of the HR channel on
    ``platform`` (registered, else ``HAVEN_SLACK_HR_CHANNEL``). The one definition: the HR
    desk, the register's decisions and the HR route's talk requests all ask here. Raises
    ``LookupFailed`` when the platform cannot answer (the caller refuses: fail closed)."""
    if user_id and user_id in ctx.hr_users:
        return True
    directory = ctx.directories.get(platform)
    if directory is None:
        return False
    is_member_of = getattr(directory, "is_member_of", None)
    if is_member_of is None:  # a directory that knows only the default channels
        return bool(await directory.is_member(user_id, Audience.HR))
    place = Target(Audience.HR, channel=await routes.channel(ctx, platform, Audience.HR, None))
    return bool(await is_member_of(user_id, place=place))


async def decides_register(ctx: Context, platform: str, user_id: str) -> bool:
    """Who proposes and approves changes to the register (spec 8.5): HR members. Until
    ``platform`` has an HR channel, the review request goes to the supervisors' channel and
    its members count as HR too. Raises ``LookupFailed`` (fail closed)."""
    if await routes.reachable(ctx, platform, Audience.HR, None):
        return await is_hr_member(ctx, platform, user_id)
    if user_id and user_id in ctx.hr_users:
        return True
    directory = ctx.directories.get(platform)
    return directory is not None and bool(await directory.is_member(user_id, Audience.SUPERVISORS))
