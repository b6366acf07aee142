"""Who may act on an alert: the one place this rule lives.

Members of the supervisors' channel may act on every alert; on a page in the
escalation channel, that channel's members may act too. Platforms only answer
``Directory.is_member``; a look-up that fails raises :class:`LookupFailed`, and the
caller refuses (fail closed).
"""

from __future__ import annotations

from bot.model.messages import Audience
from bot.model.ports import Directory, LookupFailed


async def may_act(directory: Directory | None, user_id: str, *, audience: Audience) -> bool:
    """Whether ``user_id`` may press a supervisor's button on a message shown in ``audience``."""
    if directory is None:
        return False
    if await directory.is_member(user_id, Audience.SUPERVISORS):
        return True
    return audience == Audience.ESCALATION and await directory.is_member(user_id, Audience.ESCALATION)


async def sees_open_incidents(directory: Directory | None, user_id: str) -> bool:
    """Supervisors see every open incident on their home surface; a failed look-up shows
    only the person's own (fail closed)."""
    if directory is None:
        return False
    try:
        return await directory.is_member(user_id, Audience.SUPERVISORS)
    except LookupFailed:
        return False
