"""The outbox: committed before anything is sent, retried, visible while in flight."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.support.clock import FakeClock
from bot.model.inbound import Actor, ReportIn
from bot.model.messages import Audience, Kind
from bot.model.ports import DeliveryError
from bot.app.records import detail
from tests.support.recording import PLATFORM

EMPLOYEE = Actor(PLATFORM, "emp1", "en")


async def test_report_is_visible_while_the_send_hangs(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    messenger.hang = asyncio.Event()
    outcome = await runtime.haven.report(ReportIn(actor=EMPLOYEE, text="he threw a cup"))
    sending = asyncio.create_task(runtime.dispatcher.drain())
    await asyncio.sleep(0.2)
    data = await detail(runtime.db, outcome.ref)
    assert data is not None and data["status"] == "open"
    assert [(o["kind"], o["state"]) for o in data["outbox"]] == [("alert", "sending")]
    messenger.hang.set()
    await sending
    data = await detail(runtime.db, outcome.ref)
    assert [(o["kind"], o["state"]) for o in data["outbox"]] == [("alert", "sent")]


async def test_a_failed_send_is_retried(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, clock = world
    wall = FakeClock(clock.now())
    runtime.ctx.wall = wall
    messenger.failures = [DeliveryError("HTTP 503"), DeliveryError("ratelimited", retry_after=30)]
    outcome = await runtime.haven.report(ReportIn(actor=EMPLOYEE, text="he threw a cup"))
    await runtime.dispatcher.drain()
    assert messenger.to(Audience.SUPERVISORS) == []
    wall.advance(timedelta(minutes=20))
    await runtime.dispatcher.drain()
    assert messenger.to(Audience.SUPERVISORS) == [], "Retry-After of 30 s is honoured"
    wall.advance(timedelta(seconds=31))
    await runtime.dispatcher.drain()
    alerts = messenger.to(Audience.SUPERVISORS)
    assert [a.meta.kind for a in alerts] == ["alert"]
    data = await detail(runtime.db, outcome.ref)
    assert data["outbox"][0]["attempts"] == 3
    assert b"haven_outbox_retries_total" in runtime.metrics.render()


async def test_a_permanent_failure_is_a_visible_dead_letter(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    messenger.failures = [DeliveryError("channel_not_found", permanent=True)]
    outcome = await runtime.haven.report(ReportIn(actor=EMPLOYEE, text="he threw a cup"))
    await runtime.dispatcher.drain()
    data = await detail(runtime.db, outcome.ref)
    assert data["outbox"][0]["state"] == "dead"
    assert any(e["kind"] == "dead_letter" for e in data["events"])
    assert b'haven_outbox_dead_letters_total{kind="alert",platform="test"} 1.0' in runtime.metrics.render()


async def test_slow_commit_still_shows_wellbeing_and_confirms_by_dm(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    runtime.haven.commit_wait = 0.0
    outcome = await runtime.haven.report(ReportIn(actor=EMPLOYEE, text="he threw a cup"))
    assert outcome.wellbeing.kind == Kind.WELLBEING
    assert outcome.ref is None and "still saving" in outcome.receipt.text
    await runtime.haven.close()
    await runtime.dispatcher.drain()
    confirmations = [s for s in messenger.to(Audience.USER, "emp1") if s.meta.kind == "receipt"]
    assert confirmations and "INC-" in confirmations[0].message.text
