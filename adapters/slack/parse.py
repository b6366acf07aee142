"""Slack payloads in, plain values out (pure; no I/O).

Every body is checked here before slack-bolt sees it: bolt parses before it verifies
and answers 500 to a payload it cannot read, and its form parser loses a slash
command whose text contains the word "payload". Anything malformed raises
:class:`bot.model.errors.BadRequest` (a 400), never an exception that becomes a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from bot.model.errors import BadRequest
from bot.model.messages import Audience

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_PAYLOAD_TYPES = {
    "block_actions": ("user", "actions"),
    "view_submission": ("user", "view"),
    "view_closed": ("user", "view"),
    "message_action": ("user", "message", "channel"),
    "shortcut": ("user",),
    "block_suggestion": ("user",),
}


@dataclass(frozen=True)
class Command:
    """A slash command (``/abuse`` with or without text)."""

    command: str
    user_id: str
    text: str
    trigger_id: str | None
    channel_id: str | None


@dataclass(frozen=True)
class Press:
    """One button press from a ``block_actions`` payload."""

    user_id: str
    action_id: str
    value: str
    channel_id: str | None
    message_ts: str | None
    trigger_id: str | None
    in_view: bool  # pressed in a modal or App Home, not in a message


@dataclass(frozen=True)
class Submitted:
    """A ``view_submission`` or ``view_closed`` of the report form."""

    user_id: str
    view_id: str
    callback_id: str
    values: dict[str, object]
    metadata: str


@dataclass(frozen=True)
class MessageShortcut:
    """The ``report_message`` message shortcut."""

    user_id: str
    trigger_id: str | None
    channel_id: str | None
    message_ts: str | None
    text: str


# -- bodies ----------------------------------------------------------------------------


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """The request body as a dict, checked enough that no listener can trip over it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("body is not UTF-8") from None
    if content_type == JSON:
        body = _json_object(text, "body")
        return check_envelope(body)
    return _form(text)


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{what} is not a JSON object")
    return value


def _form(text: str) -> dict[str, Any]:
    try:
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=True, errors="strict",
                          max_num_fields=200)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("malformed form body") from None
    form = {key: values[0] for key, values in fields.items()}
    if "payload" in form:
        return check_payload(_json_object(form["payload"], "payload"))
    if "command" in form:
        return check_command(form)
    if form.get("ssl_check"):
        return form
    raise BadRequest("unknown form body")


def check_command(form: dict[str, Any]) -> dict[str, Any]:
    if not str(form.get("command", "")).startswith("/") or not _id(form.get("user_id")):
        raise BadRequest("command without a command or a user")
    return form


def check_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """An interactivity payload: its type and the parts Haven reads must have the right shape."""
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadRequest("payload without a type")
    for part in _PAYLOAD_TYPES.get(kind, ()):
        if not isinstance(payload.get(part), (dict, list)):
            raise BadRequest(f"{kind} payload without {part}")
    user = payload.get("user")
    if kind in _PAYLOAD_TYPES and not (isinstance(user, dict) and _id(user.get("id"))):
        raise BadRequest("payload without a user id")
    if kind == "block_actions":
        actions = payload["actions"]
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            raise BadRequest("block_actions without actions")
    return check_shapes(payload)


_OBJECTS = ("view", "container", "event", "message", "previous_message")
_IDS = ("enterprise", "team", "user", "channel")


def check_shapes(body: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """The parts slack-bolt reads from any body (to find the team, user and channel, even
    for a request no listener handles) must have the types it assumes."""
    for part in _OBJECTS:
        if part in body and not isinstance(body[part], dict):
            raise BadRequest(f"{part} is not an object")
    for part in _IDS:
        if body.get(part) is not None and not isinstance(body[part], (str, dict)):
            raise BadRequest(f"{part} is neither an id nor an object")
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
            isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)):
        raise BadRequest("authorizations is not a list of objects")
    if depth < 2:
        for part in ("event", "message", "previous_message"):
            if isinstance(body.get(part), dict):
                check_shapes(body[part], depth + 1)
        for item in authorizations or ():
            check_shapes(item, depth + 1)
    return body


def check_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """An Events API body (or a Socket Mode ``events_api`` payload)."""
    kind = body.get("type")
    if not isinstance(kind, str):
        raise BadRequest("event body without a type")
    if kind == "url_verification" and not isinstance(body.get("challenge"), str):
        raise BadRequest("url_verification without a challenge")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise BadRequest("event_callback without an event")
        if not isinstance(body.get("event_id"), str):
            raise BadRequest("event_callback without an event_id")
    return check_shapes(body)


def event_id(body: dict[str, Any]) -> str | None:
    value = body.get("event_id")
    return value if body.get("type") == "event_callback" and isinstance(value, str) else None


def _id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- what listeners read ------------------------------------------------------------------


def command(body: dict[str, Any]) -> Command:
    return Command(
        command=str(body.get("command", "")),
        user_id=str(body.get("user_id", "")),
        text=str(body.get("text") or ""),
        trigger_id=_str(body.get("trigger_id")),
        channel_id=_str(body.get("channel_id")),
    )


def press(body: dict[str, Any]) -> Press:
    action = _dict(body.get("actions", [{}])[0])
    container = _dict(body.get("container"))
    channel = _str(_dict(body.get("channel")).get("id")) or _str(container.get("channel_id"))
    message_ts = _str(container.get("message_ts")) or _str(_dict(body.get("message")).get("ts"))
    return Press(
        user_id=str(_dict(body.get("user")).get("id", "")),
        action_id=str(action.get("action_id") or ""),
        value=str(action.get("value") or ""),
        channel_id=channel,
        message_ts=message_ts,
        trigger_id=_str(body.get("trigger_id")),
        in_view=container.get("type") == "view" or ("view" in body and "message" not in body),
    )


def audience(channel_id: str | None, *, supervisors: str | None, escalation: str | None) -> Audience:
    """Where a pressed message lives: the escalation channel, a DM, or a channel."""
    if channel_id and escalation and channel_id == escalation:
        return Audience.ESCALATION
    if channel_id and supervisors and channel_id == supervisors:
        return Audience.SUPERVISORS
    if not channel_id or channel_id.startswith("D"):
        return Audience.USER
    return Audience.SUPERVISORS


def submitted(body: dict[str, Any]) -> Submitted:
    view = _dict(body.get("view"))
    return Submitted(
        user_id=str(_dict(body.get("user")).get("id", "")),
        view_id=str(view.get("id") or ""),
        callback_id=str(view.get("callback_id") or ""),
        values=form_values(_dict(_dict(view.get("state")).get("values"))),
        metadata=str(view.get("private_metadata") or ""),
    )


def form_values(state: dict[str, Any]) -> dict[str, object]:
    """``view.state.values`` → field id → value (block_id = action_id = the field id)."""
    values: dict[str, object] = {}
    for block_id, actions in state.items():
        element = _dict(_dict(actions).get(block_id)) or next(
            (a for a in _dict(actions).values() if isinstance(a, dict)), {})
        values[str(block_id)] = element_value(element)
    return values


def element_value(element: dict[str, Any]) -> object:
    """The value of one input element, whatever its type."""
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return _str(_dict(element.get("selected_option")).get("value"))
    if kind == "checkboxes":
        options = element.get("selected_options")
        return bool(isinstance(options, list) and options)
    if kind == "datetimepicker":
        moment = element.get("selected_date_time")
        return str(moment) if isinstance(moment, int) and not isinstance(moment, bool) else None
    if kind == "datepicker":
        return _str(element.get("selected_date"))
    value = element.get("value")
    return value if isinstance(value, str) else None


def message_shortcut(body: dict[str, Any]) -> MessageShortcut:
    message = _dict(body.get("message"))
    return MessageShortcut(
        user_id=str(_dict(body.get("user")).get("id", "")),
        trigger_id=_str(body.get("trigger_id")),
        channel_id=_str(_dict(body.get("channel")).get("id")),
        message_ts=_str(message.get("ts")),
        text=str(message.get("text") or ""),
    )


def event_user(body: dict[str, Any]) -> str | None:
    """The user of an ``app_home_opened`` event."""
    return _str(_dict(body.get("event")).get("user"))
