"""Telling one person something through the outbox, from outside a core transaction.

Adapters use this for messages that must not be lost when the platform fails once
(the receipt of a submitted form is the reason it exists): the message becomes an
outbox row, committed in its own short transaction, and the dispatcher is woken. The
row carries its outbox id in the platform metadata and is retried like any other.
Never call it while holding a session (SQLite has one connection).
"""

from __future__ import annotations

from bot.flows.context import Context, enqueue
from bot.model.messages import Audience, Message
from storage import incidents as repo


async def tell_user(ctx: Context, *, platform: str, user_id: str, message: Message,
                    incident_ref: str | None = None) -> int:
    """Queue ``message`` as a DM to ``user_id`` on ``platform``; returns the outbox id.

    With ``incident_ref`` the row belongs to that incident (its trail, its order, its
    purge); an unknown ref queues the message on its own.
    """
    async with ctx.db.session() as session:
        incident = None
        if incident_ref:
            incident = await repo.get_incident(session=session, ref=incident_ref)
        row = await enqueue(session, ctx, incident, Audience.USER, message,
                            platform=platform, user_id=user_id)
        await session.commit()
        row_id = row.id
    ctx.wake()
    assert row_id is not None
    return row_id
