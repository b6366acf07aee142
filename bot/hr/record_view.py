"""One incident's whole record as a person reads it: the incident page and the evidence
pack's ``record.html`` both render this (``templates/record_sections.html``).

Every identifier becomes a label in the reader's language (:mod:`bot.hr.labels`); a
re-triage shows what it changed and the note given for it; a reporter who did not share
their name with supervisors is marked so (HR sees the name; an inspector must know it
was withheld from the line)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.hr import labels
from bot.model.i18n import t
from policy.model import Policy

Local = Callable[[str | None], str]  # an ISO-8601 UTC string → local "YYYY-MM-DD HH:MM"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    user_text: bool = False  # the reporter's own words: kept as typed (pre-wrap)
    mark: str = ""  # a warning shown beside the value


@dataclass(frozen=True)
class Line:
    """One event of the timeline."""

    at: str
    what: str
    who: str
    option: str
    detail: str
    note: str  # a re-triage's note (free text), or ""


@dataclass(frozen=True)
class Row:
    """A check-in or a delivery."""

    when: str
    what: str
    state: str
    extra: str
    error: str = ""
    dead: bool = False


def record_context(policy: Policy, record: dict[str, Any], locale: str, local: Local) -> dict[str, Any]:
    """The template context for ``record_sections.html``."""
    return {
        "r": record, "local": local,
        "severity_label": labels.of(policy.severities, record["severity"], locale),
        "category_label": labels.of(policy.categories, record["category"], locale),
        "facts": facts(policy, record, locale, local),
        "lines": [line(policy, e, locale, local) for e in record.get("events") or ()],
        "checkins": [Row(local(c["due_at"]), labels.answer(c.get("answer"), locale),
                         labels.checkin_state(c["state"], locale), local(c.get("answered_at")))
                     for c in record.get("checkins") or ()],
        "deliveries": [Row("", labels.delivery(o["kind"], o["audience"], o.get("op", "post"), locale),
                           labels.delivery_state(o["state"], locale), str(o["attempts"]),
                           error=o.get("last_error") or "", dead=o["state"] == "dead")
                       for o in record.get("outbox") or ()],
    }


def facts(policy: Policy, r: dict[str, Any], locale: str, local: Local) -> list[Fact]:
    def field(name: str) -> str:
        return t(locale, f"hr.field.{name}")

    withheld = t(locale, "hr.record.name_withheld") if r.get("share_name") is False else ""
    held = r.get("held_minutes")
    return [
        Fact(field("status"), t(locale, f"hr.status.{r['status']}")),
        Fact(field("site"), labels.of(policy.sites, r.get("site") or _default_site(policy), locale)),
        Fact(field("route"), labels.route(r.get("route"), locale)),
        Fact(field("reported_at"), local(r.get("reported_at"))),
        Fact(field("occurred_at"), local(r.get("occurred_at"))),
        Fact(field("reporter"), f"{r['reporter_id']} ({r['platform']})", mark=withheld),
        Fact(field("reported_for"), r.get("reported_for") or "", user_text=True),
        Fact(field("owner"), r.get("owner_id") or ""),
        Fact(field("second_responder"), r.get("second_responder_id") or ""),
        Fact(field("acknowledged_at"), local(r.get("acknowledged_at"))),
        Fact(field("resolved_at"), local(r.get("resolved_at"))),
        Fact(field("contact_channel"), labels.contact(r.get("contact_channel"), locale)),
        Fact(field("held_minutes"), t(locale, "hr.insights.minutes", n=held) if held is not None else ""),
        Fact(field("triage"), ", ".join(r.get("triage") or ())),
        Fact(field("flags"), ", ".join(labels.flag(f, locale) for f in r.get("flags") or ())),
        Fact(field("legal_hold"), t(locale, "hr.answer_yes" if r.get("legal_hold") else "hr.answer_no")),
        Fact(field("hold_released_at"), local(r.get("hold_released_at"))),
        Fact(field("policy_version"), str(r.get("policy_version") or "")),
    ]


def _default_site(policy: Policy) -> str:
    return str(policy.sites[0].id) if policy.sites else ""


def line(policy: Policy, event: dict[str, Any], locale: str, local: Local) -> Line:
    detail = event.get("detail") or {}
    return Line(at=local(event["at"]), what=labels.event(event["kind"], locale), who=event["actor"],
                option=labels.option(policy, event.get("option"), locale),
                detail=_detail(policy, event["kind"], detail, locale), note=str(detail.get("note") or ""))


def _detail(policy: Policy, kind: str, detail: dict[str, Any], locale: str) -> str:
    """What an event changed, in words; "" when its kind and option say it all."""
    if kind == "triaged" and isinstance(detail.get("from"), dict) and isinstance(detail.get("to"), dict):
        before, after = detail["from"], detail["to"]
        return t(locale, "hr.detail.triaged",
                 severity_from=labels.of(policy.severities, before.get("severity"), locale),
                 severity_to=labels.of(policy.severities, after.get("severity"), locale),
                 category_from=labels.of(policy.categories, before.get("category"), locale),
                 category_to=labels.of(policy.categories, after.get("category"), locale))
    if kind == "site_changed":
        return t(locale, "hr.detail.changed", before=labels.of(policy.sites, detail.get("from"), locale),
                 after=labels.of(policy.sites, detail.get("to"), locale))
    if kind in ("reminded", "talk_requested") and detail.get("to"):
        return labels.text_or(locale, f"hr.detail.to_{detail['to']}", str(detail["to"]))
    if kind == "checkin_answered":
        return labels.answer(detail.get("answer"), locale)
    if kind == "details_added" and detail.get("version"):
        return t(locale, "hr.detail.version", n=detail["version"])
    if kind in ("approved", "rejected", "hold_released") and detail.get("proposer"):
        return t(locale, "hr.detail.proposer", who=detail["proposer"])
    if kind == "hr_viewed" and detail.get("as") == "evidence_pack":
        return t(locale, "hr.detail.evidence_pack")
    if kind == "dead_letter" and detail.get("kind"):
        return labels.text_or(locale, f"hr.delivery.kind.{detail['kind']}", str(detail["kind"]))
    return ""
