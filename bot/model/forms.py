"""The report form: what it asks (neutral :class:`Form`) and how answers are checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.db import utc_naive as to_naive_utc
from bot.model.i18n import t
from bot.model.messages import Choice, Form, FormField, Message
from policy.model import Policy

CONTACT_CHANNELS = ("phone", "email", "in_person", "chat", "social_media", "other")
FIELD_IDS = (
    "category",
    "description",
    "occurred_at",
    "contact_channel",
    "customer_ref",
    "in_danger",
    "share_name",
    "exact_words",
    "demands",
    "held_minutes",
    "location",
    "evidence",
    "site",
    "to_hr",
    "reported_for",
)
LIMITS = {
    "description": 3000,
    "exact_words": 3000,
    "demands": 2000,
    "customer_ref": 200,
    "location": 200,
    "evidence": 2000,
    "reported_for": 200,
}
_LINK = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Submission:
    """A checked form: typed values ready to store."""

    category: str
    description: str
    occurred_at: datetime | None
    contact_channel: str | None
    customer_ref: str | None
    in_danger: bool
    share_name: bool
    exact_words: str | None
    demands: str | None
    held_minutes: int | None
    location: str | None
    evidence: str | None
    site: str | None = None  # None: the reporter's last site, else the default (spec 8.2)
    to_hr: bool = False  # "send to HR only, e.g. my supervisor is involved"
    reported_for: str | None = None  # a witness reporting for someone else (free text)


def report_form(
    policy: Policy, locale: str, intro: Message, *, prefill: dict[str, str] | None = None,
    metadata: str = "", details: bool = False,
) -> Form:
    """The form with every field id of spec section 3; only category and description required.
    ``details``: the same form adding details to a logged report, under its own title."""
    prefill = prefill or {}
    share_default = "true" if policy.defaults.share_name else "false"

    def field(fid: str, kind: str, **kw: object) -> FormField:
        return FormField(
            id=fid, label=t(locale, f"form.{fid}"), kind=kind,
            initial=prefill.get(fid), max_length=LIMITS.get(fid), **kw,  # type: ignore[arg-type]  # kw: FormField's own
        )

    categories = tuple(Choice(c.id, c.labels.get(locale)) for c in policy.categories)
    channels = tuple(Choice(c, t(locale, f"contact_channel.{c}")) for c in CONTACT_CHANNELS)
    yes = (Choice("true", t(locale, "form.yes_label")),)
    fields = (
        field("category", "select", required=True, choices=categories),
        field("description", "multiline", required=True),
        field("occurred_at", "datetime"),
        field("contact_channel", "select", choices=channels),
        field("customer_ref", "text"),
        field("in_danger", "checkbox", choices=yes),
        FormField("share_name", t(locale, "form.share_name"), "checkbox", choices=yes,
                  initial=prefill.get("share_name", share_default)),
        field("exact_words", "multiline"),
        field("demands", "multiline"),
        field("held_minutes", "number"),
        field("location", "text"),
        field("evidence", "url"),
        *_route_fields(policy, locale, prefill, yes),
    )
    return Form(
        title=t(locale, "form.details_title" if details else "form.title"),
        submit=t(locale, "form.details_submit" if details else "form.submit"), intro=intro,
        fields=fields, locale=locale, private_metadata=metadata,
    )


def _route_fields(policy: Policy, locale: str, prefill: dict[str, str],
                  yes: tuple[Choice, ...]) -> tuple[FormField, ...]:
    """``site`` (when the policy lists sites), ``to_hr`` and ``reported_for`` (spec 8.2)."""
    fields = []
    if policy.sites:
        sites = tuple(Choice(s.id, s.labels.get(locale)) for s in policy.sites)
        initial = prefill.get("site") if prefill.get("site") in {s.id for s in policy.sites} else policy.sites[0].id
        fields.append(FormField("site", t(locale, "sites.form_site"), "select", choices=sites,
                                initial=initial))
    fields.append(FormField("to_hr", t(locale, "sites.form_to_hr"), "checkbox", choices=yes,
                            initial=prefill.get("to_hr"), hint=t(locale, "sites.form_to_hr_hint")))
    fields.append(FormField("reported_for", t(locale, "sites.form_reported_for"), "text",
                            initial=prefill.get("reported_for"), hint=t(locale, "sites.form_reported_for_hint"),
                            max_length=LIMITS["reported_for"]))
    return tuple(fields)


def check(
    policy: Policy, values: dict[str, object], locale: str
) -> tuple[Submission | None, dict[str, str]]:
    """Check raw answers; returns the submission, or field id → error message."""
    errors: dict[str, str] = {}
    text = {fid: _text(values.get(fid)) for fid in FIELD_IDS}
    category = text["category"]
    if not category:
        errors["category"] = t(locale, "form.required")
    elif category not in {c.id for c in policy.categories}:
        errors["category"] = t(locale, "form.bad_choice")
    if not text["description"]:
        errors["description"] = t(locale, "form.required")
    for fid, limit in LIMITS.items():
        if text[fid] and len(text[fid] or "") > limit:
            errors[fid] = t(locale, "form.too_long", max=limit)
    channel = text["contact_channel"]
    if channel and channel not in CONTACT_CHANNELS:
        errors["contact_channel"] = t(locale, "form.bad_choice")
    held = _minutes(text["held_minutes"])
    if text["held_minutes"] and held is None:
        errors["held_minutes"] = t(locale, "form.bad_number")
    occurred = _instant(text["occurred_at"], policy)
    if text["occurred_at"] and occurred is None:
        errors["occurred_at"] = t(locale, "form.bad_time")
    evidence = text["evidence"]
    if evidence and not all(_LINK.match(line) for line in evidence.split()):
        errors["evidence"] = t(locale, "form.bad_link")
    site = text["site"]
    if site and site not in {s.id for s in policy.sites}:
        errors["site"] = t(locale, "form.bad_choice")
    if errors:
        return None, errors
    return (
        Submission(
            category=category or "other",
            description=text["description"] or "",
            occurred_at=occurred,
            contact_channel=channel,
            customer_ref=text["customer_ref"],
            in_danger=_flag(values.get("in_danger"), False),
            share_name=_flag(values.get("share_name"), policy.defaults.share_name),
            exact_words=text["exact_words"],
            demands=text["demands"],
            held_minutes=held,
            location=text["location"],
            evidence=evidence,
            site=site,
            to_hr=_flag(values.get("to_hr"), False),
            reported_for=text["reported_for"],
        ),
        {},
    )


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
        if value is None:
            return None
    text = str(value).strip()
    return text or None


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return any(_flag(v, False) for v in value)
    return str(value).strip().lower() in ("true", "1", "yes", "on", "in_danger", "share_name", "to_hr")


def _minutes(value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{1,5}", value):
        return None
    return int(value)


def _instant(value: str | None, policy: Policy) -> datetime | None:
    """Accepts ISO-8601 or "YYYY-MM-DD HH:MM" (policy time zone), or a Unix timestamp."""
    if value is None:
        return None
    if re.fullmatch(r"\d{9,11}", value):
        try:
            return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=policy.zone)
    try:
        return to_naive_utc(moment)
    except (OverflowError, ValueError):  # e.g. year 1 or 9999 shifted out of range
        return None
