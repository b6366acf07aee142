"""Neutral messages as plain terminal text (pure)."""

from __future__ import annotations

from bot.model.i18n import t
from bot.model.messages import MENTION, Form, FormField, Message


def plain(text: str) -> str:
    """Mentions as ``@name``; nothing else to translate in a terminal."""
    return MENTION.sub(lambda m: "@" + m.group(1), text)


def render_message(message: Message, *, numbers: list[int] | None = None) -> list[str]:
    """Lines for one message; ``numbers`` are the console's button numbers, in order."""
    lines: list[str] = []
    if message.mention_channel:
        lines.append("@here")
    if message.title:
        lines.append(f"== {plain(message.title)} ==")
    lines.extend(plain(message.text).splitlines())
    if message.resources:
        lines.append(t(message.locale, "wellbeing.resources") + ":")
        for res in message.resources:
            state = t(message.locale, "wellbeing.open_now" if res.open_now else "wellbeing.closed_now")
            contact = f" {res.contact}" if res.contact else ""
            lines.append(f"  - {res.label}{contact} [{state}; {res.hours}]")
            lines.append(f"    {res.text}")
    for fact in message.facts:
        lines.append(f"  {fact.label}: {plain(fact.value) if not fact.user_text else fact.value}")
    if message.note:
        lines.extend(f"  {plain(line)}" for line in message.note.splitlines())
    for number, button in zip(numbers or [], message.buttons, strict=False):  # no numbers: no lines
        lines.append(f"  [{number}] {button.label}")
    return lines


def field_prompt(form_field: FormField, locale: str) -> list[str]:
    """How one form question is asked."""
    mark = " *" if form_field.required else ""
    lines = [f"{form_field.label}{mark}"]
    if form_field.kind == "select":
        for i, choice in enumerate(form_field.choices, start=1):
            lines.append(f"  {i}. {choice.label}")
    elif form_field.kind == "checkbox":
        lines[0] += " (y/n)"
    if form_field.initial and form_field.kind not in ("checkbox",):
        lines.append(f"  ({form_field.initial})")
    return lines


def form_header(form: Form) -> list[str]:
    return [f"== {form.title} ==", t(form.locale, "console.form_intro")]
