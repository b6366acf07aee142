"""Sending one outbox row, and what happens when it fails (used by :mod:`bot.delivery.dispatcher`).

Logs name outbox ids, platforms, kinds and error codes only: never message text.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.flows import routes
from bot.flows.context import Context, load_view
from bot.delivery.digests import DIGESTED, folded_into
from bot.model.i18n import t
from bot.model.messages import Audience, Kind, Message
from bot.model.ports import DeliveryError, Meta, PostRef, Target
from bot.model.alert import alert
from storage import digests as folded
from storage import incidents as repo
from storage import outbox, outbox_upkeep
from storage.delivery_models import OutboxMessage

log = logging.getLogger("haven.outbox")
GIVE_UP_AFTER = timedelta(hours=48)  # transient failures keep retrying at least 24 h
MAX_BACKOFF = 600.0
ERROR_CHARS = 200
SEND_TIMEOUT = 40.0  # seconds for one row's platform calls: well inside the outbox lease (60 s)


def backoff(attempts: int) -> float:
    """Exponential backoff with jitter (between half and all of 2^attempts s, at most 10 min)."""
    ceiling = min(MAX_BACKOFF, 2.0 ** min(max(attempts, 1), 12))
    return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class Delivered:
    """A row the platform accepted, not yet recorded as sent (see :func:`record_sent`)."""

    row: OutboxMessage
    ref: dict[str, Any]
    message: Message


async def send(ctx: Context, row: OutboxMessage, *, timeout: float = SEND_TIMEOUT) -> Delivered:
    """Post or update one row; raises :class:`DeliveryError` when the platform refuses, or
    does not answer within ``timeout`` (transient: retried; the platform may have posted).

    The caller records the delivery with :func:`record_sent` (many at once)."""
    try:
        return await asyncio.wait_for(_send(ctx, row), timeout)
    except TimeoutError:
        raise DeliveryError(f"send timeout ({timeout:.0f} s)") from None


async def _send(ctx: Context, row: OutboxMessage) -> Delivered:
    assert row.id is not None
    messenger = ctx.messengers.get(row.platform)
    if messenger is None:
        raise DeliveryError(f"platform {row.platform} is not configured", permanent=True)
    message = await _render(ctx, row)
    parent = await _parent(ctx, row)
    if await _withheld(ctx, row, parent):
        if row.op != "update":
            log.info("outbox %s (%s, %s): withheld from a line channel (HR route)", row.id, row.platform, row.kind)
            return Delivered(row, {"withheld": True}, message)
        message = Message(kind=Kind.DECISION, text=t(ctx.channel_locale, "sites.moved_to_hr"),
                          locale=ctx.channel_locale)  # content-free: no id, no text, no names
    meta = Meta(kind=row.kind, incident=message.incident, outbox_id=row.id)
    if row.op == "update":
        if parent is None:
            raise DeliveryError("the post to update was never delivered", permanent=True)
        if parent.state == DIGESTED:  # listed in a digest: now the incident gets its own card
            ref = await messenger.post(await _target(ctx, parent), message, meta=meta)
            assert parent.id is not None
            await folded.posted_on_its_own(db=ctx.db, message_id=parent.id, ref=ref.data)
        else:
            ref = PostRef(dict(parent.sent_ref or {}))
            await messenger.update(ref, message, meta=meta)
    else:
        thread = _thread_of(parent) if parent is not None else None
        if row.reply_to is not None and parent is not None and parent.state == DIGESTED:
            thread = await _digest_ref(ctx, parent)
        ref = await messenger.post(await _target(ctx, row), message, meta=meta, thread=thread)
    return Delivered(row, dict(ref.data), message)


async def _target(ctx: Context, row: OutboxMessage) -> Target:
    """Where a row goes: a person, or its audience's channel at its site (registered or default)."""
    audience = Audience(row.audience)
    channel = await routes.channel(ctx, row.platform, audience, row.site)
    return Target(audience, row.user_id, channel=channel)


async def _withheld(ctx: Context, row: OutboxMessage, parent: OutboxMessage | None) -> bool:
    """A message bound for a line channel (itself, or the post it updates or replies to)
    about an incident now on the HR route: never sent as it is."""
    where = parent.audience if parent is not None else row.audience
    if row.incident_id is None or where not in (Audience.SUPERVISORS, Audience.ESCALATION):
        return False
    async with ctx.db.session() as session:
        incident = await repo.get_incident_by_id(session=session, incident_id=row.incident_id)
    return routes.withheld(incident, where)


async def record_sent(ctx: Context, delivered: Sequence[Delivered], *, worker: str) -> set[int]:
    """Mark deliveries sent in one transaction (rows ``worker`` still holds) and count them.

    Returns the ids recorded; a row whose lease ran out meanwhile is left to its new holder."""
    applied = await outbox.mark_sent_many(
        db=ctx.db, sent=[(d.row.id, d.ref) for d in delivered if d.row.id is not None],
        at=ctx.wall_now(), worker=worker)
    for item in delivered:
        if item.row.id in applied:
            _count_sent(ctx, item.row, item.message)
        else:
            _lost(item.row, "sent")
    return applied


def _lost(row: OutboxMessage, outcome: str) -> None:
    """The lease ran out before the outcome was recorded: another worker has the row now."""
    log.warning("outbox %s (%s, %s): %s, but no longer held by %s; not recorded",
                row.id, row.platform, row.kind, outcome, row.claimed_by)


def _count_sent(ctx: Context, row: OutboxMessage, message: Message) -> None:
    ctx.metrics.messages_sent.labels(platform=row.platform, kind=row.kind).inc()
    if row.kind in (Kind.ALERT, Kind.PAGE) and row.op == "post":
        ctx.metrics.alerts_delivered.labels(platform=row.platform).inc()
    elif row.kind == Kind.DIGEST and row.op == "post":
        ctx.metrics.alerts_delivered.labels(platform=row.platform).inc(len(message.facts))


def _thread_of(parent: OutboxMessage) -> PostRef | None:
    return PostRef(dict(parent.sent_ref)) if parent.sent_ref and parent.state == "sent" else None


async def _render(ctx: Context, row: OutboxMessage) -> Message:
    """Updates of alerts are rendered from the incident's current state when sent."""
    message = Message.from_json(row.payload)
    if row.op != "update" or row.kind not in (Kind.ALERT, Kind.PAGE) or row.incident_id is None:
        return message
    async with ctx.db.session() as session:
        incident = await repo.get_incident_by_id(session=session, incident_id=row.incident_id)
        if incident is None:
            return message
        view = await load_view(session, ctx, incident)
    return alert(ctx.policy, view, message.locale, kind=Kind(row.kind))


async def _parent(ctx: Context, row: OutboxMessage) -> OutboxMessage | None:
    if row.reply_to is None:
        return None
    async with ctx.db.session() as session:
        parent = await outbox_upkeep.get_message(session=session, message_id=row.reply_to)
    if parent is None or parent.state not in ("sent", DIGESTED):
        return None
    return parent


async def _digest_ref(ctx: Context, folded: OutboxMessage) -> PostRef | None:
    """A reply to a digested alert goes into the digest's thread (when it was posted)."""
    digest_id = (folded.sent_ref or {}).get("digest")
    if digest_id is None:
        return None
    async with ctx.db.session() as session:
        digest = await outbox_upkeep.get_message(session=session, message_id=int(digest_id))
    return _thread_of(digest) if digest is not None else None


async def release(ctx: Context, rows: Sequence[OutboxMessage], *, delay: float, spacing: float = 0.0) -> None:
    """Give claimed rows back (pacing, not failure): pending again, the attempt uncounted;
    the first due in ``delay`` seconds, each next one ``spacing`` seconds later (its own
    slot, so the next claims take only what the channel accepts then)."""
    start = ctx.wall_now() + timedelta(seconds=delay)
    await outbox.release(db=ctx.db, held=[
        (row.id, row.claimed_by, start + timedelta(seconds=spacing * index))
        for index, row in enumerate(rows) if row.id is not None])


async def failed(ctx: Context, row: OutboxMessage, error: DeliveryError) -> None:
    """Retry a transient failure later, or dead-letter a permanent (or too old) one."""
    assert row.id is not None
    now = ctx.wall_now()
    if error.permanent or now - row.created_at > GIVE_UP_AFTER:
        await dead_letter(ctx, row, error.reason)
        return
    delay = error.retry_after if error.retry_after is not None else backoff(row.attempts)
    if not await outbox.mark_retry(db=ctx.db, message_id=row.id, due_at=now + timedelta(seconds=delay),
                                   error=error.reason[:ERROR_CHARS], worker=row.claimed_by):
        _lost(row, "failed")
        return
    ctx.metrics.outbox_retries.labels(platform=row.platform).inc()
    log.warning("outbox %s (%s, %s) will retry in %.1fs: %s", row.id, row.platform, row.kind, delay,
                error.reason[:ERROR_CHARS])


async def dead_letter(ctx: Context, row: OutboxMessage, reason: str) -> None:
    """Dead letter: metrics, a log line (ids only), and a ``dead_letter`` audit event for the
    incident (for a digest: for every incident it listed, whose alerts die with it)."""
    assert row.id is not None
    now = ctx.wall_now()
    if await outbox.mark_dead(db=ctx.db, message_id=row.id, error=reason[:ERROR_CHARS], at=now,
                              worker=row.claimed_by) is None:
        _lost(row, "failed for good")
        return
    ctx.metrics.outbox_dead_letters.labels(platform=row.platform, kind=row.kind).inc()
    log.error("outbox %s (%s, %s) dead-lettered: %s", row.id, row.platform, row.kind, reason[:ERROR_CHARS])
    async with ctx.db.session() as session:
        victims = [row] if row.incident_id is not None else []
        if row.kind == Kind.DIGEST and row.op == "post":
            victims = await folded_into(session, row)
            for alert_row in victims:
                assert alert_row.id is not None
                await folded.dead_with_digest(session=session, message_id=alert_row.id, digest_id=row.id,
                                              error=reason, at=now)
                ctx.metrics.outbox_dead_letters.labels(platform=alert_row.platform, kind=alert_row.kind).inc()
        for victim in victims:
            assert victim.incident_id is not None
            await repo.add_event(session=session, incident_id=victim.incident_id, kind="dead_letter",
                                 actor="haven", at=ctx.now(),
                                 detail={"outbox": victim.id, "kind": victim.kind, "error": reason[:ERROR_CHARS],
                                         **({"digest": row.id} if victim is not row else {})})
        await session.commit()
