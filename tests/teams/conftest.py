"""Haven's real aiohttp app (create_app) on a real port, with a fake Bot Connector."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sqlmodel import col, func, select

from tests.support.cards import assert_valid_cards, cards_in
from tests.support.clock import FakeClock
from tests.support.timing import TEST_COMMIT_WAIT
from bot.app.config import Settings
from bot.app.runtime import Runtime, build_runtime, migrate
from bot.app.server import create_app
from storage.db import utc_now
from storage.delivery_models import OutboxMessage
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams import activities as act

NOW = datetime(2026, 12, 1, 5, 0)  # Tuesday 14:00 in Tokyo


@dataclass
class Teams:
    """The server under test, its fake Bot Connector and a way to post activities."""

    server: TestServer
    connector: FakeBotConnector
    runtime: Runtime
    http: aiohttp.ClientSession

    @property
    def service_url(self) -> str:
        return self.connector.url

    async def post(self, activity: dict[str, Any] | bytes | str, *, headers: dict[str, str] | None = None,
                   content_type: str | None = "application/json") -> aiohttp.ClientResponse:
        body = activity if isinstance(activity, (bytes, str)) else json.dumps(activity)
        sent = dict(headers or {})
        if content_type:
            sent["Content-Type"] = content_type
        response = await self.http.post(str(self.server.make_url("/api/messages")), data=body, headers=sent)
        await response.read()
        if response.content_type == "application/json":  # an invoke response's card is valid too
            assert_valid_cards(cards_in(json.loads(await response.text())))
        return response

    async def drain(self) -> None:
        """Wait until every outbox row due now is sent or dead (the app's own dispatcher
        runs too, so one ``drain()`` may find rows it is already sending)."""
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            await self.runtime.dispatcher.drain()
            async with self.runtime.db.session() as session:
                busy = (await session.exec(select(func.count()).select_from(OutboxMessage).where(
                    col(OutboxMessage.state).in_(["sending"]) | (
                        (OutboxMessage.state == "pending") & (col(OutboxMessage.due_at) <= utc_now()))))).one()
            if not busy:
                return
            assert asyncio.get_running_loop().time() < deadline, "the outbox did not settle"
            await asyncio.sleep(0.02)

    async def register(self, audience: str = "supervisors", channel: str = act.CHANNEL) -> None:
        response = await self.post(act.channel_mention(self.service_url, act.ADMIN, f"register {audience}",
                                                       channel=channel))
        assert response.status == 200


async def start_teams(tmp_path: Path, env: dict[str, str], clock: FakeClock) -> tuple[Runtime, TestServer]:
    settings = Settings.model_validate({"HAVEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/haven.db",
                                        "HAVEN_TEAMS_EMULATOR": "1", "HAVEN_TEAMS_ADMINS": act.ADMIN, **env})
    runtime = build_runtime(settings, clock=clock)
    # A loaded test machine must not send a report down the slow-save path ("still saving");
    # the tests of that path set their own wait.
    runtime.haven.commit_wait = TEST_COMMIT_WAIT
    await migrate(runtime)
    server = TestServer(create_app(runtime), host="127.0.0.1")
    await server.start_server()
    return runtime, server


@pytest.fixture
def teams_env() -> dict[str, str]:
    """Extra settings for the ``teams`` fixture (override in a test module)."""
    return {}


@pytest.fixture
async def teams(tmp_path: Path, teams_env: dict[str, str]) -> AsyncIterator[Teams]:
    async with FakeBotConnector() as connector, aiohttp.ClientSession() as http:
        runtime, server = await start_teams(tmp_path, teams_env, FakeClock(NOW))
        try:
            yield Teams(server, connector, runtime, http)
        finally:
            await server.close()

