"""Delivery through Bot Connector faults, over real HTTP against the local fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.delivery import sender as delivery
from tests.support.clock import FakeClock
from bot.app.records import detail
from tests.fakes.bot_connector import FakeBotConnector
from tests.reliability.support import counter
from tests.support.serve import eventually
from tests.teams import activities as act
from tests.teams.conftest import NOW, Teams, start_teams

REF = "INC-2026-000001"


@pytest.fixture
async def teams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    monkeypatch.setattr(delivery, "backoff", lambda attempts: 0.2)  # jitter is tested in-process
    async with FakeBotConnector() as connector, aiohttp.ClientSession() as http:
        runtime, server = await start_teams(tmp_path, {}, FakeClock(NOW))
        try:
            yield Teams(server, connector, runtime, http)
        finally:
            await server.close()


def alerts(teams: Teams) -> list[str]:
    return [c.text for c in teams.connector.calls if c.kind == "send" and c.conversation == act.CHANNEL]


async def test_alerts_arrive_once_after_429_with_retry_after_and_500(teams: Teams) -> None:
    await teams.register()
    teams.connector.fail(429, kind="send", retry_after=1, times=2)
    teams.connector.fail(500, kind="send", times=1)
    response = await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse he threatened me"))
    assert response.status == 200
    await eventually(lambda: alerts(teams), timeout=15)
    await teams.drain()
    assert len(alerts(teams)) == 1
    record = await detail(teams.runtime.db, REF)
    assert record is not None and next((o["kind"], o["state"], o["attempts"]) for o in record["outbox"]) == \
        ("alert", "sent", 4)


async def test_bot_not_in_roster_is_a_dead_letter_at_once(teams: Teams) -> None:
    await teams.register()
    teams.connector.fail(403, kind="send", code="BotNotInConversationRoster", times=5)
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse he threatened me"))
    await teams.drain()
    record = await detail(teams.runtime.db, REF)
    assert record is not None
    alert = next(o for o in record["outbox"] if o["kind"] == "alert")
    assert (alert["state"], alert["attempts"]) == ("dead", 1)
    assert any(e["kind"] == "dead_letter" for e in record["events"])
    assert counter(teams.runtime, "haven_outbox_dead_letters_total", platform="teams", kind="alert") == 1
