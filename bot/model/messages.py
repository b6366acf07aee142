"""The neutral message model: what Haven says, independent of any platform.

Adapters render these values into Block Kit, Adaptive Cards or plain text.
Every value is a frozen dataclass and round-trips through JSON (the outbox
stores messages as JSON and renders them when sent).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


MENTION = re.compile(r"<@([A-Za-z0-9_.:@-]+)>")


def mention(user_id: str) -> str:
    """Haven's neutral mention token; each adapter renders it for its platform."""
    return f"<@{user_id}>"


class Kind(StrEnum):
    """Message kinds; Slack metadata uses ``haven_<kind>``."""

    WELLBEING = "wellbeing"
    RECEIPT = "receipt"
    ALERT = "alert"
    RENOTIFY = "renotify"  # nobody has acknowledged yet: the channel again
    PAGE_FAILED = "page_failed"  # a page fell due, but the platform has no escalation channel
    NOW_CRITICAL = "now_critical"  # the reporter is in danger now
    PAGE = "page"
    DECISION = "decision"
    APPROVAL_REQUEST = "approval_request"
    REFUSAL = "refusal"
    REPORTER_UPDATE = "reporter_update"
    CHECKIN = "checkin"
    TALK_REQUEST = "talk_request"
    REMIND_OWNER = "remind_owner"  # resolution reminder to the owner
    REMIND_CHANNEL = "remind_channel"  # resolution reminder in the alert's thread
    ASK_JOIN = "ask_join"  # asking for a second responder
    REMINDER = "reminder"
    DIGEST = "digest"

    @property
    def family(self) -> Kind:
        """The kind as the product contract names it: Slack metadata ``haven_<kind>``, the
        outbox row, metrics. Each reminder is a ``reminder``; the page-failed note and the
        in-danger announcement are ``renotify`` posts. Tests and the core tell them apart
        by the message's own kind."""
        return _FAMILY.get(self, self)


_FAMILY = {
    Kind.REMIND_OWNER: Kind.REMINDER, Kind.REMIND_CHANNEL: Kind.REMINDER, Kind.ASK_JOIN: Kind.REMINDER,
    Kind.PAGE_FAILED: Kind.RENOTIFY, Kind.NOW_CRITICAL: Kind.RENOTIFY,
}


class Audience(StrEnum):
    REPORTER = "reporter"
    SUPERVISORS = "supervisors"
    ESCALATION = "escalation"
    HR = "hr"  # the HR channel: restricted categories, to_hr, move_to_hr (spec 8.2)
    USER = "user"


class Action(StrEnum):
    """Action ids that are not policy options."""

    APPROVE = "approve"
    REJECT = "reject"
    JOIN = "join"
    ADD_DETAILS = "add_details"
    IN_DANGER = "in_danger"
    TALK_NOW = "talk_now"
    FOLLOWUP_OK = "followup_ok"
    FOLLOWUP_TALK = "followup_talk"
    FOLLOWUP_STOP = "followup_stop"
    TRIAGE = "triage"
    TALK_ACCEPT = "talk_accept"
    TALK_CANCEL = "talk_cancel"
    TALK_HR = "talk_hr"  # talk to HR instead of the line supervisors (spec 8.3)
    RELEASE_HOLD = "release_hold"
    REGISTER_EXTEND = "register_extend"
    REGISTER_LIFT = "register_lift"
    REGISTER_WIDEN = "register_widen"  # a site's register entry applies to every site (not in spec 8.7's list)
    CHANGE_SITE = "change_site"
    MOVE_TO_HR = "move_to_hr"
    ROUTE_SUPERVISORS = "route_supervisors"


@dataclass(frozen=True)
class Button:
    action: str  # a policy option id or an Action
    label: str
    value: str  # "INC-…", "INC-…:<proposal id>", "INC-…:<check-in id>"
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True)
class Fact:
    """A labelled field shown in a card (label: value)."""

    label: str
    value: str
    user_text: bool = False  # value came from a person: escape and truncate when rendering


@dataclass(frozen=True)
class Resource:
    """A wellbeing resource line, with whether it is open now."""

    label: str
    text: str
    contact: str | None
    open_now: bool
    hours: str  # human description of the opening hours


@dataclass(frozen=True)
class Message:
    kind: Kind
    text: str
    title: str | None = None
    facts: tuple[Fact, ...] = ()
    buttons: tuple[Button, ...] = ()
    resources: tuple[Resource, ...] = ()
    mentions: tuple[str, ...] = ()  # platform user ids to mention
    mention_channel: bool = False  # "<!here>" on Slack, the channel on Teams
    incident: str | None = None  # "INC-…"
    locale: str = "en"
    note: str | None = None  # small print under the body (e.g. "Haven is not an emergency service")
    timestamp: str | None = None  # ISO-8601 UTC of the event this message reports

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Message:
        data: dict[str, Any] = json.loads(raw)
        data["kind"] = Kind(data["kind"])
        data["facts"] = tuple(Fact(**f) for f in data.get("facts", ()))
        data["buttons"] = tuple(Button(**b) for b in data.get("buttons", ()))
        data["resources"] = tuple(Resource(**r) for r in data.get("resources", ()))
        data["mentions"] = tuple(data.get("mentions", ()))
        return cls(**data)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    kind: str  # "select" | "text" | "multiline" | "datetime" | "checkbox" | "number" | "url"
    required: bool = False
    choices: tuple[Choice, ...] = ()
    initial: str | None = None
    hint: str | None = None
    max_length: int | None = None


REPORT_FORM = "report_form"
TRIAGE_FORM = "triage_form"
SITE_FORM = "site_form"  # change_site (Slack callback_id; Teams verb "site_submit")


@dataclass(frozen=True)
class Form:
    """A form: the report form (Slack modal ``report_form``, Teams Adaptive Card) or the
    supervisors' re-triage form (``triage_form``; Teams verb ``triage_submit``)."""

    title: str
    submit: str
    intro: Message  # the wellbeing message, shown at the top of the form
    fields: tuple[FormField, ...]
    locale: str = "en"
    private_metadata: str = ""  # opaque to the adapter; round-tripped on submit
    errors: dict[str, str] = field(default_factory=dict)
    name: str = REPORT_FORM  # which form: REPORT_FORM, TRIAGE_FORM or SITE_FORM


@dataclass(frozen=True)
class Reply:
    """An answer to the person who acted, in the interaction itself.

    ``private`` replies are seen only by that person (Slack ephemeral, Teams invoke
    response or 1:1). ``replace`` asks the adapter to replace the message that held
    the pressed button (the card refresh) instead of posting a new one.
    """

    message: Message
    private: bool = True
    replace: bool = False
