"""Slack payloads in, plain values out (pure): bodies, presses, forms, audiences."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from adapters.slack import parse
from bot.model.errors import BadRequest
from bot.model.messages import Audience
from tests.slack.support import command_body, press_payload


def test_a_command_body_is_read_as_sent_even_when_its_text_says_payload() -> None:
    body = parse.parse_body(command_body("the payload={x} was rude"), parse.FORM)
    command = parse.command(body)
    assert command == parse.Command(command="/abuse", user_id="UEMPLOYEE", text="the payload={x} was rude",
                                    trigger_id="trig-1", channel_id="CGENERAL")


def test_an_interactivity_body_is_its_payload() -> None:
    raw = urlencode({"payload": json.dumps(press_payload("acknowledge", "INC-2026-000001", user="USUP1"))}).encode()
    pressed = parse.press(parse.parse_body(raw, parse.FORM))
    assert pressed == parse.Press(user_id="USUP1", action_id="acknowledge", value="INC-2026-000001",
                                  channel_id="CSUPERVISORS", message_ts="1700000000.000001",
                                  trigger_id="trig-press", in_view=False)


def test_a_press_in_an_ephemeral_message_takes_the_container_channel() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "talk_now", "value": "INC-1"}],
               "container": {"type": "message", "message_ts": "1.2", "channel_id": "CX", "is_ephemeral": True}}
    pressed = parse.press(parse.check_payload(payload))
    assert (pressed.channel_id, pressed.message_ts) == ("CX", "1.2")


@pytest.mark.parametrize(("channel", "expected"), [
    ("CESC", Audience.ESCALATION), ("CSUP", Audience.SUPERVISORS), ("D123", Audience.USER),
    (None, Audience.USER), ("COTHER", Audience.SUPERVISORS),
])
def test_the_audience_follows_where_the_button_was(channel: str | None, expected: Audience) -> None:
    assert parse.audience(channel, supervisors="CSUP", escalation="CESC") is expected


def test_form_values_read_every_element_type() -> None:
    state = {
        "category": {"category": {"type": "static_select", "selected_option": {"value": "violence"}}},
        "description": {"description": {"type": "plain_text_input", "value": "he threw a chair"}},
        "occurred_at": {"occurred_at": {"type": "datetimepicker", "selected_date_time": 1796085000}},
        "contact_channel": {"contact_channel": {"type": "static_select", "selected_option": None}},
        "in_danger": {"in_danger": {"type": "checkboxes", "selected_options": [{"value": "true"}]}},
        "share_name": {"share_name": {"type": "checkboxes", "selected_options": []}},
        "held_minutes": {"held_minutes": {"type": "number_input", "value": "15"}},
        "evidence": {"evidence": {"type": "plain_text_input", "value": None}},
    }
    assert parse.form_values(state) == {
        "category": "violence", "description": "he threw a chair", "occurred_at": "1796085000",
        "contact_channel": None, "in_danger": True, "share_name": False, "held_minutes": "15", "evidence": None,
    }


def test_a_submission_keeps_its_view_id_and_metadata() -> None:
    body = {"type": "view_submission", "user": {"id": "U1"},
            "view": {"id": "V1", "callback_id": "report_form", "private_metadata": "INC-2026-000001",
                     "state": {"values": {}}}}
    sent = parse.submitted(parse.check_payload(body))
    assert (sent.user_id, sent.view_id, sent.callback_id, sent.metadata) == \
        ("U1", "V1", "report_form", "INC-2026-000001")


def test_a_message_shortcut_gives_text_channel_and_ts() -> None:
    body = {"type": "message_action", "user": {"id": "U1"}, "trigger_id": "t", "channel": {"id": "C1"},
            "message": {"ts": "1.5", "text": "rude words"}}
    assert parse.message_shortcut(parse.check_payload(body)) == parse.MessageShortcut(
        user_id="U1", trigger_id="t", channel_id="C1", message_ts="1.5", text="rude words")


def test_events_give_their_id_and_user() -> None:
    body = parse.parse_body(json.dumps({"type": "event_callback", "event_id": "Ev1",
                                        "event": {"type": "app_home_opened", "user": "U1"}}).encode(), parse.JSON)
    assert parse.event_id(body) == "Ev1" and parse.event_user(body) == "U1"


@pytest.mark.parametrize("raw", [
    b"payload=%7Bbroken", b"payload=[1,2]", b"payload=null", b"payload=%7B%7D", b"a=%FF", b"x", b"",
    b"command=abuse&user_id=U1", b"command=%2Fabuse&user_id=", b"command=%2Fabuse&user_id=" + b"U" * 100,
])
def test_malformed_form_bodies_are_bad_requests(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        parse.parse_body(raw, parse.FORM)


@pytest.mark.parametrize("raw", [b"{", b"[]", b"1", b'{"no": "type"}', b'{"type": "event_callback"}',
                                 b'{"type": "event_callback", "event": {"type": "x"}}', b"[" * 100000])
def test_malformed_json_bodies_are_bad_requests(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        parse.parse_body(raw, parse.JSON)


def test_media_type_ignores_parameters() -> None:
    assert parse.media_type("application/json; charset=utf-8") == parse.JSON
    assert parse.media_type(None) == ""
