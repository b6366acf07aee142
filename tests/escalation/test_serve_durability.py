"""Check-ins survive SIGKILL, and several ``haven serve`` replicas on one PostgreSQL
database deliver each check-in once (counted by distinct outbox ids in Slack metadata)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench.checkins.seed import seed
from bot.delivery.sweep import JOB_LEASE
from bot.app.records import detail
from storage import schedule
from storage.db import Database
from tests.escalation.conftest import jst
from tests.escalation.serve_support import ServeWorld, events_of, metadata_of, outbox_ids_by_checkin
from tests.support.serve import eventually

START = jst(2026, 12, 1, 11, 0)


@pytest.fixture
async def served(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[ServeWorld]:
    world = await ServeWorld.create(tmp_path, fresh_database_url, START)
    try:
        yield world
    finally:
        await world.close()


async def _job_state(url: str, job_id: int) -> str:
    db = Database(url)
    try:
        async with db.session() as session:
            job = await schedule.get_job(session=session, job_id=job_id)
            return job.state if job else "missing"
    finally:
        await db.dispose()


async def _outbox_settled(url: str, ref: str) -> bool:
    db = Database(url)
    try:
        data = await detail(db, ref)
    finally:
        await db.dispose()
    return data is not None and all(row["state"] in ("sent", "dead") for row in data["outbox"])


async def _hold_incident_lock(url: str, ref: str):  # type: ignore[no-untyped-def]
    """PostgreSQL: lock the incident row so a server's check-in job blocks mid-run."""
    import asyncpg

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("SELECT id FROM incidents WHERE ref = $1 FOR UPDATE", ref)
    return conn, transaction


async def test_checkins_survive_sigkill_and_none_is_sent_twice(
    served: ServeWorld, fresh_database_url: str, database_kind: str
) -> None:
    first = await served.start("first")
    assert served.client is not None
    # a Normal report (no triage rule): no second-responder asks fall due with the check-ins
    await served.client.command("he shouted at the counter", trigger="t-kill-1")
    [alert] = await served.fake.wait_for("chat.postMessage", 1)
    ref = metadata_of(alert.args)["event_payload"]["incident"]
    data = await detail(Database(fresh_database_url), ref)
    assert data is not None
    checkins = [(c["id"], datetime.fromisoformat(c["due_at"].removesuffix("Z"))) for c in data["checkins"]]

    # 1. SIGKILL; the first check-in falls due while no server runs; the next one sends it at once.
    first.kill()
    served.set_clock(checkins[0][1])
    await served.start("second")
    await eventually(lambda: len(events_of(served.fake, "checkin")) == 1, timeout=30)
    # Let the server record that send: a kill between Slack's 2xx and that commit is the
    # outbox's documented crash window (re-sent after its 60 s lease), not what this tests.
    await eventually(lambda: _outbox_settled(fresh_database_url, ref), timeout=30)

    # 2. SIGKILL while the second check-in is claimed (its lease held by the dying server).
    second = served.processes[-1]
    if database_kind == "postgresql":
        conn, transaction = await _hold_incident_lock(fresh_database_url, ref)
        served.set_clock(checkins[1][1])
        await eventually(lambda: _claimed(fresh_database_url, checkins[1][0]), timeout=30)
        second.kill()
        await transaction.rollback()
        await conn.close()
    else:  # SQLite: the state a SIGKILL right after the claim's commit leaves behind
        second.kill()
        db = Database(fresh_database_url)
        claimed = await schedule.claim_jobs(db=db, now=checkins[1][1], worker="killed", lease=JOB_LEASE)
        await db.dispose()
        assert [j.id for j in claimed] == [checkins[1][0]]
        served.set_clock(checkins[1][1])
    third = await served.start("third")
    await asyncio.sleep(1.0)
    assert len(events_of(served.fake, "checkin")) == 1, "a live lease is not stolen"
    served.set_clock(checkins[1][1] + JOB_LEASE + timedelta(seconds=1))
    try:
        await eventually(lambda: len(events_of(served.fake, "checkin")) == 2, timeout=30)
    except AssertionError as missing:
        raise AssertionError(f"the rescued check-in never came:\n{third.output()}") from missing
    assert served.client is not None
    async with served.client.session.get(third.url + "/metrics") as response:
        assert "haven_watchdog_rescued_total 1.0" in await response.text()

    served.set_clock(checkins[2][1])
    await eventually(lambda: len(events_of(served.fake, "checkin")) == 3, timeout=30)
    await asyncio.sleep(0.6)
    delivered = outbox_ids_by_checkin(served.fake)
    assert sorted(delivered) == sorted(f"{ref}:{job_id}" for job_id, _ in checkins)
    assert all(len(ids) == 1 for ids in delivered.values()), delivered


async def _claimed(url: str, job_id: int) -> bool:
    return await _job_state(url, job_id) == "claimed"


async def test_three_replicas_deliver_each_checkin_once(
    fresh_database_url: str, database_kind: str, tmp_path: Path
) -> None:
    if database_kind != "postgresql":
        pytest.skip("replicas share one PostgreSQL database")
    due = START + timedelta(days=1)
    db = Database(fresh_database_url)
    # 300 incidents, one check-in each due together (several of one incident at once: only the latest is sent)
    await seed(db, checkins=900, bursts=[(due, 300)], now=START, platform="slack")
    await db.dispose()
    world = await ServeWorld.create(tmp_path, fresh_database_url, START)
    try:
        await asyncio.gather(*(world.start(f"replica{i}") for i in range(3)))
        world.set_clock(due)
        await eventually(lambda: len(events_of(world.fake, "checkin")) >= 300, timeout=60)
        await asyncio.sleep(1.0)
        delivered = outbox_ids_by_checkin(world.fake)
        assert len(events_of(world.fake, "checkin")) == 300, "no check-in twice"
        assert len(delivered) == 300 and all(len(ids) == 1 for ids in delivered.values())
    finally:
        await world.close()
