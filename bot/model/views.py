"""Pure builders of the reporter's messages and one-line notices: the wellbeing message,
receipts, the reporter's buttons, notices from the locale files; and local times.

The supervisors' alert is built in :mod:`bot.model.alert`. No I/O here: every function
takes the policy, a locale and plain values.
"""

from __future__ import annotations

from datetime import datetime

from bot.model.i18n import t
from bot.model.messages import Action, Button, Kind, Message, Resource
from policy.model import Policy
from policy.resources import contact_in, describe_hours, resource_status


def local_time(policy: Policy, moment: datetime) -> str:
    """Naive UTC → "2026-12-01 14:30 JST" in the policy's time zone."""
    from datetime import UTC

    local = moment.replace(tzinfo=UTC).astimezone(policy.zone)
    return local.strftime("%Y-%m-%d %H:%M %Z")


def wellbeing(policy: Policy, locale: str, now: datetime) -> Message:
    """The first thing a reporter sees: help for themselves, which lines are open now."""
    resources = tuple(
        Resource(
            label=res.labels.get(locale),
            text=res.text.get(locale),
            contact=contact_in(res, locale),
            open_now=is_open,
            hours=describe_hours(res, locale),
        )
        for res, is_open in resource_status(policy, now)
    )
    note = t(locale, "wellbeing.note", not_emergency=t(locale, "wellbeing.not_emergency"),
             no_disadvantage=t(locale, "wellbeing.no_disadvantage"))
    return Message(
        kind=Kind.WELLBEING,
        title=t(locale, "wellbeing.title"),
        text=t(locale, "wellbeing.intro"),
        resources=resources,
        note=note,
        locale=locale,
    )


def receipt(ref: str, locale: str, *, alerted: bool, site: str | None = None, route: str = "line",
            hr_talk: bool = False) -> Message:
    """"Logged as INC-…" with the reporter's own buttons; names the site (``site`` is its
    label) and says honestly where the report went (HR only, or held for HR). ``hr_talk``:
    an HR channel exists, so a report on the line route offers ``talk_hr``."""
    if route == "held":
        text = t(locale, "sites.receipt_held_for_hr", ref=ref)
    elif route == "hr":
        text = t(locale, "sites.receipt_logged_hr" if alerted else "receipt.no_channel", ref=ref)
    else:
        text = t(locale, "receipt.logged" if alerted else "receipt.no_channel", ref=ref)
    if site and route == "line":
        text = f"{text}\n{t(locale, 'sites.receipt_site', site=site)}"
    buttons = reporter_buttons(ref, locale)
    if hr_talk and route == "line":
        buttons += (Button(Action.TALK_HR, t(locale, "button.talk_hr"), ref),)
    if route == "held":
        buttons += (Button(Action.ROUTE_SUPERVISORS, t(locale, "sites.button_route_supervisors"), ref),)
    elif site and route == "line":
        buttons += (Button(Action.CHANGE_SITE, t(locale, "sites.button_change_site"), ref),)
    return Message(
        kind=Kind.RECEIPT,
        text=f"{text}\n{t(locale, 'receipt.more')}",
        buttons=buttons,
        incident=ref,
        locale=locale,
    )


def reporter_buttons(ref: str, locale: str) -> tuple[Button, ...]:
    return (
        Button(Action.ADD_DETAILS, t(locale, "button.add_details"), ref),
        Button(Action.IN_DANGER, t(locale, "button.in_danger"), ref, style="danger"),
        Button(Action.TALK_NOW, t(locale, "button.talk_now"), ref, style="primary"),
    )


def saving(locale: str) -> Message:
    return Message(kind=Kind.RECEIPT, text=t(locale, "receipt.saving"), locale=locale)


def notice(kind: Kind, locale: str, key: str, *, ref: str | None = None, **values: object) -> Message:
    """A one-line message from the locale files."""
    if ref is not None:
        values["ref"] = ref
    return Message(kind=kind, text=t(locale, key, **values), incident=ref, locale=locale)
