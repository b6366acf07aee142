"""Helpers for the Slack tests: signed requests and Slack-shaped payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.app.runtime import Runtime
from tests.fakes.slack_api import FakeSlack

SECRET = "test-signing-secret"
SUPERVISORS = "CSUPERVISORS"
ESCALATION = "CESCALATION"
SUPERVISOR_IDS = ["USUP1", "USUP2", "USUP3"]  # the fake pages two at a time: USUP3 is on page 2
MANAGER = "UMANAGER"
EMPLOYEE = "UEMPLOYEE"
STRANGER = "USTRANGER"
FORM = "application/x-www-form-urlencoded"


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(text: str, *, user: str = EMPLOYEE, trigger: str = "trig-1", channel: str = "CGENERAL") -> bytes:
    return urlencode({"token": "x", "team_id": "T0TEST", "channel_id": channel, "user_id": user,
                      "command": "/abuse", "text": text, "trigger_id": trigger,
                      "response_url": "https://hooks.invalid/x"}).encode()


def payload_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def press_payload(action: str, value: str, *, user: str, channel: str = SUPERVISORS,
                  ts: str = "1700000000.000001", trigger: str = "trig-press") -> dict[str, Any]:
    return {
        "type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": user},
        "api_app_id": "A0HAVEN", "trigger_id": trigger,
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel}, "message": {"ts": ts, "text": "alert"},
        "actions": [{"type": "button", "action_id": action, "block_id": "b", "value": value,
                     "action_ts": "1700000001.0"}],
    }


def view_payload(kind: str, values: dict[str, Any], *, user: str = EMPLOYEE, view_id: str = "VFORM1",
                 metadata: str = "") -> dict[str, Any]:
    return {"type": kind, "team": {"id": "T0TEST"}, "user": {"id": user}, "api_app_id": "A0HAVEN",
            "view": {"id": view_id, "type": "modal", "callback_id": "report_form",
                     "private_metadata": metadata, "state": {"values": values}}}


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}}}


def form_state(**fields: dict[str, Any]) -> dict[str, Any]:
    return {fid: {fid: element} for fid, element in fields.items()}


def event_body(event: dict[str, Any], event_id: str = "Ev001") -> dict[str, Any]:
    return {"token": "x", "team_id": "T0TEST", "api_app_id": "A0HAVEN", "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()), "event": event}


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in a list of blocks, joined (for "is it in there" checks)."""
    return json.dumps(blocks, ensure_ascii=False)


@dataclass
class Haven:
    """A Haven server (in-process or a process) plus the fake Slack it talks to."""

    url: str
    fake: FakeSlack
    runtime: Runtime | None = None
    session: aiohttp.ClientSession = field(default_factory=aiohttp.ClientSession)

    async def post(self, body: bytes, content_type: str = FORM, *, headers: dict[str, str] | None = None,
                   signed: bool = True) -> tuple[int, Any]:
        sent = {"Content-Type": content_type, **(sign(body) if signed else {}), **(headers or {})}
        async with self.session.post(self.url + "/slack/events", data=body, headers=sent) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text

    async def command(self, text: str, **kw: Any) -> tuple[int, Any]:
        return await self.post(command_body(text, **kw))

    async def interact(self, payload: dict[str, Any]) -> tuple[int, Any]:
        return await self.post(payload_body(payload))

    async def event(self, event: dict[str, Any], event_id: str = "Ev001") -> tuple[int, Any]:
        return await self.post(json.dumps(event_body(event, event_id)).encode(), "application/json")

    async def close(self) -> None:
        await self.session.close()
