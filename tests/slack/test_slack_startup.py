"""Start-up: Haven refuses an unsafe Slack set-up with one clear line, and runs
end to end as a real `haven serve` process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app.config import ConfigError, load_settings
from bot.app.runtime import build_runtime
from bot.app.server import create_app
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import slack_env, start_in_process
from tests.slack.support import SUPERVISORS, Haven, all_text
from tests.support.serve import haven_env, start_haven


@pytest.mark.parametrize(("flags", "problem"), [
    ({"is_private": False}, "is public"),
    ({"is_ext_shared": True}, "shared with another organisation"),
    ({"is_shared": True}, "shared with another organisation"),
    ({"is_member": False}, "invite it"),
])
async def test_refuses_to_start_with_an_unfit_supervisors_channel(
        fake_slack: FakeSlack, tmp_path: Path, flags: dict[str, bool], problem: str) -> None:
    fake_slack.add_channel(SUPERVISORS, ["USUP1"], **flags)
    with pytest.raises(ConfigError) as caught:
        await start_in_process(fake_slack, tmp_path)
    assert str(caught.value).startswith("HAVEN_SLACK_SUPERVISOR_CHANNEL: channel CSUPERVISORS")
    assert problem in str(caught.value)


async def test_refuses_to_start_with_an_unknown_channel_or_a_bad_token(fake_slack: FakeSlack, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HAVEN_SLACK_SUPERVISOR_CHANNEL: cannot read channel CNOPE"):
        await start_in_process(fake_slack, tmp_path, HAVEN_SLACK_SUPERVISOR_CHANNEL="CNOPE")
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN: .*invalid_auth"):
        await start_in_process(fake_slack, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong")


@pytest.mark.parametrize(("missing", "variable"), [
    ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET: required"),
    ("HAVEN_SLACK_SUPERVISOR_CHANNEL", "HAVEN_SLACK_SUPERVISOR_CHANNEL: required"),
])
def test_refuses_to_start_without_required_settings(
        fake_slack: FakeSlack, tmp_path: Path, missing: str, variable: str) -> None:
    settings = load_settings(slack_env(fake_slack, tmp_path, **{missing: ""}))
    with pytest.raises(ConfigError, match=variable):
        create_app(build_runtime(settings))


async def test_bolt_reuses_the_start_up_auth_test(haven: Haven) -> None:
    await haven.command("he threatened me")
    await haven.command("", trigger="trig-2")
    assert len(haven.fake.calls_to("auth.test")) == 1


async def test_healthz_waits_for_slack_to_be_ready(haven: Haven) -> None:
    assert haven.runtime is not None and haven.runtime.ready["slack"] is True
    async with haven.session.get(haven.url + "/healthz") as response:
        assert response.status == 200


async def test_serve_exits_with_one_clear_line_for_a_public_channel(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.add_channel(SUPERVISORS, ["USUP1"], is_private=False)
    process = start_haven(_process_env(slack_env(fake_slack, tmp_path)), tmp_path, wait=False)
    code = await asyncio.to_thread(process.process.wait, 30)
    assert code != 0
    assert "haven: HAVEN_SLACK_SUPERVISOR_CHANNEL: channel CSUPERVISORS is public" in process.output()
    assert "Traceback" not in process.output()


async def test_serve_answers_abuse_and_alerts_end_to_end(fake_slack: FakeSlack, tmp_path: Path) -> None:
    process = await asyncio.to_thread(start_haven, _process_env(slack_env(fake_slack, tmp_path)), tmp_path)
    running = Haven(url=process.url, fake=fake_slack)
    try:
        status, body = await running.command("he threatened me")
        assert status == 200
        assert body["blocks"][0]["text"]["text"] == "First, take care of yourself"
        assert "Logged as INC-" in all_text(body["blocks"])
        [alert] = await fake_slack.wait_for("chat.postMessage")
        assert alert.args["channel"] == SUPERVISORS
        assert alert.args["metadata"]["event_type"] == "haven_alert"
    finally:
        await running.close()
        await asyncio.to_thread(process.stop)


def _process_env(env: dict[str, str]) -> dict[str, str]:
    return haven_env(Path("."), env.pop("HAVEN_DATABASE_URL"), **env)
