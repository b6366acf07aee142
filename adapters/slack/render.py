"""Neutral messages as Block Kit (pure; no I/O).

Text written by people is escaped (``&``, ``<``, ``>``) so ``<!channel>`` in a report is
shown, never sent as a mention; Haven's own strings are escaped too, and only the
neutral mention token ``<@U…>`` is kept as a Slack mention. Everything is cut to
Block Kit's limits with a visible "(truncated)".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.model.clock import parse_instant
from bot.model.i18n import t
from bot.model.messages import Button, Fact, Message, Resource

Block = dict[str, Any]

SECTION_TEXT = 3000
FIELD_TEXT = 2000
CONTEXT_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
FALLBACK_TEXT = 3000
MESSAGE_BLOCKS = 50
FIELDS_PER_SECTION = 10
BUTTONS_PER_ACTIONS = 25
_ESCAPED_MENTION = re.compile(r"&lt;@([A-Za-z0-9_.:@-]+)&gt;")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_PARTIAL_TOKEN = re.compile(r"<[^<>]*$")


def escape(text: str) -> str:
    """Slack's three control characters; nothing a person types can become markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutral(text: str) -> str:
    """Haven's own text: escaped, except the neutral mention token ``<@U…>``."""
    return _ESCAPED_MENTION.sub(r"<@\1>", escape(text))


def truncated_mark(locale: str) -> str:
    return t(locale, "slack.truncated")


def cut(text: str, limit: int, locale: str = "en") -> str:
    """At most ``limit`` characters; longer text ends with "(truncated)", never inside an
    entity (``&amp;``) or a token (``<@U…>``)."""
    if len(text) <= limit:
        return text
    mark = " " + truncated_mark(locale)
    head = text[: max(0, limit - len(mark))]
    head = _PARTIAL_ENTITY.sub("", head)
    head = _PARTIAL_TOKEN.sub("", head)
    return head.rstrip() + mark


def user_text(text: str, limit: int, locale: str = "en") -> str:
    return cut(escape(text), limit, locale)


def plain(text: str, limit: int, locale: str = "en") -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit, locale) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text or " "}


def slack_date(iso_instant: str) -> str:
    """``<!date^…^{date_short_pretty} {time}|fallback>``: each viewer sees their own time zone."""
    moment = parse_instant(iso_instant).replace(tzinfo=UTC)
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


# -- messages ------------------------------------------------------------------------------


def blocks(message: Message, *, limit: int = MESSAGE_BLOCKS, with_buttons: bool = True) -> list[Block]:
    """The Block Kit blocks of one message (at most ``limit``)."""
    locale = message.locale
    out: list[Block] = []
    if message.title:
        out.append({"type": "header", "text": plain(message.title, HEADER_TEXT, locale)})
    body = neutral(message.text) if message.text else ""
    if message.mention_channel:
        body = f"<!here> {body}".rstrip()
    if body:
        out.append({"type": "section", "text": mrkdwn(cut(body, SECTION_TEXT, locale))})
    out.extend(_resource_block(res, locale) for res in message.resources)
    out.extend(_fact_blocks(message.facts, locale))
    context = _context(message)
    if context:
        out.append(context)
    if with_buttons:
        out.extend(_action_blocks(message.buttons, locale))
    if len(out) > limit:
        out = [*out[:limit - 1], {"type": "context", "elements": [mrkdwn(truncated_mark(locale))]}]
    return out


def _resource_block(res: Resource, locale: str) -> Block:
    state = t(locale, "wellbeing.open_now" if res.open_now else "wellbeing.closed_now")
    head = f"*{neutral(res.label)}*"
    if res.contact:
        head += f"  {neutral(res.contact)}"
    line = f"{head}\n_{neutral(state)}_ · {neutral(res.hours)}\n{neutral(res.text)}"
    return {"type": "section", "text": mrkdwn(cut(line, SECTION_TEXT, locale))}


def fact_text(fact: Fact, locale: str) -> str:
    label = f"*{neutral(fact.label)}*\n"
    room = FIELD_TEXT - len(label)
    value = user_text(fact.value, room, locale) if fact.user_text else cut(neutral(fact.value), room, locale)
    return label + value


def _fact_blocks(facts: tuple[Fact, ...], locale: str) -> list[Block]:
    fields = [mrkdwn(fact_text(f, locale)) for f in facts]
    return [{"type": "section", "fields": fields[i:i + FIELDS_PER_SECTION]}
            for i in range(0, len(fields), FIELDS_PER_SECTION)]


def _context(message: Message) -> Block | None:
    elements = []
    if message.note:
        elements.append(mrkdwn(cut(neutral(message.note), CONTEXT_TEXT, message.locale)))
    if message.timestamp:
        elements.append(mrkdwn(slack_date(message.timestamp)))
    return {"type": "context", "elements": elements} if elements else None


def button(b: Button, locale: str) -> Block:
    element: Block = {
        "type": "button",
        "action_id": b.action[:ACTION_ID],
        "text": plain(b.label, BUTTON_TEXT, locale),
        "value": b.value[:BUTTON_VALUE],
    }
    if b.style in ("primary", "danger"):
        element["style"] = b.style
    return element


def _action_blocks(buttons: tuple[Button, ...], locale: str) -> list[Block]:
    elements = [button(b, locale) for b in buttons]
    return [{"type": "actions", "elements": elements[i:i + BUTTONS_PER_ACTIONS]}
            for i in range(0, len(elements), BUTTONS_PER_ACTIONS)]


def fallback(message: Message) -> str:
    """The notification text that goes with the blocks (``text``)."""
    parts = [p for p in (message.title, message.text) if p]
    text = neutral("\n".join(parts))
    if message.mention_channel:
        text = f"<!here> {text}"
    return cut(text, FALLBACK_TEXT, message.locale) or " "


def metadata(kind: str, incident: str | None, outbox_id: int) -> dict[str, Any]:
    """Slack message metadata on every post: ``haven_<kind>`` with the incident and outbox id."""
    payload: dict[str, Any] = {"outbox_id": outbox_id}
    if incident:
        payload["incident"] = incident
    return {"event_type": f"haven_{kind}", "event_payload": payload}


def ephemeral(*messages: Message) -> dict[str, Any]:
    """A slash command's answer: the messages in order (wellbeing first), only for the caller."""
    out: list[Block] = []
    for i, message in enumerate(messages):
        if i:
            out.append({"type": "divider"})
        out.extend(blocks(message))
    if len(out) > MESSAGE_BLOCKS:
        out = out[:MESSAGE_BLOCKS]
    text = "\n\n".join(fallback(m) for m in messages)
    return {"response_type": "ephemeral", "text": cut(text, FALLBACK_TEXT), "blocks": out}


def answer(message: Message, *, public: bool) -> dict[str, Any]:
    """A ``/haven`` answer: a confirmation in the channel, or a private reply."""
    body = ephemeral(message)
    if public:
        body["response_type"] = "in_channel"
    return body


def epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())
