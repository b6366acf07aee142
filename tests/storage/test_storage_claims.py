"""Due work (outbox and jobs) is claimed exactly once, in order, and rescued after a crash."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from tests.storage._storage_support import T0, MakeIncident

from storage import outbox, outbox_upkeep
from storage import schedule
from storage.db import Database
from storage.delivery_models import Job, OutboxMessage

LEASE = timedelta(minutes=1)
REPO = Path(__file__).resolve().parents[2]


async def _enqueue(db: Database, incident_id: int | None, count: int, **fields: object) -> list[int]:
    ids = []
    async with db.session() as session:
        for n in range(count):
            message = await outbox.enqueue(
                session=session, incident_id=incident_id, platform="slack", kind="alert",
                audience="supervisors", payload=json.dumps({"n": n}),
                due_at=fields.get("due_at", T0),  # type: ignore[arg-type]
            )
            ids.append(message.id)
        await session.commit()
    return ids


async def _schedule(db: Database, count: int, due_at: object = T0) -> None:
    async with db.session() as session:
        for n in range(count):
            assert await schedule.schedule(session=session, incident_id=None, kind="checkin",
                                           key=f"job:{n}", due_at=due_at)  # type: ignore[arg-type]
        await session.commit()


async def test_four_workers_claim_every_message_exactly_once(db: Database) -> None:
    expected = await _enqueue(db, None, 40)
    workers = [Database(db.url) for _ in range(4)]
    claimed: list[int] = []

    async def work(worker: Database, name: str) -> None:
        while batch := await outbox.claim_messages(db=worker, now=T0, worker=name,
                                                   lease=LEASE, limit=3):
            claimed.extend(m.id for m in batch)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(work(w, f"w{n}") for n, w in enumerate(workers)))
    finally:
        for w in workers:
            await w.dispose()
    assert Counter(claimed).most_common(1)[0][1] == 1
    assert sorted(claimed) == sorted(expected)


async def test_four_workers_claim_every_job_exactly_once(db: Database) -> None:
    await _schedule(db, 40)
    workers = [Database(db.url) for _ in range(4)]
    claimed: list[tuple[int, str]] = []

    async def work(worker: Database, name: str) -> None:
        while batch := await schedule.claim_jobs(db=worker, now=T0, worker=name,
                                                 lease=LEASE, limit=3):
            assert all(j.claimed_by == name and j.state == "claimed" for j in batch)
            claimed.extend((j.id, name) for j in batch)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(work(w, f"w{n}") for n, w in enumerate(workers)))
    finally:
        for w in workers:
            await w.dispose()
    ids = [job_id for job_id, _ in claimed]
    assert len(ids) == len(set(ids)) == 40


_WORKER_SCRIPT = """
import asyncio, json, sys
from datetime import datetime, timedelta
from storage.db import Database
from storage import schedule

async def main():
    db = Database(sys.argv[1])
    got = []
    while batch := await schedule.claim_jobs(db=db, now=datetime(2026, 11, 30, 1), worker=sys.argv[2],
                                             lease=timedelta(minutes=1), limit=2):
        got.extend(j.id for j in batch)
    await db.dispose()
    print(json.dumps(got))

asyncio.run(main())
"""


async def test_jobs_are_claimed_once_across_processes(db: Database) -> None:
    await _schedule(db, 60)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _WORKER_SCRIPT, db.url, f"p{n}",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        for n in range(3)
    ]
    ids: list[int] = []
    for proc in procs:
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()[-2000:]
        ids.extend(json.loads(out))
    assert len(ids) == len(set(ids)) == 60


async def test_only_due_pending_messages_are_claimed(db: Database) -> None:
    due = await _enqueue(db, None, 2)
    later = await _enqueue(db, None, 1, due_at=T0 + timedelta(minutes=5))
    batch = await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE)
    assert [m.id for m in batch] == due
    assert all(m.state == "sending" and m.attempts == 1 and m.lease_until == T0 + LEASE
               for m in batch)
    assert batch[0].payload == json.dumps({"n": 0})
    assert await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE) == []
    again = await outbox.claim_messages(db=db, now=T0 + timedelta(minutes=5), worker="w",
                                        lease=LEASE)
    assert [m.id for m in again] == later


async def test_messages_of_one_incident_go_out_in_order(
    db: Database, make_incident: MakeIncident
) -> None:
    a = await make_incident()
    b = await make_incident()
    a1, a2, a3 = await _enqueue(db, a.id, 3)
    (b1,) = await _enqueue(db, b.id, 1)
    free = await _enqueue(db, None, 2)

    first = {m.id for m in await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE)}
    assert first == {a1, b1, *free}  # a2 waits for a1, which is sending
    assert await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE) == []

    # a1 fails transiently: it goes back to pending and still holds a2 back
    await outbox.mark_retry(db=db, message_id=a1, due_at=T0 + timedelta(seconds=30),
                            error="ratelimited")
    assert await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE) == []
    retried = await outbox.claim_messages(db=db, now=T0 + timedelta(seconds=30), worker="w",
                                          lease=LEASE)
    assert [m.id for m in retried] == [a1] and retried[0].attempts == 2

    await outbox.mark_sent(db=db, message_id=a1, ref={"ts": "1.1"}, at=T0)
    nxt = await outbox.claim_messages(db=db, now=T0 + timedelta(minutes=1), worker="w",
                                      lease=LEASE)
    assert [m.id for m in nxt] == [a2]

    # a dead letter does not block what follows
    dead = await outbox.mark_dead(db=db, message_id=a2, error="channel_not_found", at=T0)
    assert (dead.state, dead.last_error, dead.dead_at) == ("dead", "channel_not_found", T0)
    last = await outbox.claim_messages(db=db, now=T0 + timedelta(minutes=1), worker="w",
                                       lease=LEASE)
    assert [m.id for m in last] == [a3]


async def test_mark_sent_records_the_platform_reference(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()
    (message_id,) = await _enqueue(db, made.id, 1)
    await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE)
    await outbox.mark_sent(db=db, message_id=message_id, ref={"channel": "C1", "ts": "1.2"},
                           at=T0 + timedelta(seconds=1))
    async with db.session() as session:
        message = await outbox_upkeep.get_message(session=session, message_id=message_id)
        listed = await outbox_upkeep.messages_for(session=session, incident_id=made.id)
    assert isinstance(message, OutboxMessage)
    assert (message.state, message.sent_ref, message.sent_at) == (
        "sent", {"channel": "C1", "ts": "1.2"}, T0 + timedelta(seconds=1))
    assert [m.id for m in listed] == [message_id]


async def test_expired_message_leases_are_rescued(db: Database) -> None:
    ids = await _enqueue(db, None, 3)
    await outbox.claim_messages(db=db, now=T0, worker="dead-worker", lease=LEASE)
    assert await outbox_upkeep.rescue_expired(db=db, now=T0 + LEASE) == 0  # not yet expired
    assert await outbox_upkeep.rescue_expired(db=db, now=T0 + LEASE + timedelta(seconds=1)) == 3
    assert await outbox_upkeep.pending_count(db=db) == 3
    again = await outbox.claim_messages(db=db, now=T0 + timedelta(minutes=2), worker="w",
                                        lease=LEASE)
    assert sorted(m.id for m in again) == ids and all(m.attempts == 2 for m in again)


async def test_pending_count_and_next_due(db: Database) -> None:
    assert await outbox_upkeep.pending_count(db=db) == 0
    assert await outbox_upkeep.next_due(db=db) is None
    await _enqueue(db, None, 1, due_at=T0 + timedelta(minutes=5))
    await _enqueue(db, None, 1, due_at=T0 + timedelta(minutes=2))
    assert await outbox_upkeep.pending_count(db=db) == 2
    assert await outbox_upkeep.next_due(db=db) == T0 + timedelta(minutes=2)


async def test_schedule_is_idempotent_on_key(db: Database, make_incident: MakeIncident) -> None:
    made = await make_incident()
    async with db.session() as session:
        assert await schedule.schedule(session=session, incident_id=made.id, kind="renotify",
                                       key="k1", due_at=T0, payload={"k": 1})
        assert not await schedule.schedule(session=session, incident_id=made.id,
                                           kind="renotify", key="k1", due_at=T0)
        await session.commit()
        jobs = await schedule.jobs_for(session=session, incident_id=made.id)
    assert [(j.key, j.payload) for j in jobs] == [("k1", {"k": 1})]


async def test_finish_job_only_by_the_worker_holding_it(db: Database) -> None:
    await _schedule(db, 1)
    (job,) = await schedule.claim_jobs(db=db, now=T0, worker="w1", lease=LEASE)
    async with db.session() as session:
        assert not await schedule.finish_job(session=session, job_id=job.id, worker="w2", at=T0)
        assert await schedule.finish_job(session=session, job_id=job.id, worker="w1", at=T0)
        assert not await schedule.finish_job(session=session, job_id=job.id, worker="w1", at=T0)
        await session.commit()
        done = await schedule.get_job(session=session, job_id=job.id)
    assert isinstance(done, Job) and (done.state, done.done_at) == ("done", T0)


async def test_rescued_job_can_no_longer_be_finished_by_the_old_worker(db: Database) -> None:
    await _schedule(db, 1)
    (job,) = await schedule.claim_jobs(db=db, now=T0, worker="slow", lease=LEASE)
    assert await schedule.rescue_expired_jobs(db=db, now=T0 + LEASE) == 0
    assert await schedule.rescue_expired_jobs(db=db, now=T0 + 2 * LEASE) == 1
    (again,) = await schedule.claim_jobs(db=db, now=T0 + 2 * LEASE, worker="fresh", lease=LEASE)
    assert again.id == job.id and again.attempts == 2
    async with db.session() as session:
        assert not await schedule.finish_job(session=session, job_id=job.id, worker="slow")
        assert await schedule.finish_job(session=session, job_id=job.id, worker="fresh")
        await session.commit()


async def test_retry_job_returns_it_to_pending_later(db: Database) -> None:
    await _schedule(db, 1)
    (job,) = await schedule.claim_jobs(db=db, now=T0, worker="w", lease=LEASE)
    await schedule.retry_job(db=db, job_id=job.id, due_at=T0 + timedelta(minutes=5))
    assert await schedule.claim_jobs(db=db, now=T0 + timedelta(minutes=4), worker="w",
                                     lease=LEASE) == []
    (again,) = await schedule.claim_jobs(db=db, now=T0 + timedelta(minutes=5), worker="w",
                                         lease=LEASE)
    assert again.id == job.id


async def test_cancel_jobs_only_touches_pending_jobs_of_those_kinds(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()
    async with db.session() as session:
        for key, kind, due in (("r1", "renotify", T0), ("r2", "renotify", T0 + LEASE),
                               ("p1", "page", T0 + LEASE), ("c1", "checkin", T0 + LEASE)):
            await schedule.schedule(session=session, incident_id=made.id, kind=kind, key=key,
                                    due_at=due)
        await session.commit()
    (claimed,) = await schedule.claim_jobs(db=db, now=T0, worker="w", lease=LEASE)
    assert claimed.key == "r1"
    async with db.session() as session:
        assert await schedule.cancel_jobs(session=session, incident_id=made.id,
                                          kinds=["renotify", "page"]) == 2
        await session.commit()
        states = {j.key: j.state for j in await schedule.jobs_for(session=session,
                                                                   incident_id=made.id)}
    assert states == {"r1": "claimed", "r2": "cancelled", "p1": "cancelled", "c1": "pending"}


async def test_checkin_is_answered_once(db: Database, make_incident: MakeIncident) -> None:
    made = await make_incident()
    async with db.session() as session:
        await schedule.schedule(session=session, incident_id=made.id, kind="checkin",
                                key="c1", due_at=T0)
        await session.commit()
        (job,) = await schedule.jobs_for(session=session, incident_id=made.id)

    async def answer(value: str) -> bool:
        async with db.session() as session:
            won = await schedule.answer_checkin(session=session, job_id=job.id, answer=value,
                                                at=T0)
            await session.commit()
            return won

    results = await asyncio.gather(answer("ok"), answer("talk"))
    assert results.count(True) == 1
