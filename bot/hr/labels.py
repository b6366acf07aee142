"""Readable names for the identifiers a record holds, in the reader's language.

Where chat already names a thing, the desk reuses that name: event kinds are the
console's ``event.*``, contact channels the report form's ``contact_channel.*``, flags
the alert's ``alert.flag_*``, check-in answers the check-in's buttons, options the
policy's labels. What only the desk shows (routes, delivery rows, job states) is
``hr.*``. An identifier with no name (data older than the policy) is shown as it is."""

from __future__ import annotations

from typing import Any

from bot.model.i18n import catalog, t
from policy.model import Policy

ANSWERS = {"ok": "button.followup_ok", "talk": "button.followup_talk", "stop": "button.followup_stop"}


def text_or(locale: str, key: str, fallback: str) -> str:
    """``key`` in ``locale`` when either language has it, else ``fallback`` (the raw id)."""
    return t(locale, key) if key in catalog(locale) or key in catalog("en") else fallback


def of(items: Any, wanted: str | None, locale: str) -> str:
    """The label of a policy item (site, category, severity, option) by id."""
    if not wanted:
        return ""
    for item in items:
        if item.id == wanted:
            labels = getattr(item, "labels", None)
            return str(labels.get(locale)) if labels else wanted
    return wanted


def event(kind: str, locale: str) -> str:
    return text_or(locale, f"event.{kind}", kind)


def option(policy: Policy, option_id: str | None, locale: str) -> str:
    """A policy option's label, or one of Haven's own actions (``release_hold``)."""
    if not option_id:
        return ""
    if any(o.id == option_id for o in policy.options):
        return of(policy.options, option_id, locale)
    return text_or(locale, f"records.option_{option_id}", option_id)


def contact(channel: str | None, locale: str) -> str:
    return text_or(locale, f"contact_channel.{channel}", channel) if channel else ""


def flag(name: str, locale: str) -> str:
    return text_or(locale, f"alert.flag_{name}", name)


def answer(value: str | None, locale: str) -> str:
    if not value:
        return ""
    return t(locale, ANSWERS[value]) if value in ANSWERS else value


def route(value: str | None, locale: str) -> str:
    return text_or(locale, f"hr.route.{value or 'line'}", value or "")


def checkin_state(state: str, locale: str) -> str:
    return text_or(locale, f"hr.job_state.{state}", state)


def delivery(kind: str, audience: str, op: str, locale: str) -> str:
    """An outbox row: what was sent, to whom (and whether it replaced an earlier post)."""
    what = t(locale, "hr.delivery.row", kind=text_or(locale, f"hr.delivery.kind.{kind}", kind),
             audience=text_or(locale, f"hr.delivery.audience.{audience}", audience))
    return what + (t(locale, "hr.delivery.update") if op == "update" else "")


def delivery_state(state: str, locale: str) -> str:
    return text_or(locale, f"hr.delivery.state.{state}", state)
