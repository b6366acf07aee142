"""A worker whose lease ran out changes nothing when it finishes late (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.delivery import sender as delivery
from bot.model.inbound import Actor, PressIn, ReportIn
from bot.model.messages import Audience
from bot.model.ports import DeliveryError
from bot.app.records import detail
from storage import incidents
from storage import outbox, outbox_upkeep
from storage.db import Database
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident
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
        row = await outbox_upkeep.get_message(session=session, message_id=message_id)
    assert row is not None
    return row


async def _stolen(db: Database) -> tuple[int, datetime]:
    """A row claimed by ``late``, whose lease ran out, then claimed by ``fresh``."""
    message_id = await _queue(db)
    assert [m.id for m in await outbox.claim_messages(db=db, now=T0, worker="late", lease=LEASE)] == [message_id]
    later = T0 + LEASE + timedelta(seconds=1)
    assert await outbox_upkeep.rescue_expired(db=db, now=later) == 1
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
    assert await outbox_upkeep.pending_count(db=db) == 0, "a late retry would send it a second time"


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
    assert await outbox_upkeep.rescue_expired(db=runtime.db, now=world.wall.now()) == 1
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


async def _incident(db: Database) -> int:
    async with db.session() as session:
        ref = await incidents.next_ref(session=session, year=2026)
        made = await incidents.add_incident(session=session, incident=Incident(
            ref=ref, platform="slack", reporter_id="emp1", category="other", severity="normal",
            reported_at=T0, policy_version="test"))
        await session.commit()
    assert made.id is not None
    return made.id


async def _add(db: Database, incident_id: int, audience: str, **fields: object) -> int:
    async with db.session() as session:
        row = await outbox.enqueue(session=session, incident_id=incident_id, platform="slack",
                                   kind=str(fields.pop("kind", "alert")), audience=audience,
                                   payload="{}", due_at=T0, **fields)  # type: ignore[arg-type]
        await session.commit()
    assert row.id is not None
    return row.id


async def test_order_is_kept_per_incident_and_destination_and_a_parent_goes_first(db: Database) -> None:
    incident = await _incident(db)
    alert = await _add(db, incident, "supervisors")
    reply = await _add(db, incident, "supervisors", reply_to=alert, kind="renotify")
    page = await _add(db, incident, "escalation", kind="page")
    approval = await _add(db, incident, "escalation", reply_to=alert, kind="approval_request")
    dm1 = await _add(db, incident, "user", user_id="emp1", kind="receipt")
    dm2 = await _add(db, incident, "user", user_id="emp1", kind="reporter_update")
    owner = await _add(db, incident, "user", user_id="sato", kind="reminder")

    first = await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE)
    assert {m.id for m in first} == {alert, page, dm1, owner}
    # the supervisors' alert is stuck in retries: the reporter's and the owner's DMs go on
    assert await outbox.mark_retry(db=db, message_id=alert, due_at=T0 + timedelta(hours=1), error="http_500",
                                   worker="w")
    for done in (page, dm1, owner):
        assert await outbox.mark_sent(db=db, message_id=done, ref={"ts": str(done)}, at=T0, worker="w")
    second = await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE)
    assert [m.id for m in second] == [dm2], "the alert's reply and the escalation reply wait for it"
    later = await outbox.claim_messages(db=db, now=T0 + timedelta(hours=1), worker="w", lease=LEASE)
    assert [m.id for m in later] == [alert]
    assert await outbox.mark_sent(db=db, message_id=alert, ref={"ts": "1"}, at=T0, worker="w")
    last = await outbox.claim_messages(db=db, now=T0 + timedelta(hours=1), worker="w", lease=LEASE)
    assert {m.id for m in last} == {reply, approval}


async def test_a_stuck_supervisors_alert_does_not_hold_back_the_reporters_dm(world: World) -> None:
    runtime, messenger = world.runtime, world.messenger
    messenger.failures = [DeliveryError("slack http_500")]
    logged = await runtime.haven.report(ReportIn(actor=Actor(PLATFORM, "emp1", "en"), text="he threw a cup"))
    assert logged.ref is not None
    await runtime.dispatcher.drain()
    assert messenger.sent == [], "the alert failed and waits for its retry"
    await runtime.haven.press(PressIn(actor=Actor(PLATFORM, "sato", "en"), action="acknowledge", value=logged.ref))
    await runtime.dispatcher.drain()
    assert [(s.op, s.meta.kind) for s in messenger.to(Audience.USER, "emp1")] == [("post", "reporter_update")]
    assert [s for s in messenger.sent if s.meta.kind == "alert"] == [], "the update waits for its alert"
    world.wall.advance(timedelta(minutes=15))
    await runtime.dispatcher.drain()
    assert [(s.op, s.meta.kind) for s in messenger.sent if s.meta.kind == "alert"] == [
        ("post", "alert"), ("update", "alert")]


async def test_a_batch_is_marked_sent_only_where_the_worker_still_holds_the_row(db: Database) -> None:
    stolen, later = await _stolen(db)
    mine = await _queue(db)
    assert [m.id for m in await outbox.claim_messages(db=db, now=later, worker="late", lease=LEASE)] == [mine]
    applied = await outbox.mark_sent_many(db=db, sent=[(stolen, {"ts": "1"}), (mine, {"ts": "3"})], at=later,
                                          worker="late")
    assert applied == {mine}
    assert ((await _row(db, mine)).state, (await _row(db, mine)).sent_ref) == ("sent", {"ts": "3"})
    row = await _row(db, stolen)
    assert (row.state, row.claimed_by, row.sent_ref) == ("sending", "fresh", None)
