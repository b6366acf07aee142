"""`haven serve` as a real process with Teams: references survive a restart; JWT refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.bot_connector import FakeBotConnector
from tests.support.serve import eventually, haven_env, start_haven
from tests.teams import activities as act

REF = "INC-2026-000001"


async def _post(base: str, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as http, http.post(f"{base}/api/messages", data=json.dumps(activity),
                         headers={"Content-Type": "application/json", **(headers or {})}) as response:
        await response.read()
        return response.status


async def test_references_and_registration_survive_a_restart(tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/haven.db",
                    HAVEN_TEAMS_EMULATOR="1", HAVEN_TEAMS_ADMINS=act.ADMIN)
    async with FakeBotConnector() as connector:
        url = connector.url
        haven = start_haven(env, tmp_path)
        try:
            assert await _post(haven.url, act.channel_mention(url, act.ADMIN, "register supervisors")) == 200
            assert await _post(haven.url, act.personal(url, act.REPORTER, "abuse he threatened me")) == 200
            alert = await eventually(lambda: [c for c in connector.posts_to(act.CHANNEL) if REF in c.text])
        finally:
            haven.stop()  # a graceful restart (a crash may resend the alert: at-least-once)
        haven = start_haven(env, tmp_path, name="restarted")
        try:
            connector.add_member(act.TEAM, act.SUPERVISOR)
            data = {"action": "acknowledge", "incident": REF}
            assert await _post(haven.url, act.card_action(url, act.SUPERVISOR, data)) == 200
            await eventually(lambda: connector.of("update"))
            assert connector.of("update")[0].activity_id == alert[0].activity_id
            told = await eventually(lambda: [c for c in connector.posts_to(f"a:personal-{act.REPORTER}")
                                             if "Update on your report" in c.text])
            assert REF in told[0].text
        finally:
            haven.stop()


async def test_with_an_app_id_a_request_without_a_jwt_is_401(tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/haven.db",
                    MICROSOFT_APP_ID="00000000-aaaa-bbbb-cccc-000000000001",
                    MICROSOFT_APP_PASSWORD="not-a-real-secret", MICROSOFT_APP_TENANT_ID=act.TENANT)
    async with FakeBotConnector() as connector:
        haven = start_haven(env, tmp_path)
        try:
            activity = act.personal(connector.url, act.REPORTER, "abuse x")
            assert await _post(haven.url, activity) == 401
            assert await _post(haven.url, activity, {"Authorization": "Bearer nope"}) == 401
            assert connector.calls == []
        finally:
            haven.stop()


def test_serve_refuses_the_emulator_off_loopback(tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/haven.db",
                    HAVEN_TEAMS_EMULATOR="1", HAVEN_HOST="0.0.0.0")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "serve"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 2
    assert "HAVEN_TEAMS_EMULATOR" in result.stderr
