"""Socket Mode: with SLACK_APP_TOKEN, Haven connects to the URL apps.connections.open
gives and answers envelopes over the WebSocket; /slack/events answers 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import APP_TOKEN, FakeSlack
from tests.slack.conftest import start_in_process
from tests.slack.support import EMPLOYEE, Haven, all_text, command_body


@pytest.fixture
async def socket_haven(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Haven]:
    server, running = await start_in_process(fake_slack, tmp_path, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    try:
        yield running
    finally:
        await running.close()
        await server.close()


def _command(text: str, trigger: str = "trig-sock") -> dict[str, str]:
    return {"token": "x", "team_id": "T0TEST", "channel_id": "CGENERAL", "user_id": EMPLOYEE,
            "command": "/abuse", "text": text, "trigger_id": trigger, "response_url": "https://hooks.invalid/x"}


async def test_a_slash_command_over_the_socket_is_answered_wellbeing_first(socket_haven: Haven) -> None:
    fake = socket_haven.fake
    [opened] = fake.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    await fake.wait_connected()
    answer = await fake.send_envelope("slash_commands", _command("he threatened me"))
    blocks = answer["payload"]["blocks"]
    assert blocks[0]["text"]["text"] == "First, take care of yourself"
    text = all_text(blocks)
    assert text.index("First, take care of yourself") < text.index("Logged as INC-2026-000001")
    [alert] = await fake.wait_for("chat.postMessage")
    assert alert.args["metadata"]["event_type"] == "haven_alert"


async def test_the_form_opens_after_the_socket_answer(socket_haven: Haven) -> None:
    fake = socket_haven.fake
    await fake.wait_connected()
    answer = await fake.send_envelope("slash_commands", _command(""))
    assert answer["payload"]["blocks"][0]["type"] == "header"
    [opened] = await fake.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "report_form"


async def test_a_malformed_envelope_is_acknowledged_and_ignored(socket_haven: Haven) -> None:
    fake = socket_haven.fake
    await fake.wait_connected()
    answer = await fake.send_envelope("interactive", {"type": "block_actions", "user": "nope", "actions": 1})
    assert "payload" not in answer
    answer = await fake.send_envelope("slash_commands", _command("still works", "trig-2"))
    assert "Logged as INC-" in all_text(answer["payload"]["blocks"])


async def test_slack_events_answers_404_in_socket_mode(socket_haven: Haven) -> None:
    status, _ = await socket_haven.post(command_body("he threatened me"))
    assert status == 404
    assert socket_haven.runtime is not None and socket_haven.runtime.ready["slack"] is True


async def test_socket_mode_with_a_bad_app_token_is_a_clear_error(fake_slack: FakeSlack, tmp_path: Path) -> None:
    from bot.app.config import ConfigError

    with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN: apps\.connections\.open failed"):
        await start_in_process(fake_slack, tmp_path, SLACK_APP_TOKEN="xapp-wrong", SLACK_SIGNING_SECRET="")


