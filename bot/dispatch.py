"""The outbox dispatcher: hands committed messages to each platform's messenger.

Woken at commit (``wake``); the periodic sweep is only the fallback. Delivery is
at-least-once; each message carries its outbox id in its metadata.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from datetime import timedelta

from bot.context import Context, load_view
from bot.messages import Kind, Message
from bot.ports import DeliveryError, Meta, PostRef, Target
from bot.messages import Audience
from bot.views import alert
from storage import incidents as repo
from storage import outbox
from storage.models import OutboxMessage

log = logging.getLogger("haven.outbox")
LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(hours=48)  # transient failures keep retrying at least 24 h
MAX_BACKOFF = 600.0


def backoff(attempts: int) -> float:
    """Exponential backoff with full jitter, capped at ten minutes."""
    ceiling = min(MAX_BACKOFF, 2.0 ** min(attempts, 12))
    return random.uniform(ceiling / 2, ceiling)


class Dispatcher:
    def __init__(self, ctx: Context, *, worker: str | None = None, concurrency: int = 8) -> None:
        self.ctx = ctx
        self.worker = worker or f"{socket.gethostname()}-{id(self):x}"
        self._event = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._event.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="haven-dispatcher")

    async def stop(self) -> None:
        self._stopping = True
        self._event.set()
        if self._task:
            await self._task

    async def _run(self) -> None:
        while not self._stopping:
            await self._event.wait()
            self._event.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("dispatcher round failed; the sweep will retry")

    async def drain(self, *, rounds: int = 1000) -> int:
        """Send everything due now; returns how many messages were attempted."""
        total = 0
        for _ in range(rounds):
            batch = await outbox.claim_messages(
                db=self.ctx.db, now=self.ctx.wall_now(), worker=self.worker, lease=LEASE, limit=50
            )
            if not batch:
                break
            total += len(batch)
            await asyncio.gather(*(self._guarded(row) for row in batch))
        return total

    async def _guarded(self, row: OutboxMessage) -> None:
        async with self._limit:
            try:
                await self._send(row)
            except Exception as exc:  # never let one message stop the others
                log.exception("unexpected error sending outbox %s", row.id)
                await self._failed(row, DeliveryError(type(exc).__name__))

    async def _send(self, row: OutboxMessage) -> None:
        assert row.id is not None
        messenger = self.ctx.messengers.get(row.platform)
        if messenger is None:
            await self._failed(row, DeliveryError(f"platform {row.platform} is not configured", permanent=True))
            return
        message = await self._render(row)
        meta = Meta(kind=row.kind, incident=message.incident, outbox_id=row.id)
        parent = await self._parent(row)
        try:
            if row.op == "update":
                if parent is None:
                    raise DeliveryError("the post to update was never delivered", permanent=True)
                await messenger.update(parent, message, meta=meta)
                ref = parent
            else:
                target = Target(Audience(row.audience), row.user_id)
                ref = await messenger.post(target, message, meta=meta, thread=parent)
        except DeliveryError as error:
            await self._failed(row, error)
            return
        await outbox.mark_sent(db=self.ctx.db, message_id=row.id, ref=ref.data, at=self.ctx.wall_now())
        self.ctx.metrics.messages_sent.labels(platform=row.platform, kind=row.kind).inc()
        if row.kind in (Kind.ALERT, Kind.PAGE) and row.op == "post":
            self.ctx.metrics.alerts_delivered.labels(platform=row.platform).inc()

    async def _render(self, row: OutboxMessage) -> Message:
        """Updates of alerts are rendered from the incident's current state when sent."""
        message = Message.from_json(row.payload)
        if row.op != "update" or row.kind not in (Kind.ALERT, Kind.PAGE) or row.incident_id is None:
            return message
        async with self.ctx.db.session() as session:
            incident = await repo.get_incident_by_id(session=session, incident_id=row.incident_id)
            if incident is None:
                return message
            view = await load_view(session, self.ctx, incident)
        return alert(self.ctx.policy, view, message.locale, kind=Kind(row.kind))

    async def _parent(self, row: OutboxMessage) -> PostRef | None:
        if row.reply_to is None:
            return None
        async with self.ctx.db.session() as session:
            parent = await outbox.get_message(session=session, message_id=row.reply_to)
        if parent is None or not parent.sent_ref:
            return None
        return PostRef(dict(parent.sent_ref))

    async def _failed(self, row: OutboxMessage, error: DeliveryError) -> None:
        assert row.id is not None
        now = self.ctx.wall_now()
        too_old = now - row.created_at > GIVE_UP_AFTER
        if error.permanent or too_old:
            await outbox.mark_dead(db=self.ctx.db, message_id=row.id, error=error.reason[:500], at=now)
            self.ctx.metrics.outbox_dead_letters.labels(platform=row.platform, kind=row.kind).inc()
            log.error("outbox %s (%s, %s) dead-lettered: %s", row.id, row.platform, row.kind, error.reason)
            if row.incident_id is not None:
                async with self.ctx.db.session() as session:
                    await repo.add_event(session=session, incident_id=row.incident_id, kind="dead_letter",
                                         actor="haven", at=self.ctx.now(), detail={"outbox": row.id, "kind": row.kind,
                                                                        "error": error.reason[:200]})
                    await session.commit()
            return
        delay = error.retry_after if error.retry_after is not None else backoff(row.attempts)
        await outbox.mark_retry(db=self.ctx.db, message_id=row.id, due_at=now + timedelta(seconds=delay),
                                error=error.reason[:500])
        self.ctx.metrics.outbox_retries.labels(platform=row.platform).inc()
        log.warning("outbox %s (%s, %s) will retry in %.1fs: %s", row.id, row.platform, row.kind, delay, error.reason)
