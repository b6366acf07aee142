"""Haven keeps answering while forged Teams tokens wait on a key endpoint that never answers.

Haven's real app (Slack and Teams, an app id configured) runs in this test's event loop,
so anything that blocked the loop would also stop the test's own requests. The forged
tokens are RS256 with a key id and claim Bot Framework's issuer, so their keys must be
fetched; the key URL is pointed at a local socket that accepts and never replies (the
fetch itself is Haven's real aiohttp fetch). Meanwhile ``/healthz`` and a signed Slack
command must be answered at once, every forged request must still be waiting, and the
20 of them must share one fetch; when the fetch fails they are refused (503), and the
failure is remembered (no second fetch).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

from adapters.teams.app import KEYS
from adapters.teams.keys import fetch_json
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import start_in_process
from tests.slack.support import ESCALATION, MANAGER, SUPERVISOR_IDS, SUPERVISORS, command_body, sign
from tests.teams import activities as act
from tests.teams.tokens import APP_ID, Signer, header

FORGED = 20
PROMPT = 3.0  # seconds: "at once", with room for a loaded test machine (the key fetch waits 10 s)


class SilentProxy:
    """Accepts connections and never answers (a hung key endpoint behind a proxy)."""

    def __init__(self) -> None:
        self.connections: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _accept(self, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append(writer)

    def hang_up(self) -> None:
        """Stop listening and drop every connection: the endpoint is now plainly down."""
        if self.server:
            self.server.close()
        for writer in self.connections:
            writer.close()

    async def stop(self) -> None:
        self.hang_up()


async def _timed(request: Any) -> tuple[int, float]:
    started = time.monotonic()
    async with await request as response:
        await response.read()
        return response.status, time.monotonic() - started


async def test_healthz_and_slack_are_answered_while_forged_tokens_wait_for_keys(tmp_path: Path) -> None:
    silent, slack = SilentProxy(), await FakeSlack().start()
    slack.add_channel(SUPERVISORS, SUPERVISOR_IDS)
    slack.add_channel(ESCALATION, [MANAGER])
    keys_url = await silent.start() + "/v1/.well-known/keys"
    server, haven = await start_in_process(slack, tmp_path, MICROSOFT_APP_ID=APP_ID,
                                           MICROSOFT_APP_PASSWORD="not-a-real-secret",
                                           MICROSOFT_APP_TENANT_ID=act.TENANT)
    server.app[KEYS].fetch = lambda _: fetch_json(keys_url)  # Microsoft's key endpoint, hung
    async with FakeBotConnector() as connector, aiohttp.ClientSession() as http:
        try:
            forger = Signer()
            activity = json.dumps(act.personal(connector.url, act.REPORTER, "abuse x"))
            forged = [asyncio.ensure_future(_timed(http.post(
                f"{haven.url}/api/messages", data=activity,
                headers={"Content-Type": "application/json", **header(forger.token(connector.url))})))
                for _ in range(FORGED)]
            deadline = time.monotonic() + 10
            while not silent.connections:  # the key fetch has started and is hanging
                assert time.monotonic() < deadline, "Haven never tried to fetch the signing keys"
                await asyncio.sleep(0.05)

            status, took = await _timed(http.get(f"{haven.url}/healthz"))
            assert status == 200 and took < PROMPT, (status, took)
            body = command_body("he shouted at me")
            status, took = await _timed(http.post(f"{haven.url}/slack/events", data=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", **sign(body)}))
            assert status == 200 and took < PROMPT, (status, took)
            assert not any(task.done() for task in forged)  # all 20 still waiting on the keys
            assert len(silent.connections) == 1  # one fetch for all of them

            silent.hang_up()  # the fetch fails: every forged request is refused, none accepted
            results = await asyncio.wait_for(asyncio.gather(*forged), 15)
            assert [status for status, _ in results] == [503] * FORGED
            again, took = await _timed(http.post(f"{haven.url}/api/messages", data=activity, headers={
                "Content-Type": "application/json", **header(forger.token(connector.url))}))
            assert again == 503 and len(silent.connections) == 1  # the failure is remembered
            assert connector.calls == []
        finally:
            await haven.close()
            await server.close()
            await silent.stop()
            await slack.stop()
