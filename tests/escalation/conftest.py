"""In-process fixtures for escalation and check-in tests: a runtime on a fresh database
(SQLite and PostgreSQL) with a fake clock and recording ports, and small helpers that
read like the flows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.clock import FakeClock
from bot.flows.decisions import PressResult
from bot.model.inbound import Actor, FormIn, PressIn, ReportIn
from bot.model.messages import Audience
from bot.app.records import detail
from bot.app.runtime import Runtime
from tests.support.recording import PLATFORM, RecordingDirectory, RecordingMessenger, Sent, make_runtime

JST = ZoneInfo("Asia/Tokyo")
SUPERVISORS = {"sato", "suzuki", "tanaka"}
REPORTER = "emp1"


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A wall time in Tokyo as the naive-UTC instant Haven stores."""
    local = datetime(year, month, day, hour, minute, second, tzinfo=JST)
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass
class World:
    runtime: Runtime
    messenger: RecordingMessenger
    directory: RecordingDirectory
    clock: FakeClock

    async def step(self) -> None:
        """One sweep and one outbox drain, as ``haven serve`` does every tick."""
        await self.runtime.sweeper.tick()
        await self.runtime.dispatcher.drain()

    async def at(self, moment: datetime) -> None:
        """Move the clock to ``moment`` and sweep."""
        self.clock.set(moment)
        await self.step()

    async def quick(self, text: str = "he shouted at me on the phone", user: str = REPORTER) -> str:
        outcome = await self.runtime.haven.report(ReportIn(Actor(PLATFORM, user), text))
        await self.runtime.dispatcher.drain()
        assert outcome.ref
        return outcome.ref

    async def form(self, category: str, user: str = REPORTER, **values: str) -> str:
        answers: dict[str, object] = {"category": category, "description": "he threatened me", **values}
        outcome = await self.runtime.haven.submit_form(FormIn(Actor(PLATFORM, user), answers))
        await self.runtime.dispatcher.drain()
        assert outcome.ref, outcome.errors
        return outcome.ref

    async def press(self, user: str, action: str, value: str,
                    audience: Audience = Audience.SUPERVISORS) -> PressResult:
        result = await self.runtime.haven.press(PressIn(Actor(PLATFORM, user), action, value, audience))
        await self.runtime.dispatcher.drain()
        return result

    async def show(self, ref: str) -> dict[str, Any]:
        data = await detail(self.runtime.db, ref)
        assert data is not None
        return data

    def sent(self, kind: str, audience: Audience | None = None) -> list[Sent]:
        """Posts (not updates) of a message kind, optionally to one audience."""
        return [s for s in self.messenger.sent if s.op == "post" and s.message.kind == kind
                and (audience is None or (s.target is not None and s.target.audience == audience))]

    def alert_ref(self, ref: str) -> Any:
        alert = next(s for s in self.sent("alert", Audience.SUPERVISORS) if s.meta.incident == ref)
        return alert.ref

    async def events(self, ref: str) -> list[str]:
        return [e["kind"] for e in (await self.show(ref))["events"]]


async def make_world(url: str, now: datetime) -> World:
    runtime, messenger, directory, clock = await make_runtime(url, now=now)
    directory.supervisors |= SUPERVISORS
    return World(runtime, messenger, directory, clock)


@pytest.fixture
def start() -> datetime:
    """Tuesday 2026-12-01 11:00 JST, in business hours; override per module if needed."""
    return jst(2026, 12, 1, 11, 0)


@pytest.fixture
async def world(fresh_database_url: str, start: datetime) -> AsyncIterator[World]:
    w = await make_world(fresh_database_url, start)
    try:
        yield w
    finally:
        await w.runtime.haven.close()
        await w.runtime.db.dispose()


SECOND = timedelta(seconds=1)
