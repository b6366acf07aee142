"""Retention and purge: closed incidents past the policy's retention are deleted, with
their trail, versions, check-ins and outbox rows; Haven's own posts about them are
edited to a redacted notice; legal hold blocks purge. Retention runs from the later of
the resolution and the release of a legal hold. Register entries lifted longer ago than
the retention are deleted with their log (an active entry stays until it is lifted)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.delivery.digests import lists, without
from bot.flows.context import Context, enqueue
from bot.flows.lifecycle import Status
from bot.model.i18n import t
from bot.model.messages import Audience, Kind, Message
from storage import incidents as repo
from storage import outbox_upkeep
from storage import register
from storage import retention as store
from storage.db import Session

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
        due = await store.purgeable(session=session, now=now, retention=retention)
        everything = await repo.list_incidents(session=session, statuses=(Status.RESOLVED,))
    held = tuple(i.ref for i in everything
                 if i.legal_hold and i.resolved_at is not None and i.resolved_at + retention <= now)
    if dry_run:
        return PurgeReport(purged=tuple(i.ref for i in due), held=held)
    purged = []
    async with ctx.db.session() as session:  # lifted register entries and unmatched look-ups
        lifted = await register.purge_lifted(session=session, cutoff=now - retention)
        await session.commit()
    if lifted:
        log.info("purged %d lifted register entries", len(lifted))
    for incident in due:
        async with ctx.db.session() as session:
            assert incident.id is not None
            await _redact_posts(session, ctx, incident.id, incident.ref)
            if not await store.delete_incident(session=session, incident_id=incident.id):
                await session.rollback()  # put on hold (or reopened) since it was listed
                continue
            await session.commit()
        purged.append(incident.ref)
        log.info("purged %s", incident.ref)
    if purged:
        ctx.wake()
    return PurgeReport(purged=tuple(purged), held=held)


async def _redact_posts(session: Session, ctx: Context, incident_id: int, ref: str) -> None:
    """Detach the incident's delivered posts, blank their payload, and queue an edit of each.

    A post stays in the outbox (without its incident) only as the address of the edit.
    Every digest that listed the incident loses the incident's line.
    """
    rows = await outbox_upkeep.messages_for(session=session, incident_id=incident_id)
    notice_text = t(ctx.channel_locale, "retention.redacted")
    for post in rows:
        if post.op != "post" or post.state != "sent" or not post.sent_ref:
            continue
        notice = Message(kind=Kind(post.kind), text=notice_text, locale=ctx.channel_locale)
        assert post.id is not None
        await outbox_upkeep.rewrite_payload(session=session, message_id=post.id, payload=notice.to_json(), detach=True)
        await enqueue(session, ctx, None, Audience(post.audience), notice, platform=post.platform,
                      user_id=post.user_id, reply_to=post.id, op="update")
    await _redact_digests(session, ctx, ref, notice_text)


async def _redact_digests(session: Session, ctx: Context, ref: str, notice: str) -> None:
    """Rewrite each digest listing ``ref`` without its excerpt; edit the posts already out.

    Digests are few (one per burst), so they are scanned (payloads are encrypted)."""
    for digest in await outbox_upkeep.posts_of_kind(session=session, kind=str(Kind.DIGEST)):
        message = Message.from_json(digest.payload)
        if ref not in lists(message):
            continue
        redacted = without(message, ref, notice)
        assert digest.id is not None
        await outbox_upkeep.rewrite_payload(session=session, message_id=digest.id, payload=redacted.to_json())
        if digest.state == "sent":  # a digest not yet out simply carries the new text
            await enqueue(session, ctx, None, Audience(digest.audience), redacted, platform=digest.platform,
                          user_id=digest.user_id, reply_to=digest.id, op="update")
