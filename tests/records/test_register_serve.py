"""Spec 8.5 through ``haven serve``: the review request reaches the channel on the review
date (the clock file moves), and a lift needs a second member, over signed Slack requests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.model.inbound import Actor, FormIn, PressIn
from bot.model.messages import Action, Audience
from tests.escalation.serve_support import SUPERVISORS, ServeWorld, button_values, events_of, metadata_of
from tests.records.conftest import NOW
from tests.slack.support import press_payload
from tests.support.recording import make_runtime
from tests.support.serve import eventually

REVIEW_DAY = datetime(2027, 5, 30, 1, 0)  # 10:00 in Tokyo, the start of business on the review date


@pytest.fixture
async def served(fresh_database_url: str, database_kind: str, tmp_path: Path) -> AsyncIterator[ServeWorld]:
    if database_kind != "sqlite":
        pytest.skip("the flow is the same on PostgreSQL (covered in process)")
    world = await ServeWorld.create(tmp_path, fresh_database_url, REVIEW_DAY - timedelta(hours=1))
    try:
        yield world
    finally:
        await world.close()


async def _ban_on_slack(url: str) -> None:
    runtime, messenger, directory, _ = await make_runtime(url, now=NOW)
    runtime.ctx.messengers["slack"], runtime.ctx.directories["slack"] = messenger, directory
    directory.supervisors |= {"USUP1", "USUP2"}
    try:
        answers = {"category": "violence", "description": "he threw a cup", "customer_ref": "山田 太郎"}
        ref = (await runtime.haven.submit_form(FormIn(actor=Actor("slack", "UEMPLOYEE"), values=answers))).ref
        assert ref is not None
        await runtime.haven.press(PressIn(Actor("slack", "USUP1"), "discontinue_service", ref, Audience.SUPERVISORS))
        # Slack's channel pace (about a post a second) holds the approval request behind the alert
        async def approval_requested() -> bool:
            await runtime.dispatcher.drain()
            return any(s.meta.kind == "approval_request" for s in messenger.sent)

        await eventually(approval_requested, timeout=20, interval=0.2)
        request = [s.message for s in messenger.sent if s.meta.kind == "approval_request"][-1]
        await runtime.haven.press(PressIn(Actor("slack", "USUP2"), Action.APPROVE, request.buttons[0].value,
                                          Audience.SUPERVISORS))
        await runtime.haven.press(PressIn(Actor("slack", "USUP1"), "resolve", ref, Audience.SUPERVISORS))
        await runtime.dispatcher.drain()
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()


def _reviews(served: ServeWorld) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in events_of(served.fake, "reminder") if not metadata_of(r)["event_payload"].get("incident")]


def _blocks(args: dict) -> object:  # type: ignore[type-arg]
    blocks = args.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else blocks


async def test_the_review_request_arrives_on_the_review_date_and_hr_lifts_the_entry(
        served: ServeWorld, fresh_database_url: str) -> None:
    await _ban_on_slack(fresh_database_url)
    await served.start()
    assert served.client is not None
    await asyncio.sleep(1.0)  # a few ticks before the review time
    assert _reviews(served) == []

    served.set_clock(REVIEW_DAY + timedelta(minutes=1))
    [review] = await eventually(lambda: _reviews(served), timeout=30)
    assert review["channel"] == SUPERVISORS and "REG-000001" in json.dumps(review, ensure_ascii=False)
    assert "山田" not in json.dumps(review, ensure_ascii=False), "no name in the channel"
    assert button_values(_blocks(review), "register_lift") == ["REG-000001"]
    assert button_values(_blocks(review), "register_widen") == ["REG-000001"], "a site's entry may be widened"

    status, _ = await served.client.interact(press_payload("register_lift", "REG-000001", user="USUP1"))
    assert status == 200
    [request] = await eventually(lambda: events_of(served.fake, "approval_request"), timeout=30)
    assert button_values(_blocks(request), "approve") == ["REG-000001"]
    status, _ = await served.client.interact(press_payload("approve", "REG-000001", user="USUP2"))
    assert status == 200
    await eventually(lambda: [d for d in events_of(served.fake, "decision")
                              if "REG-000001 is lifted" in json.dumps(d, ensure_ascii=False)], timeout=30)
