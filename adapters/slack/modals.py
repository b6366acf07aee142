"""The report form as a modal and App Home as a home view (pure; no I/O)."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import Block, blocks, cut, epoch, plain
from bot.model.clock import parse_instant
from bot.model.i18n import t
from bot.model.messages import REPORT_FORM, TRIAGE_FORM, Form, FormField, Message
from bot.model.messages import SITE_FORM as SITE_FORM_NAME

CALLBACK_ID = REPORT_FORM
CALLBACK_IDS = (REPORT_FORM, TRIAGE_FORM)  # the modals Haven opens (callback_id = Form.name)
SITE_FORM = SITE_FORM_NAME  # change_site: one field, ``site``
VIEW_BLOCKS = 100
TITLE = 24
LABEL = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
INPUT_MAX = 3000
METADATA = 3000


def modal(form: Form) -> dict[str, Any]:
    """``report_form``: the wellbeing section at the top, then one input per field
    (``block_id`` = ``action_id`` = the field id); closing it unsent is reported.
    ``triage_form`` (supervisors) has the same shape; closing it is not reported."""
    locale = form.locale
    intro = blocks(form.intro, with_buttons=False)
    inputs = [input_block(f, locale) for f in form.fields]
    room = VIEW_BLOCKS - len(inputs) - 1
    return {
        "type": "modal",
        "callback_id": form.name,
        "title": plain(form.title, TITLE, locale),
        "submit": plain(form.submit, TITLE, locale),
        "close": plain(t(locale, "slack.close"), TITLE, locale),
        "notify_on_close": form.name == REPORT_FORM,
        "private_metadata": form.private_metadata[:METADATA],
        "blocks": [*intro[:room], {"type": "divider"}, *inputs],
    }


def input_block(field: FormField, locale: str) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field.id,
        "label": plain(field.label, LABEL, locale),
        "optional": not field.required,
        "element": element(field, locale),
    }
    if field.hint:
        block["hint"] = plain(field.hint, LABEL, locale)
    return block


def element(field: FormField, locale: str) -> Block:
    """The Block Kit input element for a neutral field kind."""
    kind = field.kind
    base: Block = {"action_id": field.id}
    if kind == "select":
        options = [_option(c.value, c.label, locale) for c in field.choices]
        base.update(type="static_select", options=options,
                    placeholder=plain(t(locale, "slack.choose"), 150, locale))
        chosen = next((o for o in options if o["value"] == field.initial), None)
        if chosen:
            base["initial_option"] = chosen
        return base
    if kind == "checkbox":
        options = [_option(c.value, c.label, locale) for c in field.choices]
        base.update(type="checkboxes", options=options)
        if (field.initial or "").lower() == "true" and options:
            base["initial_options"] = options[:1]
        return base
    if kind == "datetime":
        base["type"] = "datetimepicker"
        moment = _epoch(field.initial)
        if moment is not None:
            base["initial_date_time"] = moment
        return base
    if kind == "number":
        base.update(type="number_input", is_decimal_allowed=False, min_value="0")
        if field.initial and field.initial.isdigit():
            base["initial_value"] = field.initial
        return base
    limit = min(field.max_length or INPUT_MAX, INPUT_MAX)
    base.update(type="plain_text_input", max_length=limit,
                multiline=kind in ("multiline", "url"))
    if field.initial:
        base["initial_value"] = field.initial[:limit]
    return base


def _epoch(value: str | None) -> int | None:
    """A prefilled instant (Unix seconds or ISO-8601) as the picker's Unix seconds."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        return epoch(parse_instant(value))
    except ValueError:
        return None


def _option(value: str, label: str, locale: str) -> Block:
    return {"text": plain(label, OPTION_TEXT, locale), "value": value[:OPTION_VALUE]}


def home(messages: tuple[Message, ...]) -> dict[str, Any]:
    """App Home: the neutral messages one after another, within the view's block limit."""
    out: list[Block] = []
    for i, message in enumerate(messages):
        if i:
            out.append({"type": "divider"})
        out.extend(blocks(message, limit=VIEW_BLOCKS))
    if len(out) > VIEW_BLOCKS:
        locale = messages[0].locale if messages else "en"
        truncated = {"type": "mrkdwn", "text": cut(t(locale, "slack.truncated"), 100)}
        out = [*out[:VIEW_BLOCKS - 1], {"type": "context", "elements": [truncated]}]
    return {"type": "home", "blocks": out}
