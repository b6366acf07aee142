"""Teams activities (as plain JSON dicts) → what Haven needs: commands, button data, form values.

Pure functions, no SDK import (the move from botbuilder to the Agents SDK changed nothing here).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

REPORT_WORDS = ("/abuse", "abuse", "報告", "カスハラ")
FORM_ACTION = "report_form"  # the form card's submit verb (Slack's callback_id)
TRIAGE_ACTION = "triage_submit"  # the re-triage card's submit verb (Slack's triage_form)
FORM_VERBS = {"report_form": FORM_ACTION, "triage_form": TRIAGE_ACTION}  # Form.name -> verb
FORMS = {verb: name for name, verb in FORM_VERBS.items()}  # verb -> Form.name
SITE_ACTION = "site_submit"  # the change-site card's submit verb (Slack's ``site_form``)
CHANNEL_VERBS = frozenset({"register", "unregister", "registrations"})
PERSONAL_VERBS = frozenset({"check", "hr"})
RESERVED = frozenset({"action", "incident", "value", "metadata", "msteams", "verb"})
_AT = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_REGISTER = re.compile(r"^register\s+(supervisors|escalation)$", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """What a typed message asks for: ``report`` (with optional text), ``help``,
    ``register`` (``audience`` = supervisors | escalation) or ``unknown``."""

    kind: str
    text: str = ""
    audience: str | None = None


@dataclass(frozen=True)
class ActionData:
    """A pressed card button or a submitted card (Action.Execute or Action.Submit)."""

    action: str
    value: str  # "INC-…", "INC-…:<id>", or the form's metadata
    inputs: dict[str, Any] = field(default_factory=dict)


def clean_text(text: str | None) -> str:
    """NFKC, ``<at>Haven</at>`` mentions and stray HTML removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _TAGS.sub(" ", _AT.sub(" ", text)).replace("&nbsp;", " ")
    return " ".join(text.split())


def parse_command(text: str | None) -> Command:
    """``abuse …`` / ``/abuse …`` / ``報告 …`` / ``カスハラ …``, ``help``, ``register …``."""
    cleaned = clean_text(text)
    lowered = cleaned.casefold()
    for word in REPORT_WORDS:
        if lowered == word:
            return Command("report")
        if lowered.startswith(word) and cleaned[len(word)] in " :":
            return Command("report", text=cleaned[len(word):].lstrip(" :").strip())
    if lowered in ("help", "/help", "ヘルプ"):
        return Command("help")
    if match := _REGISTER.match(cleaned):
        return Command("register", audience=match.group(1).lower())
    return Command("unknown", text=cleaned)


def shape_problem(body: Any) -> str | None:
    """Why a JSON body is not an activity Haven can handle, or None (checked before the SDK,
    which coerces any JSON into strings)."""
    if not isinstance(body, dict):
        return "the body is not an activity"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "the activity has no type"
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "the activity has no serviceUrl"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        return "the activity has no conversation"
    for name in ("from", "recipient", "channelData"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"the activity's {name} is malformed"
    if body.get("text") is not None and not isinstance(body["text"], str):
        return "the activity's text is malformed"
    return None


def strip_message_id(conversation_id: str) -> str:
    """``19:abc@thread.tacv2;messageid=123`` → ``19:abc@thread.tacv2`` (a new post, not a reply)."""
    return conversation_id.split(";messageid=", 1)[0]


def conversation_type(activity: dict[str, Any]) -> str:
    """``personal``, ``channel`` or ``groupChat`` (Teams sets conversation.conversationType)."""
    conversation = activity.get("conversation") or {}
    kind = conversation.get("conversationType")
    if kind:
        return str(kind)
    if (activity.get("channelData") or {}).get("channel"):
        return "channel"
    return "groupChat" if conversation.get("isGroup") else "personal"


def tenant_of(activity: dict[str, Any]) -> str | None:
    conversation = activity.get("conversation") or {}
    tenant = conversation.get("tenantId") or ((activity.get("channelData") or {}).get("tenant") or {}).get("id")
    return str(tenant) if tenant else None


def team_of(activity: dict[str, Any]) -> str | None:
    team = (activity.get("channelData") or {}).get("team") or {}
    return str(team["id"]) if team.get("id") else None


def channel_of(activity: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel id (``;messageid=`` stripped) and its name, when Teams sent them."""
    channel = (activity.get("channelData") or {}).get("channel") or {}
    channel_id = channel.get("id") or (activity.get("conversation") or {}).get("id")
    return (strip_message_id(str(channel_id)) if channel_id else None), channel.get("name")


def user_of(activity: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(AAD object id, Teams user id ``29:…``, display name) of the sender."""
    sender = activity.get("from") or {}
    return sender.get("aadObjectId"), sender.get("id"), sender.get("name")


def action_data(activity: dict[str, Any]) -> ActionData | None:
    """Button data from an ``adaptiveCard/action`` invoke, or the same data as an
    Action.Submit ``value`` on a message; None when there is none."""
    value = activity.get("value")
    if not isinstance(value, dict):
        return None
    if activity.get("type") == "invoke":
        action = value.get("action")
        if not isinstance(action, dict):
            return None
        found = action.get("data")
        data: dict[str, Any] = found if isinstance(found, dict) else {}
        name = data.get("action") or action.get("verb")
    else:
        data, name = value, value.get("action")
    if not isinstance(name, str) or not name:
        return None
    ref = data.get("value") or data.get("incident") or data.get("metadata") or ""
    inputs = {k: v for k, v in data.items() if k not in RESERVED}
    return ActionData(action=name, value=str(ref), inputs=inputs)


def haven_word(text: str | None) -> str | None:
    """The first word when it is one of Haven's words other than reporting (``check``,
    ``hr``, ``register``, ``unregister``, ``registrations``), else None."""
    word = clean_text(text).partition(" ")[0].casefold()
    return word if word in CHANNEL_VERBS | PERSONAL_VERBS else None
