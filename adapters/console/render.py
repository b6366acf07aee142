"""Neutral messages as plain terminal text (pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.model.i18n import t
from bot.model.messages import MENTION, Form, FormField, Message

HINTS = {"datetime": "console.hint_datetime", "number": "console.hint_number", "select": "console.hint_select"}


def plain(text: str, names: Callable[[str], str] = str) -> str:
    """Mentions as ``@name`` (``names`` turns a user id into the name shown)."""
    return MENTION.sub(lambda m: "@" + names(m.group(1)), text)


def render_message(message: Message, *, numbers: list[int] | None = None,
                   names: Callable[[str], str] = str) -> list[str]:
    """Lines for one message; ``numbers`` are the console's button numbers, in order."""
    lines: list[str] = []
    if message.mention_channel:
        lines.append("@here")
    if message.title:
        lines.append(f"== {plain(message.title, names)} ==")
    lines.extend(plain(message.text, names).splitlines())
    if message.resources:
        lines.append(t(message.locale, "wellbeing.resources"))
        for res in message.resources:
            state = t(message.locale, "wellbeing.open_now" if res.open_now else "wellbeing.closed_now")
            contact = f" {res.contact}" if res.contact else ""
            status = t(message.locale, "wellbeing.status_hours", state=state, hours=res.hours)
            lines.append(f"  - {res.label}{contact} {status}")
            lines.append(f"    {res.text}")
    for fact in message.facts:
        value = plain(fact.value, names) if not fact.user_text else fact.value
        lines.append("  " + t(message.locale, "console.fact", label=fact.label, value=value))
    if message.note:
        lines.extend(f"  {plain(line, names)}" for line in message.note.splitlines())
    for number, button in zip(numbers or [], message.buttons, strict=False):  # no numbers: no lines
        lines.append(f"  [{number}] {button.label}")
    return lines


def field_prompt(form_field: FormField, locale: str) -> list[str]:
    """How one form question is asked: the question, then what to type (format, choices)."""
    mark = " *" if form_field.required else ""
    lines = [f"{form_field.label}{mark}"]
    if form_field.kind in HINTS:
        lines.append("  " + t(locale, HINTS[form_field.kind]))
    if form_field.kind == "select":
        for i, choice in enumerate(form_field.choices, start=1):
            lines.append(f"  {i}. {choice.label}")
    elif form_field.kind == "checkbox":
        lines[0] += t(locale, "console.hint_yes_no")
    if form_field.initial and form_field.kind != "checkbox":
        lines.append("  " + t(locale, "console.initial", value=initial_shown(form_field)))
    return lines


def initial_shown(form_field: FormField) -> str:
    """What Enter keeps: a choice by its label, anything else as it stands."""
    chosen = next((c.label for c in form_field.choices if c.value == form_field.initial), None)
    return chosen if form_field.kind == "select" and chosen else str(form_field.initial)


def form_header(form: Form) -> list[str]:
    return [f"== {form.title} ==", t(form.locale, "console.form_intro")]


def trail(data: dict[str, Any], names: Callable[[str], str] = str) -> list[str]:
    """``:show``: the incident's header and audit trail, as the composition root described
    them (``shown``: names in the console's language, times in the policy's time zone)."""
    shown = data["shown"]
    lines = ["  ".join([data["id"], shown["status"], shown["severity"], shown["category"]])]
    for event in shown["events"]:
        option = f"  {event['option']}" if event.get("option") else ""
        lines.append(f"  {event['at']}  {event['name']}{option}  {names(event['actor'])}")
    return lines
