"""``haven serve`` as a real process, its time in HAVEN_CLOCK_FILE, Slack faked over HTTP:
a re-triage re-plans the deadlines from its own moment, a talk request nobody accepts is
re-notified and paged on time, and the wellbeing message tells the truth about hours."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.escalation.conftest import jst
from tests.escalation.serve_support import ESCALATION, SUPERVISORS, ServeWorld, events_of, metadata_of
from tests.slack.support import EMPLOYEE, MANAGER, form_state, press_payload, select_value, text_value
from tests.slack.test_slack_triage import triage_submission
from tests.support.serve import eventually

START = jst(2026, 12, 1, 11, 0)  # a Tuesday, in business hours
WEDNESDAY_EVENING = jst(2026, 12, 2, 18, 0)
TALK_AT = jst(2026, 12, 2, 18, 45)
SECOND = timedelta(seconds=1)


@pytest.fixture
async def world(fresh_database_url: str, database_kind: str, tmp_path: Path) -> AsyncIterator[ServeWorld]:
    if database_kind != "sqlite":
        pytest.skip("the timing is the same on PostgreSQL (the flows are covered there in process)")
    world = await ServeWorld.create(tmp_path, fresh_database_url, START)
    try:
        yield world
    finally:
        await world.close()


async def _settle() -> None:
    await asyncio.sleep(0.6)  # three ticks of 0.2 s


def _in_channel(world: ServeWorld, kind: str, channel: str) -> list[dict[str, Any]]:
    return [args for args in events_of(world.fake, kind) if args["channel"] == channel]


def _text(args: dict[str, Any]) -> str:
    blocks = args.get("blocks")
    return str(args.get("text")) + (blocks if isinstance(blocks, str) else json.dumps(blocks or [], ensure_ascii=False))


async def test_retriage_to_critical_realerts_and_plans_deadlines_from_that_moment(world: ServeWorld) -> None:
    await world.start()
    assert world.client is not None
    await world.client.command("the customer kept me on the phone", trigger="t-retriage")
    [alert] = await world.fake.wait_for("chat.postMessage", 1)
    ref = metadata_of(alert.args)["event_payload"]["incident"]
    alert_ts = (await eventually(lambda: [k for k in world.fake.messages if k[0] == SUPERVISORS]))[0][1]

    moment = START + timedelta(minutes=20)  # Normal: nothing due for an hour of business time
    world.set_clock(moment)
    await world.client.interact(press_payload("triage", ref, user="USUP1", ts=alert_ts))
    status, body = await world.client.interact(triage_submission(form_state(
        category=select_value("violence"), severity=select_value("critical"), note=text_value("threats")),
        user="USUP1", ref=ref))
    assert status == 200 and not body
    [note] = await eventually(lambda: [a for a in events_of(world.fake, "renotify") if a.get("thread_ts") == alert_ts])
    assert "<!here>" in _text(note) and "Critical" in _text(note)

    world.set_clock(moment + timedelta(minutes=5) - SECOND)  # critical: ack_within 5 min, from the re-triage
    await _settle()
    assert len(events_of(world.fake, "renotify")) == 1, "only the re-alert so far"
    world.set_clock(moment + timedelta(minutes=5))
    await eventually(lambda: len(events_of(world.fake, "renotify")) == 2)
    world.set_clock(moment + timedelta(minutes=10) - SECOND)
    await _settle()
    assert _in_channel(world, "page", ESCALATION) == []
    world.set_clock(moment + timedelta(minutes=10))
    [page] = await eventually(lambda: _in_channel(world, "page", ESCALATION))
    assert "contact_police" in _text(page)


async def test_an_unanswered_talk_request_is_renotified_then_paged_until_accepted(world: ServeWorld) -> None:
    world.set_clock(WEDNESDAY_EVENING)
    process = await world.start()
    assert world.client is not None
    status, body = await world.client.command("he shouted at me again", trigger="t-talk")
    assert status == 200
    kokoro = next(b["text"]["text"] for b in body["blocks"] if "Kokoro" in json.dumps(b))
    assert "closed now" in kokoro and "open now" not in kokoro, "こころの耳 is not open on Wednesday evenings"
    assert "set by your company" not in json.dumps(body), "a placeholder contact is left out"
    assert process.output().count("wellbeing.company_counselling.contact") == 1, "serve warned once"

    [alert] = await world.fake.wait_for("chat.postMessage", 1)
    ref = metadata_of(alert.args)["event_payload"]["incident"]
    asked_at = TALK_AT  # its deadlines fall after business hours (19:00): they still run
    world.set_clock(asked_at)
    await world.client.interact(press_payload("talk_now", ref, user=EMPLOYEE, channel="DEMPLOYEE"))
    [asked] = await eventually(lambda: _in_channel(world, "talk_request", SUPERVISORS))
    assert ref in _text(asked) and "talk_accept" in _text(asked)

    world.set_clock(asked_at + timedelta(minutes=30) - SECOND)  # care.respond_within, day or night
    await _settle()
    assert len(_in_channel(world, "talk_request", SUPERVISORS)) == 1
    world.set_clock(asked_at + timedelta(minutes=30))
    reminded = await eventually(lambda: _in_channel(world, "talk_request", SUPERVISORS)[1:])
    assert "<!here>" in _text(reminded[0])
    world.set_clock(asked_at + timedelta(minutes=60) - SECOND)
    await _settle()
    assert _in_channel(world, "talk_request", ESCALATION) == []
    world.set_clock(asked_at + timedelta(minutes=60))
    [paged] = await eventually(lambda: _in_channel(world, "talk_request", ESCALATION))
    value = next(v for v in json.loads(json.dumps(paged["blocks"])) if v["type"] == "actions")["elements"][0]["value"]

    await world.client.interact(press_payload("talk_accept", value, user=MANAGER, channel=ESCALATION))
    [told] = await eventually(lambda: [a for a in events_of(world.fake, "reporter_update")
                                       if a["channel"] == EMPLOYEE and "<@UMANAGER>" in _text(a)])
    assert ref in _text(told) and "will reach out" in _text(told)
    world.set_clock(asked_at + timedelta(hours=3))
    await _settle()
    assert len(_in_channel(world, "talk_request", ESCALATION)) == 1, "nothing more once accepted"
