"""The outbox dispatcher: hands committed messages to each platform's messenger.

Woken at commit (``wake``), and by itself when the next retry falls due; the periodic
sweep only rescues expired leases. Delivery is at-least-once; each message carries its
outbox id in its metadata.

* Order per incident and destination comes from the claim
  (:func:`storage.outbox.claim_messages`).
* The claim serves the most urgent rows first (:mod:`bot.delivery.priority`): critical and
  high alerts, pages and talk requests, then direct messages, then the rest by age.
* Each claimed batch is split by channel (:func:`bot.delivery.pacing.pace_key`); channels are
  sent concurrently, each one paced (:class:`bot.delivery.pacing.Pacer`). A row that would wait
  longer than :data:`MAX_WAIT` goes back to ``pending`` until its own slot (the rows after it
  one pace apart), uncounted; so a round never sleeps on a busy channel, and an urgent row
  committed meanwhile is claimed at the next round, ahead of that channel's backlog.
* When more normal alerts wait for one channel than it accepts within :data:`DIGEST_AFTER`
  seconds, they are folded into digests (:mod:`bot.delivery.digests`); urgent ones never
  are. A flooding reporter's held alerts are folded into one digest per minute first.
* Failures: ``Retry-After`` is honoured (and pauses that channel); other transient
  failures back off exponentially with jitter; they are retried for
  :data:`GIVE_UP_AFTER` (48 h). Permanent failures are dead letters at once.
* Each dispatcher beats a heartbeat row (``workers``) every :data:`BEAT` seconds; the
  sweep's watchdog re-queues rows held by a worker whose heartbeat is older than
  :data:`STALE` at once (it died mid-send), so a restart re-sends them within seconds,
  not after the :data:`LEASE`. The lease stays the backstop for a worker that is alive
  but stuck; every platform call ends well before it (:data:`bot.delivery.sender.SEND_TIMEOUT`).
* Deliveries are marked sent by group commit: one transaction for every row delivered
  while the previous one committed (and the outcome of a row whose lease ran out and
  went to another worker is not recorded; see :func:`storage.outbox.mark_sent`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.delivery import sender as delivery
from bot.flows import intake
from bot.flows.context import Context
from bot.delivery.digests import fold, fold_held
from bot.delivery.group_commit import GroupCommit
from bot.model.messages import Kind
from bot.delivery.pacing import Key, Pacer, pace_key, pace_of
from bot.delivery.priority import URGENT
from bot.model.ports import DeliveryError
from storage import outbox, outbox_upkeep, workers
from storage.delivery_models import OutboxMessage
import contextlib

log = logging.getLogger("haven.outbox")
LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = delivery.GIVE_UP_AFTER
MAX_WAIT = 0.25  # seconds a claimed row may wait for its channel's slot before it is released
DIGEST_AFTER = 3.0  # fold alerts into a digest when the last would wait longer than this
IDLE_WAIT = 5.0  # longest sleep between rounds when nothing wakes the dispatcher
YIELD_LIMIT = 0.02  # longest a round waits for reports being acknowledged (a burst) to commit
BEAT = 3.0  # seconds between heartbeats
FOLD_EVERY = timedelta(seconds=1)  # held alerts fall due at minute ends: look for them at most once a second
STALE = timedelta(seconds=10)  # a worker silent this long is dead: its sends are re-queued


def worker_name() -> str:
    """Unique per process and start (host, pid, random): a restarted process on the same
    host is never mistaken for its dead predecessor. At most 64 characters."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"
backoff = delivery.backoff


class Dispatcher:
    """Sends outbox rows; one per process (several processes share the work by claims)."""

    def __init__(self, ctx: Context, *, worker: str | None = None, concurrency: int = 8) -> None:
        self.ctx = ctx
        self.worker = worker or worker_name()
        self.pacer = Pacer(clock=lambda: ctx.wall_now().timestamp())  # the outbox's clock
        self._event = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None
        self._heart: asyncio.Task[None] | None = None
        self._beaten = -BEAT  # time.monotonic() of the last heartbeat
        self._beating_now = asyncio.Lock()  # the heartbeat task and drain() never beat at once
        self._stopping = False
        self._recorder: GroupCommit[delivery.Delivered, int] = GroupCommit(self._record, limit=200)
        self._folded_at: datetime | None = None  # outbox time of the last look for held alerts

    def wake(self) -> None:
        self._event.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="haven-dispatcher")
        self._heart = asyncio.create_task(self._beating(), name="haven-heartbeat")

    async def stop(self) -> None:
        self._stopping = True
        self._event.set()
        if self._task:
            await self._task
        if self._heart:
            self._heart.cancel()
            await asyncio.gather(self._heart, return_exceptions=True)
        if self._beaten > 0:  # it said it was alive: now it holds nothing
            try:
                await workers.retire(db=self.ctx.db, worker=self.worker)
            except Exception:
                log.warning("could not remove the heartbeat of %s", self.worker)

    async def beat(self) -> None:
        """Tell the other processes this worker is alive (before it claims anything)."""
        async with self._beating_now:
            await workers.beat(db=self.ctx.db, worker=self.worker, now=self.ctx.wall_now())
            self._beaten = time.monotonic()

    async def _beating(self) -> None:
        while True:
            try:
                await self.beat()
            except Exception:
                log.warning("heartbeat of %s failed; retrying", self.worker)
            await asyncio.sleep(BEAT)

    async def _run(self) -> None:
        while not self._stopping:
            if not self._event.is_set():  # woken during the last round: no need to ask when to wake
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._event.wait(), timeout=await self._idle())
            self._event.clear()
            if self._stopping:
                break
            try:
                await self.drain()
            except Exception:
                log.exception("dispatcher round failed; retrying shortly")

    async def _idle(self) -> float:
        """How long to sleep: until the next pending row is due (capped)."""
        try:
            due = await outbox_upkeep.next_due(db=self.ctx.db)
        except Exception:
            return IDLE_WAIT
        if due is None:
            return IDLE_WAIT
        return min(IDLE_WAIT, max(0.05, (due - self.ctx.wall_now()).total_seconds()))

    async def drain(self, *, rounds: int = 1000) -> int:
        """Send everything due now; returns how many messages were attempted."""
        total = 0
        if time.monotonic() - self._beaten >= BEAT:  # no heartbeat task (the console), or it lags
            await self.beat()
        now = self.ctx.wall_now()
        if self._folded_at is None or not timedelta(0) <= now - self._folded_at < FOLD_EVERY:
            self._folded_at = now
            if await fold_held(self.ctx, now=now):
                self._event.set()  # new digests: another round right after this one
        for _ in range(rounds):
            await self._yield_to_intake()
            batch = await outbox.claim_messages(
                db=self.ctx.db, now=self.ctx.wall_now(), worker=self.worker, lease=LEASE, limit=50
            )
            if not batch:
                break
            total += len(batch)
            groups: dict[Key, list[OutboxMessage]] = defaultdict(list)
            for row in batch:
                groups[pace_key(row)].append(row)
            await asyncio.gather(*(self._channel(key, rows) for key, rows in groups.items()))
        return total

    async def _yield_to_intake(self) -> None:
        """While a burst of reports is being committed, let it go first (its answers wait on
        the commit; the database and the CPU are shared), for at most :data:`YIELD_LIMIT`."""
        deadline = time.monotonic() + YIELD_LIMIT
        while intake.busy(self.ctx) and time.monotonic() < deadline:
            await asyncio.sleep(0.001)

    async def _channel(self, key: Key, rows: list[OutboxMessage]) -> None:
        """Send one channel's rows in order, paced; fold an alert backlog into digests."""
        rate = pace_of(self.ctx.messengers.get(key[0]), key[0])
        if rate is not None:
            rows = await self._fold(key, rows, rate)
        started = time.monotonic()
        for index, row in enumerate(rows):
            wait = self.pacer.delay(key)  # also a Retry-After pause of the channel
            if wait > MAX_WAIT or time.monotonic() - started > LEASE.total_seconds() / 2:
                await delivery.release(self.ctx, rows[index:], delay=wait, spacing=1.0 / rate if rate else 0.0)
                return
            wait = self.pacer.reserve(key, rate)
            if wait > 0:
                await asyncio.sleep(wait)
            await self._guarded(key, row)

    async def _fold(self, key: Key, rows: list[OutboxMessage], rate: float) -> list[OutboxMessage]:
        alerts = [r for r in rows if r.op == "post" and r.kind in (Kind.ALERT, Kind.PAGE)
                  and r.incident_id is not None and r.priority > URGENT]
        last_wait = self.pacer.delay(key) + (len(alerts) - 1) / rate
        if len(alerts) < 2 or last_wait <= DIGEST_AFTER:
            return rows
        await fold(self.ctx, alerts, worker=self.worker, now=self.ctx.wall_now())
        folded = {r.id for r in alerts}
        self.wake()  # the digests are new pending rows
        return [r for r in rows if r.id not in folded]

    async def _record(self, sent: Sequence[delivery.Delivered]) -> list[int]:
        """Mark the deliveries of all channels that finished meanwhile sent: one commit."""
        await delivery.record_sent(self.ctx, sent, worker=self.worker)
        return [len(sent)] * len(sent)

    async def _guarded(self, key: Key, row: OutboxMessage) -> None:
        """Send one row and record the outcome; the channel's next row starts after both.

        Deliveries are recorded by group commit (:class:`bot.delivery.group_commit.GroupCommit`):
        while one transaction marks rows sent, the rows other channels delivered meanwhile
        queue for the next, so a burst costs a few commits instead of one per message."""
        try:
            async with self._limit:
                delivered = await delivery.send(self.ctx, row)
        except DeliveryError as error:
            if error.retry_after is not None:
                self.pacer.push_back(key, error.retry_after)
            await delivery.failed(self.ctx, row, error)
        except Exception as exc:  # never let one message stop the others
            log.exception("unexpected error sending outbox %s", row.id)
            await delivery.failed(self.ctx, row, DeliveryError(type(exc).__name__))
        else:
            try:
                await self._recorder.submit(delivered)
            except Exception:  # the row stays leased; after the lease it is sent again
                log.exception("could not record outbox %s as sent", row.id)
