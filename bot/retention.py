"""Retention and purge: closed incidents past the policy's retention are deleted, with
their trail, check-ins and outbox rows; Haven's own posts about them are edited to a
redacted notice; legal hold blocks purge."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update

from bot.context import Context, enqueue
from bot.i18n import t
from bot.messages import Audience, Kind, Message
from storage import incidents as repo
from storage import outbox
from storage.models import OutboxMessage

log = logging.getLogger("haven.retention")


@dataclass(frozen=True)
class PurgeReport:
    purged: tuple[str, ...]
    held: tuple[str, ...]


async def purge(ctx: Context, *, dry_run: bool = False) -> PurgeReport:
    """Delete every resolved incident past retention that is not on legal hold."""
    now = ctx.now()
    retention = ctx.policy.retention.closed_incidents
    async with ctx.db.session() as session:
        due = await repo.purgeable(session=session, now=now, retention=retention)
        everything = await repo.list_incidents(session=session, statuses=("resolved",))
    held = tuple(i.ref for i in everything
                 if i.legal_hold and i.resolved_at is not None and i.resolved_at + retention <= now)
    if dry_run:
        return PurgeReport(purged=tuple(i.ref for i in due), held=held)
    purged = []
    for incident in due:
        async with ctx.db.session() as session:
            assert incident.id is not None
            await _redact_posts(session, ctx, incident.id, incident.ref)
            await repo.delete_incident(session=session, incident_id=incident.id)
            await session.commit()
        purged.append(incident.ref)
        log.info("purged %s", incident.ref)
    if purged:
        ctx.wake()
    return PurgeReport(purged=tuple(purged), held=held)


async def _redact_posts(session, ctx: Context, incident_id: int, ref: str) -> None:  # type: ignore[no-untyped-def]
    """Detach the incident's delivered posts, blank their payload, and queue an edit of each."""
    rows = await outbox.messages_for(session=session, incident_id=incident_id)
    posts = [r for r in rows if r.op == "post" and r.state == "sent" and r.sent_ref]
    for post in posts:
        notice = Message(kind=Kind(post.kind), text=t(ctx.channel_locale, "retention.redacted"),
                         locale=ctx.channel_locale)
        await session.exec(
            update(OutboxMessage).where(OutboxMessage.id == post.id)  # type: ignore[arg-type]
            .values(incident_id=None, payload=notice.to_json())
        )
        await enqueue(session, ctx, None, Audience(post.audience), notice, platform=post.platform,
                      user_id=post.user_id, reply_to=post.id, op="update")
