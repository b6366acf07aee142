"""Idempotency end to end over HTTP, and a crash between the commit and the send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app.records import detail
from storage.db import Database
from tests.fakes.slack_api import FakeSlack
from tests.reliability.support import kind_of, outbox_id, supervisor_posts
from tests.slack.conftest import slack_env, start_in_process
from tests.slack.support import (
    EMPLOYEE, ESCALATION, MANAGER, SUPERVISOR_IDS, SUPERVISORS, Haven, command_body, form_state,
    press_payload, select_value, sign, text_value, view_payload,
)
from tests.support.serve import eventually, haven_env, start_haven

REF = "INC-2026-000001"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = await FakeSlack().start()
    slack.add_channel(SUPERVISORS, SUPERVISOR_IDS)
    slack.add_channel(ESCALATION, [MANAGER])
    try:
        yield slack
    finally:
        await slack.stop()


@pytest.fixture
async def slack(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[Haven]:
    server, haven = await start_in_process(fake, tmp_path)
    try:
        yield haven
    finally:
        await haven.close()
        await server.close()


async def settle(haven: Haven) -> None:
    assert haven.runtime is not None
    await haven.runtime.dispatcher.drain()
    await asyncio.sleep(0.3)


async def test_a_slash_command_delivered_twice_is_one_incident_and_one_alert(slack: Haven) -> None:
    first = await slack.command("he yelled", trigger="trig-same")
    second = await slack.post(command_body("he yelled", trigger="trig-same"),
                              headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first[0] == second[0] == 200
    await settle(slack)
    assert await detail(slack.runtime.db, "INC-2026-000002") is None  # type: ignore[union-attr]
    assert [kind_of(m) for m in supervisor_posts(slack.fake)] == ["haven_alert"]


async def test_a_view_submitted_twice_is_one_incident_and_one_alert(slack: Haven) -> None:
    state = form_state(category=select_value("violence"), description=text_value("he threw a chair"))
    results = await asyncio.gather(*(slack.interact(view_payload("view_submission", state, view_id="VTWICE"))
                                     for _ in range(2)))
    assert [status for status, _ in results] == [200, 200]
    await settle(slack)
    assert await detail(slack.runtime.db, "INC-2026-000002") is None  # type: ignore[union-attr]
    assert [kind_of(m) for m in supervisor_posts(slack.fake)] == ["haven_alert"]


async def test_an_events_api_retry_with_the_same_event_id_is_handled_once(slack: Haven) -> None:
    event = {"type": "app_home_opened", "user": EMPLOYEE, "tab": "home", "channel": "DHOME"}
    await slack.event(event, "EvSAME")
    await slack.event(event, "EvSAME")
    await asyncio.sleep(0.3)
    assert len(slack.fake.calls_to("views.publish")) == 1


async def test_two_supervisors_pressing_acknowledge_at_once_make_one_decision(slack: Haven) -> None:
    await slack.command("he yelled", trigger="trig-ack")
    [alert] = await eventually(lambda: supervisor_posts(slack.fake))
    presses = [press_payload("acknowledge", REF, user=user, ts=alert["ts"], trigger=f"t-{i}")
               for i, user in enumerate(["USUP1", "USUP2", "USUP1"])]
    results = await asyncio.gather(*(slack.interact(p) for p in presses))
    assert all(status == 200 for status, _ in results)
    await settle(slack)
    record = await detail(slack.runtime.db, REF)  # type: ignore[union-attr]
    assert record is not None
    assert [e["kind"] for e in record["events"]].count("acknowledged") == 1
    dms = [m for (c, _), m in slack.fake.messages.items() if c == "D" + EMPLOYEE[1:]]
    assert [kind_of(m) for m in dms] == ["haven_reporter_update"], "the reporter is told once"
    assert len(slack.fake.calls_to("chat.postEphemeral")) == 2, "the others are told who was first"


async def test_after_a_crash_between_commit_and_send_the_alert_is_delivered_once(
        fake: FakeSlack, tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}", **slack_env(fake, tmp_path))
    fake.script("chat.postMessage", status=500, body={"ok": False}, times=1000)  # nothing gets out
    first = await asyncio.to_thread(start_haven, env, tmp_path, name="before")  # the fake answers meanwhile
    try:
        body = command_body("he threatened me", trigger="trig-crash")
        async with aiohttp.ClientSession() as session, session.post(first.url + "/slack/events", data=body,
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         **sign(body)}) as response:
            assert response.status == 200
            assert "INC-2026-000001" in await response.text()
        await fake.wait_for("chat.postMessage", 1)
        await eventually(lambda: _waiting_to_retry(env), timeout=10)  # not in flight: between attempts
    finally:
        first.kill()  # SIGKILL: the incident is committed, its alert not sent
    assert supervisor_posts(fake) == []
    fake.canned.clear()
    second = await asyncio.to_thread(start_haven, env, tmp_path, name="after")
    try:
        await eventually(lambda: supervisor_posts(fake), timeout=15)
        await asyncio.sleep(1.5)  # time for a duplicate to show, if there were one
        posts = supervisor_posts(fake)
        assert [kind_of(m) for m in posts] == ["haven_alert"]
        assert len({outbox_id(m) for m in posts}) == 1
    finally:
        await asyncio.to_thread(second.stop)


async def _waiting_to_retry(env: dict[str, str]) -> bool:
    db = Database(env["HAVEN_DATABASE_URL"])
    try:
        record = await detail(db, REF)
    finally:
        await db.dispose()
    return bool(record and [(o["state"], o["attempts"]) for o in record["outbox"]] == [("pending", 1)])
