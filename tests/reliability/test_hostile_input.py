"""Hostile and broken input at both endpoints, over real HTTP: a 4xx or a calm answer,
never a 500 or an unhandled exception, and a real report still works right after."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.clock import FakeClock
from bot.app.records import detail
from tests.fakes.bot_connector import FakeBotConnector
from tests.slack.support import SUPERVISORS, Haven, command_body
from tests.teams import activities as act
from tests.teams.conftest import NOW as TEAMS_NOW
from tests.teams.conftest import Teams, start_teams
from tests.support.serve import eventually

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
HOSTILE = [
    "a" * 100_000,
    "ctrl \x00\x01\x07\x1b[31m\u202e\ufeff end",
    "お客様に「土下座しろ」と怒鳴られました",
    "😡🔥👊 he threw 🍵",
    "قال لي كلاما مهينا جدا",
    "<!channel> <@U123> &amp; *bold* `code`",
    "／ａｂｕｓｅ　全角",
]
text = st.text(max_size=300)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
ACTIONS = ["acknowledge", "resolve", "approve", "add_details", "followup_ok", "no_such_action", "", "💥"]
TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action", "nonsense", ""]


def unexpected(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("haven")]


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[Teams]:
    import aiohttp

    async with FakeBotConnector() as connector, aiohttp.ClientSession() as http:
        runtime, server = await start_teams(tmp_path, {}, FakeClock(TEAMS_NOW))
        try:
            yield Teams(server, connector, runtime, http)
        finally:
            await server.close()


slack_payloads = st.fixed_dictionaries({
    "type": st.sampled_from(TYPES) | text,
    "user": st.one_of(st.fixed_dictionaries({"id": st.sampled_from(["USUP1", "UEMPLOYEE", ""]) | text}), json_values),
    "actions": st.lists(st.fixed_dictionaries({"action_id": st.sampled_from(ACTIONS) | text,
                                               "value": st.sampled_from(["INC-2026-000001", "INC-9", ""]) | text}),
                        max_size=2) | json_values,
    "view": json_values,
    "container": json_values,
    "channel": json_values,
})
slack_bodies = st.one_of(
    st.binary(max_size=500).map(lambda b: (b, "application/x-www-form-urlencoded")),
    slack_payloads.map(lambda p: (urlencode({"payload": json.dumps(p)}).encode(), "application/x-www-form-urlencoded")),
    json_values.map(lambda v: (urlencode({"payload": json.dumps(v)}).encode(), "application/x-www-form-urlencoded")),
    json_values.map(lambda v: (json.dumps(v).encode(), "application/json")),
    st.dictionaries(st.sampled_from(["command", "text", "user_id", "trigger_id", "channel_id", "type"]), text)
    .map(lambda d: (urlencode(d).encode(), "application/x-www-form-urlencoded")),
    st.binary(max_size=200).map(lambda b: (b"{" + b, "application/json")),
)


@FUZZ
@given(body=slack_bodies)
async def test_fuzzed_slack_requests_never_get_a_500(slack: Haven, body: tuple[bytes, str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    status, _ = await slack.post(body[0], body[1])
    assert status < 500, body
    assert unexpected(caplog) == []


async def test_after_fuzzing_slack_a_real_report_still_works(slack: Haven) -> None:
    await slack.post(b"payload=%7B%22type", "application/x-www-form-urlencoded")
    await slack.post(b"\xff\xfe", "application/json")
    status, body = await slack.command("he threw a cup")
    assert status == 200 and "INC-2026-000001" in json.dumps(body)


@pytest.mark.parametrize("words", HOSTILE, ids=["100KB", "control", "japanese", "emoji", "rtl", "markup", "fullwidth"])
async def test_hostile_report_text_is_logged_whole_or_answered_calmly(slack: Haven, words: str) -> None:
    status, body = await slack.post(command_body(words, trigger="trig-hostile"))
    assert status == 200
    assert "INC-2026-000001" in json.dumps(body, ensure_ascii=False)
    record = await detail(slack.runtime.db, "INC-2026-000001")  # type: ignore[union-attr]
    assert record is not None and record["description"]
    for part in ("土下座", "😡", "مهينا", "<!channel>"):
        if part in words:
            assert part in record["description"]


teams_activities = st.fixed_dictionaries({
    "type": st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate", ""]) | text,
    "name": st.sampled_from(["adaptiveCard/action", ""]) | text,
    "text": text,
    "value": json_values | st.fixed_dictionaries({"action": st.sampled_from(ACTIONS) | text,
                                                  "incident": st.sampled_from(["INC-2026-000001", ""]) | text}),
    "from": json_values | st.just({"id": "29:x", "aadObjectId": act.REPORTER}),
    "conversation": json_values | st.just({"id": "a:personal", "conversationType": "personal"}),
    "channelData": json_values,
    "id": text,
})


@FUZZ
@given(activity=teams_activities, broken=st.booleans())
async def test_fuzzed_teams_activities_never_get_a_500(teams: Teams, activity: dict[str, Any], broken: bool,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    activity = {**activity, "serviceUrl": teams.service_url, "channelId": "msteams", "recipient": {"id": "28:bot"}}
    body = json.dumps(activity)
    response = await teams.post(body[: len(body) // 2] if broken else body)
    assert response.status < 500, activity
    assert unexpected(caplog) == []


async def test_after_fuzzing_teams_a_real_report_still_works(teams: Teams) -> None:
    await teams.post(b"{not json")
    await teams.post(json.dumps({"type": "message", "text": 5, "from": []}))
    response = await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse he threw a cup"))
    assert response.status in (200, 201)
    await teams.drain()
    assert "INC-2026-000001" in "\n".join(c.text for c in teams.connector.posts())


async def test_an_unexpected_error_reaches_the_user_with_a_code_that_is_in_the_log(
        slack: Haven, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    assert slack.runtime is not None

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(" ".join(["secret", "words"]))  # built, so the source line in the trace differs

    monkeypatch.setattr(slack.runtime.haven, "press", broken)
    status, _body = await slack.interact({"type": "block_actions", "user": {"id": "USUP1"}, "trigger_id": "t",
                                         "container": {"type": "message", "message_ts": "1.1",
                                                       "channel_id": SUPERVISORS},
                                         "channel": {"id": SUPERVISORS},
                                         "actions": [{"action_id": "acknowledge", "value": "INC-2026-000001"}]})
    assert status < 500
    errors = [r for r in caplog.records if r.name == "haven.errors"]
    assert errors, "logged with a reference code"
    code = str(errors[0].args[-1])
    assert "Traceback" in caplog.text and "RuntimeError" in caplog.text
    assert "secret words" not in caplog.text
    told = await eventually(
        lambda: [c for c in slack.fake.calls_to("chat.postEphemeral") if code in json.dumps(c.args)])
    assert told[0].args["user"] == "USUP1", "the user sees the same code"
