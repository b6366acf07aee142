"""A worker whose lease ran out changes nothing when it finishes late (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot import delivery
from bot.inbound import Actor, ReportIn
from bot.ports import DeliveryError
from bot.records import detail
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from tests.reliability.conftest import World
from tests.support.recording import PLATFORM

T0 = datetime(2026, 11, 30, 1, 0, 0)
LEASE = timedelta(minutes=1)


async def _queue(db: Database) -> int:
    async with db.session() as session:
        row = await outbox.enqueue(session=session, incident_id=None, platform="slack", kind="alert",
                                   audience="supervisors", payload=json.dumps({"n": 1}), due_at=T0)
        await session.commit()
    assert row.id is not None
    return row.id


async def _row(db: Database, message_id: int) -> OutboxMessage:
    async with db.session() as session:
        row = await outbox.get_message(session=session, message_id=message_id)
    assert row is not None
    return row


async def _stolen(db: Database) -> tuple[int, datetime]:
    """A row claimed by ``late``, whose lease ran out, then claimed by ``fresh``."""
    message_id = await _queue(db)
    assert [m.id for m in await outbox.claim_messages(db=db, now=T0, worker="late", lease=LEASE)] == [message_id]
    later = T0 + LEASE + timedelta(seconds=1)
    assert await outbox.rescue_expired(db=db, now=later) == 1
    again = await outbox.claim_messages(db=db, now=later, worker="fresh", lease=LEASE)
    assert [(m.id, m.claimed_by) for m in again] == [(message_id, "fresh")]
    return message_id, later


async def test_a_late_retry_or_dead_letter_never_undoes_another_workers_delivery(db: Database) -> None:
    message_id, later = await _stolen(db)
    assert await outbox.mark_sent(db=db, message_id=message_id, ref={"ts": "2"}, at=later, worker="fresh")

    assert not await outbox.mark_retry(db=db, message_id=message_id, due_at=later, error="http_500",
                                       worker="late")
    assert await outbox.mark_dead(db=db, message_id=message_id, error="channel_not_found", at=later,
                                  worker="late") is None
    assert not await outbox.mark_sent(db=db, message_id=message_id, ref={"ts": "1"}, at=later, worker="late")
    row = await _row(db, message_id)
    assert (row.state, row.sent_ref, row.last_error, row.dead_at) == ("sent", {"ts": "2"}, None, None)
    assert await outbox.pending_count(db=db) == 0, "a late retry would send it a second time"


async def test_a_late_outcome_does_not_touch_a_row_another_worker_holds(db: Database) -> None:
    message_id, later = await _stolen(db)
    assert not await outbox.mark_sent(db=db, message_id=message_id, ref={"ts": "1"}, at=later, worker="late")
    assert not await outbox.mark_retry(db=db, message_id=message_id, due_at=later, error="x", worker="late")
    assert await outbox.mark_dead(db=db, message_id=message_id, error="x", at=later, worker="late") is None
    row = await _row(db, message_id)
    assert (row.state, row.claimed_by) == ("sending", "fresh")
    assert await outbox.mark_retry(db=db, message_id=message_id, due_at=later, error="http_500", worker="fresh")
    assert (await _row(db, message_id)).state == "pending"


async def test_the_holder_records_its_outcome(db: Database) -> None:
    message_id = await _queue(db)
    await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE)
    dead = await outbox.mark_dead(db=db, message_id=message_id, error="is_archived", at=T0, worker="w")
    assert dead is not None and (dead.state, dead.last_error) == ("dead", "is_archived")


async def test_a_late_failure_counts_no_metric_and_writes_no_dead_letter_event(world: World) -> None:
    runtime = world.runtime
    logged = await runtime.haven.report(ReportIn(actor=Actor(PLATFORM, "emp1", "en"), text="he threw a cup"))
    assert logged.ref is not None
    now = world.wall.now()
    (late_row,) = await outbox.claim_messages(db=runtime.db, now=now, worker="late", lease=LEASE)
    world.wall.advance(LEASE + timedelta(seconds=1))
    assert await outbox.rescue_expired(db=runtime.db, now=world.wall.now()) == 1
    await runtime.dispatcher.drain()  # another worker sends it
    assert [s.meta.outbox_id for s in world.messenger.sent] == [late_row.id]

    await delivery.failed(runtime.ctx, late_row, DeliveryError("channel_not_found", permanent=True))
    await delivery.failed(runtime.ctx, late_row, DeliveryError("slack http_500"))
    data = await detail(runtime.db, logged.ref)
    assert data is not None
    assert [o["state"] for o in data["outbox"]] == ["sent"]
    assert not any(e["kind"] == "dead_letter" for e in data["events"])
    metrics = runtime.metrics
    assert metrics.outbox_dead_letters.labels(platform=PLATFORM, kind="alert")._value.get() == 0
    assert metrics.outbox_retries.labels(platform=PLATFORM)._value.get() == 0

