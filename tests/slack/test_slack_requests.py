"""Haven checks every request to /slack/events before slack-bolt sees it: 401, 415, 400,
never a 500; Events API redeliveries run once."""

from __future__ import annotations

import json
import time

import pytest

from tests.slack.support import EMPLOYEE, SECRET, Haven, command_body, payload_body, sign

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


async def test_a_bad_signature_is_401_and_nothing_is_logged(haven: Haven) -> None:
    body = command_body("he threatened me")
    status, _ = await haven.post(body, headers=sign(body, secret="not-the-secret"))
    assert status == 401
    status, _ = await haven.post(body, signed=False)
    assert status == 401
    status, _ = await haven.post(body, headers={**sign(body), "X-Slack-Request-Timestamp": "abc"})
    assert status == 401
    assert haven.fake.calls_to("chat.postMessage") == []


async def test_a_signature_older_than_five_minutes_is_401(haven: Haven) -> None:
    body = command_body("he threatened me")
    status, _ = await haven.post(body, headers=sign(body, secret=SECRET, timestamp=int(time.time()) - 301))
    assert status == 401
    status, _ = await haven.post(body, headers=sign(body, secret=SECRET, timestamp=int(time.time()) - 240))
    assert status == 200


async def test_a_wrong_content_type_is_415(haven: Haven) -> None:
    body = command_body("he threatened me")
    status, _ = await haven.post(body, "text/plain")
    assert status == 415


MALFORMED = [
    (b"payload=%7Bbroken", FORM),
    (b"payload=[1,2]", FORM),
    (b"payload=%22text%22", FORM),
    (b"payload=", FORM),
    (b"%ZZ=%FF%FE", FORM),
    (b"no equals sign", FORM),
    (b"hello=world", FORM),
    (b"\xff\xfe\x00", FORM),
    (b"command=%2Fabuse&text=hi", FORM),  # no user
    (b'{"type": "event_callback", "event": ', JSON),
    (b"[1, 2]", JSON),
    (b'{"type": "event_callback", "event": "x", "event_id": "Ev1"}', JSON),
    (b'{"type": "url_verification"}', JSON),
    (payload_body({"type": "block_actions", "user": {"id": EMPLOYEE}, "actions": "x"}), FORM),
    (payload_body({"type": "block_actions", "user": "UEMPLOYEE", "actions": [{}]}), FORM),
    (payload_body({"type": "block_actions", "user": {"id": EMPLOYEE}, "actions": []}), FORM),
    (payload_body({"type": "view_submission", "user": {"id": EMPLOYEE}, "view": [1]}), FORM),
    (payload_body({"type": "message_action", "user": {"id": EMPLOYEE}}), FORM),
    (payload_body({"user": {"id": EMPLOYEE}}), FORM),
    (payload_body({"type": "something_else", "view": None}), FORM),
    (payload_body({"type": "something_else", "team": 7}), FORM),
    (payload_body({"type": "something_else", "authorizations": [1]}), FORM),
    (b'{"type": "event_callback", "event_id": "Ev9", "event": {"type": "x", "user": 5}}', JSON),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED, ids=range(len(MALFORMED)))
async def test_a_malformed_signed_body_is_400_never_500(haven: Haven, body: bytes, content_type: str) -> None:
    status, _ = await haven.post(body, content_type)
    assert status == 400


async def test_a_slash_command_whose_text_says_payload_is_still_a_report(haven: Haven) -> None:
    status, body = await haven.command("he read out the payload=1 of my order")
    assert status == 200
    assert "Logged as INC-" in json.dumps(body)


async def test_url_verification_is_answered(haven: Haven) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    status, answer = await haven.post(body, JSON)
    assert status == 200
    assert "abc123" in json.dumps(answer)


async def test_an_events_api_redelivery_runs_once(haven: Haven) -> None:
    event = {"type": "app_home_opened", "user": EMPLOYEE, "channel": "D1", "tab": "home"}
    first, _ = await haven.event(event, "EvSAME")
    again, _ = await haven.event(event, "EvSAME")
    assert (first, again) == (200, 200)
    await haven.fake.wait_for("views.publish")
    assert len(haven.fake.calls_to("views.publish")) == 1


async def test_an_unknown_button_is_acknowledged_and_refused(haven: Haven) -> None:
    payload = {"type": "block_actions", "user": {"id": EMPLOYEE}, "trigger_id": "t",
               "channel": {"id": "CGENERAL"}, "actions": [{"action_id": "launch", "value": "nothing"}]}
    status, _ = await haven.post(payload_body(payload))
    assert status == 200
    [refusal] = await haven.fake.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == EMPLOYEE
