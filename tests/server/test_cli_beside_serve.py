"""``haven incidents list/show/export`` beside a running ``haven serve`` on the same
SQLite file, while it takes a burst of reports: never "database is locked"."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.config import load_settings
from bot.app.records import detail, summary
from bot.app.runtime import open_database
from storage import incidents as repo
from tests.fakes.bot_connector import FakeBotConnector
from tests.support.serve import REPO, haven_env, start_haven
from tests.teams import activities as act

BURST = 40


async def _post(http: aiohttp.ClientSession, base: str, activity: dict[str, Any]) -> int:
    async with http.post(f"{base}/api/messages", data=json.dumps(activity),
                         headers={"Content-Type": "application/json"}) as response:
        await response.read()
        return response.status


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", *args, env=env, cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def _read_in_process(env: dict[str, str], ref: str, stop: asyncio.Event) -> int:
    """The CLI's read paths, in a loop, until the burst is over; returns how many rounds ran."""
    settings = load_settings({k: v for k, v in env.items() if k.startswith("HAVEN_")})
    rounds = 0
    while not stop.is_set() or rounds == 0:
        db = await open_database(settings, read_only=True)
        try:
            async with db.session() as session:
                assert [summary(i) for i in await repo.list_incidents(session=session)]
            assert (await detail(db, ref) or {})["id"] == ref
        finally:
            await db.dispose()
        rounds += 1
    return rounds


async def test_read_commands_never_fail_while_serve_takes_a_burst(tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}",
                    HAVEN_TEAMS_EMULATOR="1", HAVEN_TEAMS_ADMINS=act.ADMIN)
    async with FakeBotConnector() as connector, aiohttp.ClientSession() as http:
        haven = start_haven(env, tmp_path)
        try:
            url = connector.url
            assert await _post(http, haven.url, act.channel_mention(url, act.ADMIN, "register supervisors")) == 200
            assert await _post(http, haven.url, act.personal(url, act.REPORTER, "abuse he threatened me")) == 200
            _, out, _ = await _cli(env, "incidents", "list", "--json")
            ref = json.loads(out)[0]["id"]

            stop = asyncio.Event()
            reader = asyncio.create_task(_read_in_process(env, ref, stop))
            started = time.monotonic()
            burst = asyncio.gather(*(
                _post(http, haven.url, act.personal(url, f"29:reporter-{i}", f"abuse burst report {i}"))
                for i in range(BURST)))
            commands = [("incidents", "list"), ("incidents", "show", ref.lower()),
                        ("incidents", "export", "--format", "json")] * 3
            cli = asyncio.gather(*(_cli(env, *command) for command in commands))
            statuses, results = await asyncio.gather(burst, cli)
            stop.set()
            rounds = await reader
            elapsed = time.monotonic() - started

            assert statuses == [200] * BURST
            for command, (code, _, err) in zip(commands, results, strict=True):
                assert code == 0 and "locked" not in err, (command, err)
            assert rounds >= 1
            code, out, err = await _cli(env, "incidents", "list", "--json")
            assert code == 0 and len(json.loads(out)) == BURST + 1, err
            print(f"burst of {BURST} with {len(commands)} CLI reads and {rounds} in-process rounds: {elapsed:.1f} s")
        finally:
            haven.stop()
