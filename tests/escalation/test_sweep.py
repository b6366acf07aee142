"""Durability of the sweep: leases, the watchdog, concurrent workers, the ticker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.delivery.sweep import JOB_LEASE, Sweeper
from bot.model.messages import Audience
from bot.delivery.scheduler import RETENTION_EVERY, Ticker
from storage import schedule
from tests.escalation.conftest import World, make_world

MINUTE = timedelta(minutes=1)


async def test_watchdog_reclaims_a_dead_workers_lease_and_runs_the_job_once(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")
    world.clock.set(t0 + 5 * MINUTE)
    [dead] = [j for j in await schedule.claim_jobs(db=world.runtime.db, now=world.clock.now(), worker="dead",
                                                    lease=JOB_LEASE, limit=10) if j.kind == "renotify"] or [None]
    assert dead is not None  # the renotify is claimed by a worker that then dies
    await world.step()
    assert world.sent("renotify") == [], "a live lease is respected"

    await world.at(t0 + 5 * MINUTE + JOB_LEASE + timedelta(seconds=1))
    assert [s.meta.incident for s in world.sent("renotify")] == [ref]
    assert b"haven_watchdog_rescued_total 2.0" in world.runtime.metrics.render()  # renotify and ask_join
    async with world.runtime.db.session() as session:
        finished_late = await schedule.finish_job(session=session, job_id=dead.id, worker="dead")
        await session.rollback()
    assert not finished_late, "the dead worker's claim is void"
    await world.at(t0 + 30 * MINUTE)
    assert len(world.sent("renotify")) == 1


async def test_two_workers_sweeping_at_once_send_each_checkin_once(fresh_database_url: str) -> None:
    first = await make_world(fresh_database_url, datetime(2026, 12, 1, 2, 0))
    refs = [await first.quick(f"report {i}", user=f"emp{i}") for i in range(12)]
    second = await make_world(fresh_database_url, first.clock.now())
    try:
        later = datetime(2027, 2, 1, 3, 0)
        first.clock.set(later)
        second.clock.set(later)
        workers = [Sweeper(w.runtime.ctx, worker=f"w{i}", batch=3) for i, w in enumerate((first, second))]
        await asyncio.gather(*(w.tick() for w in workers), *(w.tick() for w in workers))
        await first.runtime.dispatcher.drain()
        await second.runtime.dispatcher.drain()
        data = [await first.show(ref) for ref in refs]
        # all three overdue at once (a catch-up): only the latest is sent, whichever worker claimed which
        assert all([c["state"] for c in d["checkins"]] == ["skipped", "skipped", "done"] for d in data)
        for d in data:
            sent = [o for o in d["outbox"] if o["kind"] == "checkin"]
            assert len(sent) == 1, "one outbox row per incident"
            kinds = [e["kind"] for e in d["events"]]
            assert kinds.count("checkin_sent") == 1 and kinds.count("checkin_skipped") == 2
        delivered = first.sent("checkin", Audience.USER) + second.sent("checkin", Audience.USER)
        assert len({s.meta.outbox_id for s in delivered}) == len(delivered) == 12
    finally:
        await first.runtime.db.dispose()
        await second.runtime.db.dispose()


async def test_a_failing_job_is_retried_later_not_lost(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.flows import followups

    ref = await world.quick()
    real = followups.run_checkin
    calls = {"n": 0}

    async def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        await real(*args, **kwargs)

    monkeypatch.setattr(followups, "run_checkin", flaky)
    first = datetime.fromisoformat((await world.show(ref))["checkins"][0]["due_at"].removesuffix("Z"))
    await world.at(first)
    assert world.sent("checkin") == []
    data = await world.show(ref)
    assert data["checkins"][0]["state"] == "pending" and data["checkins"][0]["attempts"] == 1
    await world.at(first + MINUTE)
    assert len(world.sent("checkin")) == 1


async def test_incident_record_lists_pending_and_done_timers_and_checkins(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")
    await world.at(t0 + 5 * MINUTE)
    data = await world.show(ref)
    timers = {(t["kind"], t["state"]) for t in data["timers"]}
    assert {("renotify", "done"), ("page", "pending"), ("ask_join", "done"), ("ask_join", "pending")} <= timers
    assert all(t["due_at"].endswith("Z") for t in data["timers"])
    assert [c["state"] for c in data["checkins"]] == ["pending"] * 3
    done = next(t for t in data["timers"] if t["kind"] == "renotify")
    assert done["done_at"] == (t0 + 5 * MINUTE).isoformat() + "Z"


async def test_ticker_sweeps_at_once_and_schedules_retention_daily() -> None:
    ticks: list[datetime] = []
    purges: list[datetime] = []

    async def tick() -> None:
        ticks.append(datetime.now(UTC))

    async def daily() -> None:
        purges.append(datetime.now(UTC))

    ticker = Ticker(tick=tick, tick_seconds=3600, daily=daily)
    ticker.start()
    try:
        for _ in range(100):
            if ticks:
                break
            await asyncio.sleep(0.01)
        assert len(ticks) == 1, "the first sweep runs right at start, not one interval later"
        jobs = ticker.jobs()
        retention = jobs["haven-retention"]
        assert retention is not None
        assert retention - datetime.now(UTC) < timedelta(minutes=1), "retention runs soon after start"
        job = ticker._scheduler.get_job("haven-retention")
        assert job.trigger.interval == RETENTION_EVERY
        sweep = ticker._scheduler.get_job("haven-sweep")
        assert sweep.misfire_grace_time is None and sweep.coalesce and sweep.max_instances == 1
    finally:
        ticker.stop()


async def test_ticker_sweeps_again_when_the_next_row_falls_due_not_one_interval_later() -> None:
    ticks: list[float] = []
    loop = asyncio.get_running_loop()

    async def tick() -> None:
        ticks.append(loop.time())

    async def next_due() -> float | None:  # a row falls due 0.2 s after the first sweep, none after it
        return 0.2 if len(ticks) == 1 else None

    ticker = Ticker(tick=tick, tick_seconds=3600, next_due=next_due)
    ticker.start()
    try:
        for _ in range(200):
            if len(ticks) >= 2:
                break
            await asyncio.sleep(0.01)
        assert len(ticks) == 2, "the sweep wakes for the due row, not an hour later"
        assert 0.15 <= ticks[1] - ticks[0] < 1.5
        await asyncio.sleep(0.3)
        assert len(ticks) == 2, "with nothing due the interval applies again"
        sweep = ticker.jobs()["haven-sweep"]
        assert sweep is not None and sweep - datetime.now(UTC) > timedelta(minutes=59)
    finally:
        ticker.stop()
