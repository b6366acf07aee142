"""Fixtures: a fake Slack Web API, and Haven serving /slack/events in-process over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.support.clock import FakeClock
from tests.support.timing import TEST_COMMIT_WAIT
from bot.app.config import load_settings
from bot.app.runtime import build_runtime, migrate
from bot.app.server import create_app
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.slack.support import ESCALATION, MANAGER, SECRET, SUPERVISOR_IDS, SUPERVISORS, Haven

# Tuesday 2026-12-01 10:00 in Tokyo: business hours.
NOW = datetime(2026, 12, 1, 1, 0)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_channel(SUPERVISORS, SUPERVISOR_IDS)
    fake.add_channel(ESCALATION, [MANAGER])
    try:
        yield fake
    finally:
        await fake.stop()


def slack_env(fake: FakeSlack, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "HAVEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}",
        "HAVEN_TICK_SECONDS": "60",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url.rstrip("/"),  # Haven adds the slash
        "HAVEN_SLACK_SUPERVISOR_CHANNEL": SUPERVISORS,
        "HAVEN_SLACK_ESCALATION_CHANNEL": ESCALATION,
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v}


async def start_in_process(fake: FakeSlack, tmp_path: Path, **extra: str) -> tuple[TestServer, Haven]:
    settings = load_settings(slack_env(fake, tmp_path, **extra))
    runtime = build_runtime(settings, clock=FakeClock(NOW))
    # A loaded test machine must not send a report down the slow-save path ("still saving");
    # the tests of that path set their own wait.
    runtime.haven.commit_wait = TEST_COMMIT_WAIT
    await migrate(runtime)
    app = create_app(runtime)
    runtime.ctx.messengers["slack"].pace_per_second = 1000.0  # type: ignore[attr-defined]  # no pacing waits here
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, Haven(url=str(server.make_url("")).rstrip("/"), fake=fake, runtime=runtime)


@pytest.fixture
async def haven(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Haven]:
    server, running = await start_in_process(fake_slack, tmp_path)
    try:
        yield running
    finally:
        await running.close()
        await server.close()


def metadata_of(call: Any) -> dict[str, Any]:
    return dict(call.args.get("metadata") or {})
