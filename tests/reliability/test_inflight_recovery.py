"""Sends in flight when a process dies are re-sent within seconds, not after the 60 s
lease: each worker beats a heartbeat row, and rows held by a silent worker are re-queued
(SQLite and PostgreSQL). A live worker's sends are never taken from it."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.delivery import sender as delivery
from bot.delivery.dispatcher import BEAT, LEASE, STALE, worker_name
from bot.model.inbound import Actor, ReportIn
from bot.model.ports import DeliveryError, Meta, PostRef, Target
from bot.model.messages import Message
from bot.app.records import detail
from storage import outbox, workers
from tests.escalation.conftest import jst
from tests.escalation.serve_support import SUPERVISORS, ServeWorld, events_of, metadata_of
from tests.reliability.conftest import World
from tests.slack.support import SUPERVISOR_IDS
from tests.support.recording import PLATFORM
from tests.support.serve import eventually

NOW = jst(2026, 12, 1, 11, 0)
RECOVERY_SECONDS = 15.0


async def _states(world: World, ref: str) -> list[str]:
    data = await detail(world.runtime.db, ref)
    assert data is not None
    return [row["state"] for row in data["outbox"]]


async def test_a_live_workers_sends_are_never_taken_and_a_silent_workers_are_at_once(world: World) -> None:
    runtime = world.runtime
    logged = await runtime.haven.report(ReportIn(actor=Actor(PLATFORM, "emp1", "en"), text="he threw a cup"))
    assert logged.ref is not None
    await workers.beat(db=runtime.db, worker="replica-a", now=world.wall.now())
    held = await outbox.claim_messages(db=runtime.db, now=world.wall.now(), worker="replica-a", lease=LEASE)
    assert held

    for _ in range(5):  # 30 s of a slow send while replica A keeps beating: nothing is taken
        world.wall.advance(timedelta(seconds=6))
        await workers.beat(db=runtime.db, worker="replica-a", now=world.wall.now())
        assert await runtime.sweeper.watchdog() == 0
    assert set(await _states(world, logged.ref)) == {"sending"}

    world.wall.advance(STALE + timedelta(seconds=1))  # replica A died: its beats stopped
    assert await runtime.sweeper.watchdog() == len(held), "re-queued long before the lease ends"
    await runtime.dispatcher.drain()
    assert set(await _states(world, logged.ref)) == {"sent"}
    assert sorted(s.meta.outbox_id for s in world.messenger.sent) == sorted(r.id for r in held)


async def test_a_send_held_by_a_worker_that_never_beat_is_requeued(world: World) -> None:
    runtime = world.runtime
    logged = await runtime.haven.report(ReportIn(actor=Actor(PLATFORM, "emp1", "en"), text="he threw a cup"))
    assert logged.ref is not None
    held = await outbox.claim_messages(db=runtime.db, now=world.wall.now(), worker="older-version", lease=LEASE)
    assert held and await runtime.sweeper.watchdog() == len(held)


def test_worker_names_are_unique_per_start_and_fit_the_column() -> None:
    names = {worker_name() for _ in range(50)}
    assert len(names) == 50 and all(len(n) <= 64 for n in names)
    assert BEAT * 3 <= STALE.total_seconds() < RECOVERY_SECONDS - 3, "a late beat is not death; restarts stay fast"


class Hanging:
    """A platform that accepts the connection and never answers."""

    async def post(self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None) -> PostRef:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


async def test_a_platform_that_never_answers_is_a_retry_well_inside_the_lease(world: World) -> None:
    from adapters.slack.api import TIMEOUT_SECONDS
    from adapters.teams.messenger import CALL_TIMEOUT

    assert max(TIMEOUT_SECONDS * 2, CALL_TIMEOUT) <= delivery.SEND_TIMEOUT < LEASE.total_seconds()
    runtime = world.runtime
    await runtime.haven.report(ReportIn(actor=Actor(PLATFORM, "emp1", "en"), text="he threw a cup"))
    [row, *_] = await outbox.claim_messages(db=runtime.db, now=world.wall.now(), worker="w", lease=LEASE)
    runtime.ctx.messengers[PLATFORM] = Hanging()  # type: ignore[assignment]
    started = time.monotonic()
    with pytest.raises(DeliveryError) as raised:
        await delivery.send(runtime.ctx, row, timeout=0.2)
    assert time.monotonic() - started < 2 and not raised.value.permanent
    assert "timeout" in raised.value.reason


async def test_a_send_in_flight_at_sigkill_is_resent_within_15_s_of_the_next_start(
        fresh_database_url: str, tmp_path: Path) -> None:
    world = await ServeWorld.create(tmp_path, fresh_database_url, NOW)
    world.fake.script("chat.postMessage", delay=120, channel=SUPERVISORS)  # the alert hangs in flight
    try:
        first = await world.start("first")
        assert world.client is not None
        status, _ = await world.client.command("he threw a cup at me", trigger="t-inflight")
        assert status == 200
        await eventually(lambda: events_of(world.fake, "alert"), timeout=20)
        first.kill()

        second = await world.start("second")
        started = time.monotonic()  # serving (a loaded machine may take a while to get here)
        await eventually(lambda: len(events_of(world.fake, "alert")) == 2, timeout=RECOVERY_SECONDS + 15)
        elapsed = time.monotonic() - started
        assert elapsed < RECOVERY_SECONDS, f"re-sent {elapsed:.1f} s after the start:\n{second.output()}"
        assert "dispatcher round failed" not in second.output()
        first_try, again = events_of(world.fake, "alert")
        assert metadata_of(first_try)["event_payload"] == metadata_of(again)["event_payload"], "the same row"
        assert again["channel"] == SUPERVISORS and SUPERVISOR_IDS
        assert "sends of workers that stopped" in second.output()
    finally:
        await world.close()
