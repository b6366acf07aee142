"""A core runtime with recording ports, a fake policy clock and a fake wall clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.clock import FakeClock
from bot.app.runtime import Runtime
from tests.support.recording import RecordingDirectory, RecordingMessenger, make_runtime

# Tuesday 2026-12-01 11:00 JST: inside business hours.
NOW = datetime(2026, 12, 1, 2, 0, 0)


@dataclass
class World:
    runtime: Runtime
    messenger: RecordingMessenger
    directory: RecordingDirectory
    clock: FakeClock  # Haven's policy time
    wall: FakeClock  # real time as the outbox sees it (retries, pacing deferrals)


@pytest.fixture
async def world(fresh_database_url: str) -> AsyncIterator[World]:
    runtime, messenger, directory, clock = await make_runtime(fresh_database_url, now=NOW)
    directory.supervisors |= {"sato", "suzuki"}
    wall = FakeClock(NOW)
    runtime.ctx.wall = wall
    try:
        yield World(runtime, messenger, directory, clock, wall)
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[object]:
    """Haven in process against a fake Slack (supervisors' and escalation channels)."""
    from tests.reliability.support import slack_haven

    async with slack_haven(tmp_path) as haven:
        yield haven
