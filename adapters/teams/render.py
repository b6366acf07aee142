"""Neutral messages and forms → Adaptive Cards (the only place Haven writes card JSON).

Pure functions returning plain dicts; ``names`` maps user ids (AAD object ids) to
display names so the neutral ``<@id>`` token can become a Teams mention.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.teams.parse import FORM_VERBS, SITE_ACTION
from bot.model.i18n import t
from bot.model.messages import MENTION, SITE_FORM, Button, Form, FormField, Message

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"  # Action.Execute (Universal Actions)
USER_TEXT_LIMIT = 1000
_MENTION_TAG = re.compile(r"<(/?at\b)", re.IGNORECASE)
_STYLES = {"primary": "positive", "danger": "destructive"}


def user_text(text: str, locale: str, limit: int = USER_TEXT_LIMIT) -> str:
    """User text for a ``TextRun`` (never parsed as markdown, so nothing is escaped): at most
    ``limit`` characters, and no ``<at>`` tag that could pose as a mention."""
    if len(text) > limit:
        text = text[:limit].rstrip() + " " + t(locale, "teams.truncated")
    return _MENTION_TAG.sub(r"＜\1", text)


def plain_block(text: str, **style: Any) -> dict[str, Any]:
    """Text shown exactly as written: a ``RichTextBlock`` with one ``TextRun``."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text}], **style}


class Mentions:
    """Renders ``<@id>`` tokens and collects the card's mention entities."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.entities: list[dict[str, Any]] = []

    def __call__(self, text: str) -> str:
        return MENTION.sub(self._one, text)

    def _one(self, match: re.Match[str]) -> str:
        user_id = match.group(1)
        name = self.names.get(user_id)
        if not name:
            return user_id
        tag = f"<at>{_plain_name(name)}</at>"
        if not any(e["text"] == tag and e["mentioned"]["id"] == user_id for e in self.entities):
            self.entities.append({"type": "mention", "text": tag,
                                  "mentioned": {"id": user_id, "name": name}})
        return tag


def _plain_name(name: str) -> str:
    return name.replace("<", "").replace(">", "")


def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def button_action(button: Button) -> dict[str, Any]:
    """``Action.Execute``: verb = action id, data = {action, incident[, value]} (spec section 4)."""
    incident = button.value.split(":", 1)[0]
    data: dict[str, Any] = {"action": button.action, "incident": incident}
    if ":" in button.value:
        data["value"] = button.value
    action: dict[str, Any] = {"type": "Action.Execute", "title": button.label,
                              "verb": button.action, "data": data}
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action


def message_card(message: Message, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One card for one message: title, text, wellbeing resources, facts, note, buttons."""
    mentions = Mentions(names or {})
    body: list[dict[str, Any]] = []
    if message.title:
        body.append(_block(mentions(message.title), weight="Bolder", size="Medium"))
    if message.text:
        body.append(_block(mentions(message.text)))
    body.extend(_resources(message))
    body.extend(_facts(message, mentions))
    if message.note:
        body.append(_block(mentions(message.note), isSubtle=True, size="Small"))
    return _card(body, [button_action(b) for b in message.buttons], mentions.entities)


def _facts(message: Message, mentions: Mentions) -> list[dict[str, Any]]:
    """Haven's own facts in ``FactSet``s; a fact whose value a person wrote becomes its label
    and a ``RichTextBlock`` (Teams renders ``FactSet`` values as markdown)."""
    blocks: list[dict[str, Any]] = []
    for fact in message.facts:
        if fact.user_text:
            blocks.append(_block(fact.label, weight="Bolder", spacing="Small"))
            blocks.append(plain_block(user_text(fact.value, message.locale), spacing="None"))
        elif blocks and blocks[-1]["type"] == "FactSet":
            blocks[-1]["facts"].append({"title": fact.label, "value": mentions(fact.value)})
        else:
            blocks.append({"type": "FactSet", "facts": [{"title": fact.label, "value": mentions(fact.value)}]})
    return blocks


def _resources(message: Message) -> list[dict[str, Any]]:
    if not message.resources:
        return []
    locale = message.locale
    items: list[dict[str, Any]] = [_block(t(locale, "wellbeing.resources"), weight="Bolder")]
    for res in message.resources:
        state = t(locale, "wellbeing.open_now" if res.open_now else "wellbeing.closed_now")
        contact = f" {res.contact}" if res.contact else ""
        status = t(locale, "wellbeing.status_hours", state=state, hours=res.hours)
        items.append(_block(f"**{res.label}**{contact} {status}", spacing="Small"))
        items.append(_block(res.text, isSubtle=True, spacing="None"))
    return [{"type": "Container", "items": items}]


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]],
          entities: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION,
                            "body": body, "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    if entities:
        card["msteams"]["entities"] = entities
    return card


def form_verb(form: Form) -> str:
    """``report_form``, or ``site_submit`` for the change-site card (spec 8.7)."""
    return SITE_ACTION if form.name == SITE_FORM else FORM_VERBS[form.name]


def form_card(form: Form) -> dict[str, Any]:
    """A form: one ``Input.*`` per field (id = the spec's field id), errors in red under
    their field, submitted with ``Action.Execute`` verb ``report_form`` (the report) or
    ``triage_submit`` (the re-triage form)."""
    locale = form.locale
    body: list[dict[str, Any]] = [_block(form.title, weight="Bolder", size="Medium")]
    if form.errors:
        body.append(_block(t(locale, "teams.form_errors"), color="Attention"))
    for field in form.fields:
        body.append(_input(field))
        if field.id in form.errors:
            body.append(_block(form.errors[field.id], color="Attention", size="Small", spacing="None"))
    verb = form_verb(form)
    submit = {"type": "Action.Execute", "title": form.submit, "verb": verb, "style": "positive",
              "data": {"action": verb, "metadata": form.private_metadata}}
    return _card(body, [submit], [])


def _input(field: FormField) -> dict[str, Any]:
    label = field.label
    common: dict[str, Any] = {"id": field.id, "label": label}
    if field.required:
        common["isRequired"] = True
        common["errorMessage"] = label
    if field.kind == "select":
        choices = [{"title": c.label, "value": c.value} for c in field.choices]
        item = {"type": "Input.ChoiceSet", "style": "compact", "choices": choices, **common}
    elif field.kind == "checkbox":
        item = {"type": "Input.Toggle", "title": field.choices[0].label if field.choices else label,
                "valueOn": "true", "valueOff": "false", "value": field.initial or "false", **common}
        return item
    elif field.kind == "number":
        item = {"type": "Input.Number", "min": 0, **common}
        number = _number(field.initial)
        if number is not None:
            item["value"] = number
        return item
    else:
        item = {"type": "Input.Text", "isMultiline": field.kind in ("multiline", "url"), **common}
        if field.max_length:
            item["maxLength"] = field.max_length
        if field.kind == "datetime":
            item["placeholder"] = "2026-12-01 14:30"
    if field.initial is not None:
        item["value"] = field.initial
    return item


def _number(text: str | None) -> int | float | None:
    """A prefilled ``Input.Number`` value as a JSON number (the schema's type), or None."""
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def invoke_card(card: dict[str, Any]) -> dict[str, Any]:
    """The body of an ``adaptiveCard/action`` invoke response that replaces the card."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def invoke_message(text: str) -> dict[str, Any]:
    """An invoke response that shows ``text`` to the person who pressed, card unchanged."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def summary(message: Message, names: Mapping[str, str] | None = None) -> str:
    """A one-line plain summary (notifications, clients without cards)."""
    mentions = Mentions(names or {})
    head = message.title or message.text.split("\n", 1)[0]
    return re.sub(r"</?at>", "", mentions(head))[:200]


def channel_mention(channel_id: str, name: str) -> tuple[str, dict[str, Any]]:
    """Text and entity mentioning a whole channel (critical alerts)."""
    tag = f"<at>{_plain_name(name)}</at>"
    return tag, {"type": "mention", "text": tag,
                 "mentioned": {"id": channel_id, "name": name, "conversationIdentityType": "channel"}}
