"""Access over HTTP: every button checks who asks; the reporter's name reaches
supervisors only when shared."""

from __future__ import annotations

import json

import pytest

from bot.app.records import detail
from tests.reliability.support import blocks_text, supervisor_posts
from tests.slack.support import (
    EMPLOYEE, ESCALATION, STRANGER, SUPERVISORS, Haven, form_state, press_payload,
    select_value, text_value, view_payload,
)
from tests.support.serve import eventually

REF = "INC-2026-000001"


async def test_an_unshared_name_appears_in_no_supervisor_facing_post_or_update(slack: Haven) -> None:
    state = form_state(category=select_value("violence"), description=text_value("he shoved me"),
                       share_name={"type": "checkboxes", "selected_options": []})
    await slack.interact(view_payload("view_submission", state))
    [alert] = await eventually(lambda: supervisor_posts(slack.fake))
    assert "Name not shared" in blocks_text(alert)
    await slack.interact(press_payload("acknowledge", REF, user="USUP1", ts=alert["ts"]))
    await eventually(lambda: "<@USUP1>" in blocks_text(slack.fake.messages[(SUPERVISORS, alert["ts"])]))
    channel_calls = [c for c in slack.fake.calls if c.args.get("channel") in (SUPERVISORS, ESCALATION)]
    assert channel_calls
    for call in channel_calls:
        assert EMPLOYEE not in json.dumps(call.args), call.method


async def test_a_shared_name_is_a_mention_in_the_alert(slack: Haven) -> None:
    await slack.command("he shoved me", trigger="trig-shared")
    [alert] = await eventually(lambda: supervisor_posts(slack.fake))
    assert f"<@{EMPLOYEE}>" in blocks_text(alert)


@pytest.mark.parametrize("action, user, channel", [
    ("acknowledge", STRANGER, SUPERVISORS),   # not a supervisor
    ("resolve", EMPLOYEE, SUPERVISORS),        # the reporter is not a supervisor either
    ("add_details", STRANGER, "DSTRANGER"),   # someone else's incident
    ("talk_now", STRANGER, "DSTRANGER"),
])
async def test_buttons_check_who_is_asking_and_change_nothing_for_others(
        slack: Haven, action: str, user: str, channel: str) -> None:
    await slack.command("he shoved me", trigger="trig-access")
    [alert] = await eventually(lambda: supervisor_posts(slack.fake))
    status, _ = await slack.interact(press_payload(action, REF, user=user, ts=alert["ts"], channel=channel))
    assert status == 200
    [refusal] = await slack.fake.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == user
    record = await detail(slack.runtime.db, REF)  # type: ignore[union-attr]
    assert record is not None and record["status"] == "open"
    assert [e["kind"] for e in record["events"]] == ["reported"]
    assert slack.fake.calls_to("views.open") == [] and slack.fake.calls_to("chat.update") == []
