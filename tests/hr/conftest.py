"""The HR desk in process: a migrated runtime, seeded reports, the desk on a test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app.listen import Gate
from bot.app.runtime import Runtime
from bot.app.server import never_500
from bot.hr.access import HrAccess
from bot.hr.app import mount
from bot.app.desk_wiring import build_desk
from bot.hr.desk import Desk
from bot.hr.signin import SignIn
from bot.model.inbound import Actor, ReportIn
from storage.hr_desk import Identity
from tests.support.clock import FakeClock
from tests.support.recording import RecordingDirectory, make_runtime

HR = Identity(platform="test", user_id="UHR1")
EMPLOYEE = Identity(platform="test", user_id="UEMP1")
NOW = datetime(2026, 12, 1, 2, 0)  # 11:00 in Tokyo, a Tuesday


@dataclass
class DeskWorld:
    runtime: Runtime
    desk: Desk
    client: TestClient  # type: ignore[type-arg]
    wall: FakeClock
    hr_members: set[str]
    directory: RecordingDirectory
    clock: FakeClock  # policy time

    async def link(self, who: Identity = HR) -> str:
        url = await self.desk.signin.issue_link(who)
        return url.split("/hr/", 1)[1]  # "login?token=…", relative to the test server

    async def signed_in(self, who: Identity = HR) -> str:
        """Sign in through a link; returns the CSRF token of the new session."""
        response = await self.client.get("/hr/" + await self.link(who), allow_redirects=False)
        assert response.status == 303, await response.text()
        page = await self.client.get("/hr/incidents")
        text = await page.text()
        return text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def seed(runtime: Runtime, texts: list[str]) -> list[str]:
    refs = []
    for n, text in enumerate(texts):
        outcome = await runtime.haven.report(ReportIn(actor=Actor("test", f"UREP{n}"), text=text))
        assert outcome.ref is not None
        refs.append(outcome.ref)
    return refs


@pytest.fixture
async def desk_world(fresh_database_url: str) -> AsyncIterator[DeskWorld]:
    runtime, _messenger, directory, clock = await make_runtime(fresh_database_url, now=NOW)
    wall = FakeClock(NOW)
    members = {HR.user_id}

    async def channel_check(identity: Identity) -> bool:
        return identity.user_id in members

    desk = build_desk(runtime, access=HrAccess(channel_check=channel_check, ttl=60,
                                               monotonic=lambda: wall.now().timestamp()),
                      signin=SignIn(db=runtime.db, clock=wall, public_url="https://haven.example.com"))
    desk.secure_cookie = False
    app = web.Application(middlewares=[never_500, Gate(64).middleware])  # as haven serve wraps it
    mount(app, desk)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield DeskWorld(runtime=runtime, desk=desk, client=client, wall=wall, hr_members=members,
                        directory=directory, clock=clock)
    finally:
        await client.close()
        await runtime.close()
